"""decide(): approval changes the household and writes its assessment; every decision is audited
and happens once; exit registrations are decided also after the hamlet meeting."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.services import Services
from storage.db import transaction
from storage.models import AuditLog, Person
from storage.models_register import Assessment, Household, Submission
from storage.orgtree import unit_by_code
from storage.register import MeetingRequired, create_household, decide, submit, timeline
from tests.support import approve_through_procedure, seed_units

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
POOR = {
    "standard": "nd07-2021",
    "class": "poor",
    "deprivations": 3,
    "deprived": ["health_insurance", "water", "latrine"],
    "income_per_capita": 1_000_000,
    "reason": "Thu nhập 1.000.000 ₫ ≤ 1.500.000 ₫ và thiếu hụt 3 chỉ số",
}


async def _setup(services: Services, *, status: str = "near_poor") -> tuple[int, int, int]:
    """A household of Thôn Đông, its hamlet head and an officer of Xã Gia Viễn."""
    await seed_units(services)
    async with transaction(services.sessionmaker) as db:
        hamlet = await unit_by_code(db, "37-GIAVIEN-01")
        commune = await unit_by_code(db, "37-GIAVIEN")
        assert hamlet and commune
        household = await create_household(
            db,
            hamlet=hamlet,
            head_name="Lê Thị Mai",
            members=4,
            ethnic_minority=False,
            phone=None,
            actor="test",
            registered=True,
        )
        household.status = status
        head = Person(name="Nguyễn Văn An", role="hamlet_head", org_unit_id=hamlet.id)
        officer = Person(name="Trần Thị Bình", role="officer", org_unit_id=commune.id)
        db.add_all([head, officer])
        await db.flush()
        return household.id, head.id, officer.id  # type: ignore[return-value]


async def _submit(
    services: Services,
    *,
    kind: str,
    household_id: int | None,
    reporter_id: int,
    result: dict[str, Any],
    status: str = "submitted",
    answers: dict[str, Any] | None = None,
) -> int:
    async with transaction(services.sessionmaker) as db:
        hamlet = await unit_by_code(db, "37-GIAVIEN-01")
        assert hamlet
        new = await submit(
            db,
            idempotency_key=f"test:{kind}:{household_id}:{status}",
            kind=kind,
            source="household" if kind == "exit_registration" else "hamlet_head",
            household_id=household_id,
            hamlet=hamlet,
            period_id=None,
            reporter_id=reporter_id,
            answers=answers or {"members": 4, "income": 4_000_000, "cause": "no_capital"},
            result=result,
            note=None,
            now=NOW,
            actor=f"person:{reporter_id}",
        )
        new.submission.status = status
        return new.submission.id  # type: ignore[return-value]


async def _decide(services: Services, sub_id: int, decision: str, officer: int) -> Any:
    async with transaction(services.sessionmaker) as db:
        sub = await db.get(Submission, sub_id)
        assert sub is not None
        if decision == "approve":
            return await approve_through_procedure(db, submission=sub, officer_id=officer, now=NOW)
        return await decide(
            db,
            submission=sub,
            decision=decision,
            reason="Thiếu giấy tờ",
            officer_id=officer,
            now=NOW,
        )


async def test_approval_sets_status_writes_assessment_and_audits(services: Services) -> None:
    household_id, head, officer = await _setup(services)
    sub_id = await _submit(
        services, kind="newly_poor", household_id=household_id, reporter_id=head, result=POOR
    )
    await _decide(services, sub_id, "approve", officer)
    async with services.sessionmaker() as db:
        household = await db.get(Household, household_id)
        assert household and household.status == "poor"
        assert household.status_since == date(2026, 11, 25)
        assert household.causes == ["no_capital"]
        assessment = (await db.execute(select(Assessment))).scalar_one()
        assert (assessment.klass, assessment.approved, assessment.submission_id) == (
            "poor",
            True,
            sub_id,
        )
        assert assessment.deprived == POOR["deprived"]
        audits = {
            a.action: a for a in (await db.execute(select(AuditLog))).scalars() if a.actor != "test"
        }
        assert audits["submission.approve"].actor == f"person:{officer}"
        # The procedure's steps, each audited: the commune's review, the decision.
        assert audits["submission.accept"].before == {"status": "meeting_passed"}
        assert audits["submission.approve"].before == {"status": "posted"}
        assert audits["household.update"].before["status"] == "near_poor"  # type: ignore[index]
        assert audits["household.update"].after["status"] == "poor"  # type: ignore[index]
        events = await timeline(db, household_id)
        assert [e["type"] for e in events].count("assessment") == 1


async def test_a_second_decision_is_refused(services: Services) -> None:
    household_id, head, officer = await _setup(services)
    sub_id = await _submit(
        services, kind="newly_poor", household_id=household_id, reporter_id=head, result=POOR
    )
    await _decide(services, sub_id, "return", officer)
    with pytest.raises(ValueError, match="returned"):
        await _decide(services, sub_id, "approve", officer)
    async with services.sessionmaker() as db:
        household = await db.get(Household, household_id)
        assert household and household.status == "near_poor"  # untouched by the return
        assert (await db.execute(select(Assessment))).first() is None


@pytest.mark.parametrize("status", ["submitted", "hamlet_reviewed"])
async def test_exit_registration_is_decided_before_or_after_the_hamlet_meeting(
    services: Services, status: str
) -> None:
    household_id, head, officer = await _setup(services, status="poor")
    average = {**POOR, "class": "average", "deprived": [], "income_per_capita": 2_000_000}
    sub_id = await _submit(
        services,
        kind="exit_registration",
        household_id=household_id,
        reporter_id=head,
        result=average,
        status=status,
    )
    await _decide(services, sub_id, "approve", officer)
    async with services.sessionmaker() as db:
        household = await db.get(Household, household_id)
        assert household and household.status == "average"


async def test_a_change_is_not_approved_before_the_hamlet_meeting(services: Services) -> None:
    household_id, head, officer = await _setup(services)
    for status in ("submitted", "hamlet_reviewed"):
        sub_id = await _submit(
            services,
            kind="newly_poor",
            household_id=household_id,
            reporter_id=head,
            result=POOR,
            status=status,
        )
        async with transaction(services.sessionmaker) as db:
            sub = await db.get(Submission, sub_id)
            with pytest.raises(MeetingRequired):
                await decide(
                    db, submission=sub, decision="approve", reason=None, officer_id=officer, now=NOW
                )  # type: ignore[arg-type]
        async with services.sessionmaker() as db:
            sub = await db.get(Submission, sub_id)
            household = await db.get(Household, household_id)
            assert sub.status == status and household.status == "near_poor"  # type: ignore[union-attr]


async def test_moved_out_closes_the_household_without_assessment(services: Services) -> None:
    household_id, head, officer = await _setup(services)
    sub_id = await _submit(
        services, kind="moved_out", household_id=household_id, reporter_id=head, result={}
    )
    await _decide(services, sub_id, "approve", officer)
    async with services.sessionmaker() as db:
        household = await db.get(Household, household_id)
        assert household and not household.active and household.status == "near_poor"
        assert (await db.execute(select(Assessment))).first() is None


async def test_unmatched_exit_registration_records_only_the_decision(services: Services) -> None:
    _, head, officer = await _setup(services)
    sub_id = await _submit(
        services,
        kind="exit_registration",
        household_id=None,
        reporter_id=head,
        result=POOR,
        answers={"name": "Lò Thị Ẩn", "members": 3},
    )
    assert await _decide(services, sub_id, "approve", officer) is None
    async with services.sessionmaker() as db:
        sub = await db.get(Submission, sub_id)
        assert sub and sub.status == "approved" and sub.decided_by == officer


async def test_concurrent_new_households_in_one_commune_all_get_codes(services: Services) -> None:
    """Regression (found by the 1,000-user test on PostgreSQL): thirty reports creating a
    household in one commune at once all read the same count and ran out of retries."""
    await seed_units(services)
    hamlets = ("37-GIAVIEN-01", "37-GIAVIEN-02", "37-GIAVIEN-03")
    start = asyncio.Event()

    async def create(n: int) -> str:
        async with transaction(services.sessionmaker) as db:
            hamlet = await unit_by_code(db, hamlets[n % 3])
            assert hamlet is not None
            await start.wait()
            household = await create_household(
                db,
                hamlet=hamlet,
                head_name=f"Hộ {n}",
                members=3,
                ethnic_minority=False,
                phone=None,
                actor="test",
            )
            await asyncio.sleep(0.01)  # the transaction stays open while others create theirs
            return household.code

    tasks = [asyncio.ensure_future(create(n)) for n in range(30)]
    await asyncio.sleep(0.2)  # every transaction is open, waiting at the same point
    start.set()
    codes = await asyncio.gather(*tasks)
    assert sorted(codes) == [f"H{n:05d}" for n in range(1, 31)]
