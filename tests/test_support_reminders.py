"""The monthly nudge of assigned helpers: planned once per month, person and supporter; a contact
without a chat is a logged skip; a supporter without a contact is not nudged."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.services import Services
from domain.i18n import LOCAL_TZ
from scheduler import plan_now
from storage.db import transaction
from storage.models_outbox import OutboxMessage
from storage.models_register import Household
from storage.orgtree import unit_by_code
from storage.support import assign, supporter_for
from tests.support import link_person, make_household, seed_units


def local(month: int, day: int, hour: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=LOCAL_TZ).astimezone(UTC)


async def test_an_assigned_helper_hears_once_a_month(services: Services) -> None:
    await seed_units(services)
    officer = await link_person(services, "officer", "37-GIAVIEN", "Trần Thị Bình", "binh")
    head = await link_person(services, "hamlet_head", "37-GIAVIEN-01", "Nguyễn Văn An", None)
    mai = await make_household(services, "37-GIAVIEN-01", "Lê Thị Mai", 4, "poor")
    hung = await make_household(services, "37-GIAVIEN-01", "Lê Văn Hùng", 3, "near_poor")
    async with transaction(services.sessionmaker) as db:
        commune = await unit_by_code(db, "37-GIAVIEN")
        households = {h.code: h for h in (await db.execute(select(Household))).scalars().all()}
        women, _ = await supporter_for(
            db,
            commune_id=commune.id,
            name="Hội Phụ nữ xã",
            kind="women_union",
            actor="test",  # type: ignore[union-attr,arg-type]
        )
        youth, _ = await supporter_for(
            db,
            commune_id=commune.id,
            name="Đoàn Thanh niên",
            kind="youth_union",
            actor="test",  # type: ignore[union-attr,arg-type]
        )
        clan, _ = await supporter_for(
            db,
            commune_id=commune.id,
            name="Dòng họ Lê",
            kind="family",
            actor="test",  # type: ignore[union-attr,arg-type]
        )
        women.contact_person_id, youth.contact_person_id = officer, head
        for supporter, code in ((women, mai), (women, hung), (youth, mai), (clan, hung)):
            await assign(
                db,
                household=households[code],
                supporter=supporter,
                assigned_on=date(2026, 11, 20),
                assigned_by=None,
                actor="test",
            )

    def nudges(planned):  # type: ignore[no-untyped-def]
        return [p for p in planned if p.rule.startswith("helper-nudge")]

    assert nudges(await plan_now(services, local(11, 30, 20))) == []
    planned = nudges(await plan_now(services, local(12, 1, 8)))
    assert [(p.person_id, p.status, p.reason) for p in planned] == [
        (officer, "pending", "due"),
        (head, "skipped", "no_linked_chat"),
    ]
    sent = planned[0]
    assert sent.chat_id == "binh" and sent.rule == "helper-nudge-2026-12"
    assert sent.text == (
        f"Nhắc việc hằng tháng cho Hội Phụ nữ xã: đang được phân công giúp đỡ 2 hộ: Lê Thị Mai "
        f"({mai}), Lê Văn Hùng ({hung}). Khi hỗ trợ hộ, xin báo trưởng thôn hoặc cán bộ xã để "
        "ghi nhận."
    )
    assert sent.choices == [["flow:support", "Ghi nhận hỗ trợ"]]
    # Planned once: later ticks of the same month add nothing.
    assert nudges(await plan_now(services, local(12, 1, 9))) == []
    assert nudges(await plan_now(services, local(12, 5, 8))) == []
    async with services.sessionmaker() as db:
        rows = (
            (
                await db.execute(
                    select(OutboxMessage).where(OutboxMessage.rule.startswith("helper"))
                )  # type: ignore[attr-defined]
            )
            .scalars()
            .all()
        )
    assert len(rows) == 2
    # A month later, again.
    assert [p.rule for p in nudges(await plan_now(services, local(1, 1, 8, 2027)))] == [
        "helper-nudge-2027-01",
        "helper-nudge-2027-01",
    ]
