"""Officer decisions on exit registrations: the household is told, and can fix a returned one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.services import Services
from domain.i18n import Translator
from handlers.actions import ActionContext
from handlers.review_actions import review_decide, review_open
from storage.db import transaction
from storage.models import Person
from storage.models_register import Household, Submission
from storage.orgtree import unit_by_code
from storage.register import submit
from tests.support import AVERAGE, make_household, pass_meeting, seed_units

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


async def _registration(services: Services, *, matched: bool) -> tuple[str, int, int]:
    """An exit registration discussed at the hamlet meeting; (ref, household person, officer)."""
    await seed_units(services)
    code = await make_household(services, "37-GIAVIEN-01", "Lê Thị Mai", 4, "poor")
    async with transaction(services.sessionmaker) as db:
        hamlet = await unit_by_code(db, "37-GIAVIEN-01")
        commune = await unit_by_code(db, "37-GIAVIEN")
        assert hamlet and commune
        household_person = Person(name="Lê Thị Mai", role="household", locale="en")
        officer = Person(name="Trần Thị Bình", role="officer", org_unit_id=commune.id)
        db.add_all([household_person, officer])
        await db.flush()
        household = (await db.execute(select(Household).where(Household.code == code))).scalar_one()
        new = await submit(
            db,
            idempotency_key="exit-1",
            kind="exit_registration",
            source="household",
            household_id=household.id if matched else None,
            hamlet=hamlet,
            period_id=None,
            reporter_id=household_person.id,
            answers={"name": "Lê Thị Mai", "members": 4, "income": 8_000_000},
            result=AVERAGE,
            note=None,
            now=NOW,
            actor="test",
        )
        new.submission.status = "hamlet_reviewed"
        return new.submission.ref, household_person.id, officer.id  # type: ignore[return-value]


def _ctx(db: Any, officer_id: int, unit_id: int) -> ActionContext:
    user = {"person_id": officer_id, "role": "officer", "unit_id": unit_id}
    return ActionContext(
        db=db,
        channel="simulator",
        chat_id="c",
        user_id="c",
        display_name=None,
        locale="vi",
        now=NOW,
        secret_key="s",
        invite_failures_per_hour=5,
        user=user,
    )


async def _decide(services: Services, ref: str, officer: int, decision: str) -> ActionContext:
    async with transaction(services.sessionmaker) as db:
        commune = await unit_by_code(db, "37-GIAVIEN")
        ctx = _ctx(db, officer, commune.id)  # type: ignore[union-attr, arg-type]
        card = await review_open(ctx, {"ref": ref})
        assert card["pending"]
        reason = None if decision == "approve" else "Thu nhập chưa có giấy xác nhận"
        result = await review_decide(
            ctx, {"id": card["id"], "decision": decision, "reason": reason}
        )
        assert result["status"] == "ok"
        return ctx


async def test_a_returned_registration_reaches_the_household_with_a_fix_button(
    services: Services,
) -> None:
    ref, household_person, officer = await _registration(services, matched=True)
    ctx = await _decide(services, ref, officer, "return")
    [notice] = ctx.notices
    assert notice.person_id == household_person
    assert notice.choices == ((f"flow:exit:fix:{ref}", "Correct and send again"),)
    text = notice.render(Translator("en")).text  # the household reads English
    assert text == (
        f"Registration to exit poverty {ref} (Lê Thị Mai): returned by the commune for "
        "correction. Reason: Thu nhập chưa có giấy xác nhận"
    )
    async with services.sessionmaker() as db:
        sub = (await db.execute(select(Submission).where(Submission.ref == ref))).scalar_one()
        assert sub.status == "returned"


async def _meeting_passes(services: Services, ref: str) -> None:
    async with transaction(services.sessionmaker) as db:
        sub = (await db.execute(select(Submission).where(Submission.ref == ref))).scalar_one()
        await pass_meeting(db, sub, when=NOW)


async def test_a_registration_cannot_be_approved_before_the_hamlet_meeting(
    services: Services,
) -> None:
    ref, _, officer = await _registration(services, matched=True)
    async with transaction(services.sessionmaker) as db:
        commune = await unit_by_code(db, "37-GIAVIEN")
        ctx = _ctx(db, officer, commune.id)  # type: ignore[union-attr, arg-type]
        card = await review_open(ctx, {"ref": ref})
        assert card["stage"] == "awaiting_meeting"
        result = await review_decide(ctx, {"id": card["id"], "decision": "approve"})
        assert result["status"] == "meeting_required" and not ctx.notices
    async with services.sessionmaker() as db:
        sub = (await db.execute(select(Submission).where(Submission.ref == ref))).scalar_one()
        assert sub.status == "hamlet_reviewed"


async def test_an_approved_registration_goes_onto_the_rounds_list(services: Services) -> None:
    ref, household_person, officer = await _registration(services, matched=True)
    await _meeting_passes(services, ref)
    ctx = await _decide(services, ref, officer, "approve")
    [notice] = ctx.notices
    assert notice.person_id == household_person
    assert notice.render(Translator("vi")).text == (
        f"Đăng ký thoát nghèo {ref} (Lê Thị Mai): đã được xã đưa vào danh sách của đợt rà soát. "
        "Kết quả có hiệu lực khi Chủ tịch UBND xã ra quyết định, sau thời gian niêm yết công khai."
    )
    async with services.sessionmaker() as db:
        sub = (await db.execute(select(Submission).where(Submission.ref == ref))).scalar_one()
        household = await db.get(Household, sub.household_id)
        assert sub.status == "accepted" and household.status == "poor"  # type: ignore[union-attr]


async def test_an_unmatched_registration_is_accepted_without_a_household(
    services: Services,
) -> None:
    ref, _, officer = await _registration(services, matched=False)
    async with transaction(services.sessionmaker) as db:
        commune = await unit_by_code(db, "37-GIAVIEN")
        card = await review_open(_ctx(db, officer, commune.id), {"ref": ref})  # type: ignore[union-attr, arg-type]
        assert card["household"] is None and card["typed_name"] == "Lê Thị Mai"
        assert card["new_status"] is None
    await _meeting_passes(services, ref)
    ctx = await _decide(services, ref, officer, "approve")
    assert "đã được xã đưa vào danh sách" in ctx.notices[0].render(Translator("vi")).text
