"""Reminders with a controllable clock: who, when, why not — and exactly once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.delivery import Sender
from bot.services import Services
from domain.calendar import monthly
from domain.i18n import LOCAL_TZ
from domain.reminders import RULES, QuietHours, decide, firings
from scheduler import plan_now
from storage.db import transaction
from storage.models_outbox import OutboxMessage
from storage.models_register import HamletReport
from storage.orgtree import unit_by_code
from storage.periods import ensure_period
from tests.support import link_person, seed_units

NOV = monthly(2026, 11)  # hamlet deadline 25/11/2026 23:59:59 in Hà Nội


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A moment given in Hà Nội time, as UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=LOCAL_TZ).astimezone(UTC)


async def setup(services: Services) -> dict[str, int]:
    await seed_units(services)
    people = {
        "an": await link_person(services, "hamlet_head", "37-GIAVIEN-01", "Nguyễn Văn An", "an"),
        "dung": await link_person(
            services, "hamlet_head", "37-GIAVIEN-02", "Phạm Thị Dung", "dung"
        ),
        "khanh": await link_person(
            services, "hamlet_head", "37-GIAVIEN-03", "Bùi Văn Khánh", "khanh", active=False
        ),
        "giang": await link_person(services, "hamlet_head", "37-KIMSON-01", "Đỗ Văn Giang", None),
        "binh": await link_person(services, "officer", "37-GIAVIEN", "Trần Thị Bình", "binh"),
    }
    async with transaction(services.sessionmaker) as db:
        await ensure_period(db, NOV)
    return people


async def report(services: Services, hamlet_code: str) -> None:
    async with transaction(services.sessionmaker) as db:
        hamlet = await unit_by_code(db, hamlet_code)
        period = await ensure_period(db, NOV)
        db.add(HamletReport(period_id=period.id, hamlet_id=hamlet.id, no_change=True))  # type: ignore[arg-type, union-attr]


async def rows(services: Services) -> list[OutboxMessage]:
    async with services.sessionmaker() as db:
        return list((await db.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


def test_rule_times_are_0800_hanoi_counted_from_the_deadline() -> None:
    times = {f.key: f.at for rule in RULES["monthly"] for f in firings(rule, NOV.hamlet_deadline)}
    assert times["before-3"] == local(22, 8)
    assert times["before-1"] == local(24, 8)
    assert times["due-day"] == local(25, 8)
    assert times["overdue-1"] == local(26, 8) and times["overdue-5"] == local(30, 8)
    assert times["escalation"] == local(26, 8)


def test_quiet_hours_defer_to_seven_and_old_firings_are_missed() -> None:
    quiet = QuietHours()
    assert quiet.defer(local(22, 22, 30)) == local(23, 7)
    assert quiet.defer(local(23, 6, 59)) == local(23, 7)
    assert quiet.defer(local(23, 7)) == local(23, 7)
    firing = next(firings(RULES["monthly"][0], NOV.hamlet_deadline))  # 22/11 08:00
    assert decide(firing, local(22, 7, 59), grace=timedelta(hours=12), quiet=quiet) is None
    on_time = decide(firing, local(22, 8), grace=timedelta(hours=12), quiet=quiet)
    assert on_time is not None and on_time.reason == "due" and on_time.send_at == local(22, 8)
    late_evening = decide(firing, local(22, 21, 30), grace=timedelta(hours=24), quiet=quiet)
    assert late_evening is not None and late_evening.send_at == local(23, 7)
    assert late_evening.reason == "deferred_quiet_hours"
    too_old = decide(firing, local(22, 20, 1), grace=timedelta(hours=12), quiet=quiet)
    assert too_old is not None and too_old.send_at is None and too_old.reason == "missed"


async def test_before_the_deadline_only_those_who_owe_and_skips_say_why(services: Services) -> None:
    people = await setup(services)
    await report(services, "37-GIAVIEN-02")  # Dung's hamlet already reported
    early = await plan_now(services, local(22, 7, 59))
    assert [p for p in early if not p.rule.startswith("digest")] == []  # nothing before 08:00
    planned = await plan_now(services, local(22, 8))
    by_person = {p.person_id: p for p in planned if p.rule == "before-3"}
    assert by_person[people["an"]].status == "pending"
    assert "Thôn Đông" in by_person[people["an"]].text and "2026-11" in by_person[people["an"]].text
    assert (by_person[people["dung"]].status, by_person[people["dung"]].reason) == (
        "skipped",
        "already_reported",
    )
    assert by_person[people["khanh"]].reason == "inactive_account"
    assert by_person[people["giang"]].reason == "no_linked_chat"
    assert people["binh"] not in by_person  # officers are not reminded to report
    # Planning again at the same or a later moment writes nothing new for this firing.
    assert [p for p in await plan_now(services, local(22, 9)) if p.rule == "before-3"] == []


async def test_each_reminder_is_delivered_once(services: Services) -> None:
    await setup(services)
    await plan_now(services, local(22, 8))
    sim = services.channels["simulator"]
    assert (await services.sender.drain()).sent == 2  # An and Dung owe and are reachable
    await plan_now(services, local(22, 8, 5))
    assert (await services.sender.drain()).sent == 0
    inbox = sim.drain("an")  # type: ignore[attr-defined]
    assert len(inbox) == 1 and "Nhắc việc" in inbox[0]["text"]
    assert len(sim.drain("dung")) == 1 and sim.drain("khanh") == []  # type: ignore[attr-defined]
    assert inbox[0]["choices"] == [{"id": "flow:period_report", "label": "Gửi báo cáo kỳ"}]


async def test_escalation_lists_missing_hamlets_to_the_officer(services: Services) -> None:
    people = await setup(services)
    await report(services, "37-GIAVIEN-02")
    planned = await plan_now(services, local(26, 8))
    escalation = [p for p in planned if p.rule == "escalation"]
    assert [p.person_id for p in escalation] == [people["binh"]]
    assert "Thôn Đông" in escalation[0].text and "Thôn Trung" in escalation[0].text
    assert "Thôn Tây" not in escalation[0].text  # it reported
    overdue = {p.person_id: p for p in planned if p.rule == "overdue-1"}
    assert overdue[people["an"]].status == "pending" and "1 ngày" in overdue[people["an"]].text


async def test_catch_up_after_downtime_sends_recent_and_skips_old(services: Services) -> None:
    people = await setup(services)
    # Down from 21/11 until 24/11 18:00: before-3 (22/11 08:00) is older than the 12 h grace,
    # before-1 (24/11 08:00) is within it.
    planned = await plan_now(services, local(24, 18))
    mine = {p.rule: p for p in planned if p.person_id == people["an"]}
    assert (mine["before-3"].status, mine["before-3"].reason) == ("skipped", "missed")
    assert (mine["before-1"].status, mine["before-1"].reason) == ("pending", "due")
    assert "due-day" not in mine


async def test_after_downtime_only_the_newest_nudge_goes_out(services: Services) -> None:
    people = await setup(services)
    # Down from 21/11 until 25/11 10:00 with a 4-day grace: before-3, before-1 and due-day are
    # all due; one message is sent, the older two are logged as superseded.
    services.settings.reminder_grace_hours = 96
    planned = await plan_now(services, local(25, 10))
    mine = {p.rule: (p.status, p.reason) for p in planned if p.person_id == people["an"]}
    assert mine == {
        "before-3": ("skipped", "superseded"),
        "before-1": ("skipped", "superseded"),
        "due-day": ("pending", "due"),
    }


async def test_a_reminder_caught_up_at_night_waits_for_seven(services: Services) -> None:
    people = await setup(services)
    services.settings.reminder_grace_hours = 24
    planned = await plan_now(services, local(22, 22, 30))  # back up at 22:30, before-3 is due
    row = next(p for p in planned if p.person_id == people["an"] and p.rule == "before-3")
    assert (row.status, row.reason, row.due_at) == ("pending", "deferred_quiet_hours", local(23, 7))
    night = Sender(services.sessionmaker, services.channels, clock=lambda: local(22, 22, 31))
    assert (await night.drain()).sent == 0
    morning = Sender(services.sessionmaker, services.channels, clock=lambda: local(23, 7))
    assert (await morning.drain()).sent == 2  # An and Dung


async def test_preview_lists_who_and_why_without_writing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], services: Services
) -> None:
    await setup(services)
    monkeypatch.setenv("CHUNGTAY_DATABASE_URL", services.settings.database_url)
    with pytest.raises(SystemExit) as exc:  # the command runs its own event loop: in a thread
        await asyncio.to_thread(
            main, ["reminders", "preview", "--at", "2026-11-22T08:00", "--period", "2026-11"]
        )
    assert exc.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    by_name = {
        name: line
        for line in lines
        for name in ("Nguyễn Văn An", "Bùi Văn Khánh", "Đỗ Văn Giang")
        if name in line
    }
    assert "before-3" in by_name["Nguyễn Văn An"] and "simulator:an" in by_name["Nguyễn Văn An"]
    assert "inactive_account" in by_name["Bùi Văn Khánh"]
    assert "no_linked_chat" in by_name["Đỗ Văn Giang"]
    assert await rows(services) == []  # a preview writes nothing


async def test_no_monthly_reminder_while_the_annual_review_takes_the_hamlets_answers(
    services: Services,
) -> None:
    """From 1/9 to 14/12 hamlets answer the periodic review, not the month: November's nudges
    would ask for a report nobody can send; the review's own reminders go out."""
    from domain.calendar import annual

    await setup(services)
    async with transaction(services.sessionmaker) as db:
        await ensure_period(db, annual(2026))
    planned = await plan_now(services, local(23, 8))  # 7 days before 30/11; 2 before 25/11
    assert {p.rule for p in planned if p.rule.startswith("before")} == {"before-7"}
    assert all("2026-11" not in p.text for p in planned)
