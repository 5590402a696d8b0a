"""Reminders that follow the review rounds: the hamlet's agenda, the posting's end, the decision."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from bot.services import Services
from domain import procedure as proc
from domain.i18n import LOCAL_TZ
from scheduler import plan_now
from storage.db import transaction
from storage.orgtree import unit_by_code
from storage.register import create_household, decide, submit
from storage.rounds import ensure_round, start_posting
from tests.support import link_person, pass_meeting, seed_units


def local(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=LOCAL_TZ).astimezone(UTC)


async def _report(services: Services, name: str, *, head: int, passed: bool) -> None:
    async with transaction(services.sessionmaker) as db:
        hamlet = await unit_by_code(db, "37-GIAVIEN-01")
        household = await create_household(
            db,
            hamlet=hamlet,
            head_name=name,
            members=3,
            ethnic_minority=False,
            phone=None,
            actor="test",
        )  # type: ignore[arg-type]
        new = await submit(
            db,
            idempotency_key=uuid.uuid4().hex,
            kind="newly_poor",
            source="hamlet_head",
            household_id=household.id,
            hamlet=hamlet,  # type: ignore[arg-type]
            period_id=None,
            reporter_id=head,
            answers={},
            result={"class": "poor", "standard": "nd351-2025", "deprived": []},
            note=None,
            now=local(11, 20, 9),
            actor="test",
        )
        if passed:
            await pass_meeting(db, new.submission, when=local(11, 21, 9))
            await decide(
                db,
                submission=new.submission,
                decision="approve",
                reason=None,
                officer_id=None,
                now=local(11, 21, 9),
                actor="test",
            )


async def test_rounds_remind_the_hamlet_of_its_meeting_and_the_officer_of_the_decision(
    services: Services,
) -> None:
    await seed_units(services)
    head = await link_person(services, "hamlet_head", "37-GIAVIEN-01", "Nguyễn Văn An", "an")
    officer = await link_person(services, "officer", "37-GIAVIEN", "Trần Thị Bình", "binh")
    await _report(services, "Lê Thị Mai", head=head, passed=False)
    await _report(services, "Trần Văn Bình", head=head, passed=True)

    # Monday 23/11, 08:00: the weekly agenda reminder; the hamlet head's button opens the meeting.
    planned = [p for p in await plan_now(services, local(11, 23, 8)) if p.rule.startswith("agenda")]
    [agenda] = [p for p in planned if p.status == "pending"]  # last Monday's was missed: skipped
    assert agenda.person_id == head and agenda.chat_id == "an"
    assert agenda.text.startswith("Thôn Đông: 1 hộ đang chờ họp thôn bình xét")
    assert agenda.choices == [["flow:meeting", "Họp thôn bình xét"]]
    assert [
        p for p in await plan_now(services, local(11, 23, 9)) if p.rule.startswith("agenda")
    ] == []

    async with transaction(services.sessionmaker) as db:
        commune = await unit_by_code(db, "37-GIAVIEN")
        rnd = await ensure_round(db, commune_id=commune.id, spec=proc.periodic_round(2026))  # type: ignore[union-attr,arg-type]
        await start_posting(db, rnd=rnd, starts_on=date(2026, 11, 25), actor="test")
    # Posted Wed 25 – Fri 27/11: on Saturday morning the officer hears the decision can be made.
    assert not [p for p in await plan_now(services, local(11, 27, 20)) if "posting" in p.rule]
    [over] = [p for p in await plan_now(services, local(11, 28, 8)) if "posting" in p.rule]
    assert over.person_id == officer and over.chat_id == "binh"
    assert over.text == (
        "Đợt rà soát 2026: hết thời gian niêm yết công khai ngày 27/11/2026. 1 hộ chờ quyết định "
        "của xã, hạn chậm nhất 14/12/2026."
    )
    # Three days before the annual decision is due (14/12): both households still in procedure.
    [due] = [p for p in await plan_now(services, local(12, 11, 8)) if "decision" in p.rule]
    assert due.text == (
        "Đợt rà soát 2026: xã cần ra quyết định chậm nhất ngày 14/12/2026; còn 2 hộ đang trong "
        "quy trình."
    )
