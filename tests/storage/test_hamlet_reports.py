"""Periods and hamlet period reports: which period, counts, versions, deadline, lock, completeness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.services import Services
from domain.calendar import annual, monthly
from storage.db import transaction
from storage.hamlet_reports import (
    CLOSED,
    CREATED,
    LOCKED,
    UNCHANGED,
    approve_report,
    change_counts,
    completeness,
    ensure_due_periods,
    open_period,
    reporting_period,
    submit_report,
)
from storage.models import AuditLog, OrgUnit, Person
from storage.models_register import HamletReport, ReportingPeriod
from storage.orgtree import unit_by_code
from storage.register import submit
from tests.support import seed_units

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 09:00 on the hamlets' deadline day
AFTER = NOW + timedelta(hours=15)  # 00:00 on the 26th, Hà Nội


async def _ids(services: Services, *codes: str) -> list[int]:
    async with services.sessionmaker() as db:
        return [(await unit_by_code(db, c)).id for c in codes]  # type: ignore[union-attr,misc]


async def _period(services: Services) -> ReportingPeriod:
    async with transaction(services.sessionmaker) as db:
        return await reporting_period(db, NOW)


async def _send(
    services: Services, hamlet_id: int, *, seen: int, now: datetime = NOW, counts=None
) -> tuple[str, int | None, bool | None]:
    async with transaction(services.sessionmaker) as db:
        period = await reporting_period(db, NOW)
        head = Person(name="Trưởng thôn", role="hamlet_head", org_unit_id=hamlet_id)
        db.add(head)
        await db.flush()
        out = await submit_report(
            db,
            period=period,
            hamlet_id=hamlet_id,
            counts=counts or {},
            no_change=not counts,
            person_id=head.id,  # type: ignore[arg-type]
            seen_version=seen,
            now=now,
        )
        report = out.report
        return out.status, report.version if report else None, report.on_time if report else None


async def test_the_month_is_reported_unless_an_annual_review_is_open(services: Services) -> None:
    async with transaction(services.sessionmaker) as db:
        assert (await reporting_period(db, NOW)).code == "2026-11"
        period, created = await open_period(db, annual(2026), standard_id=None, actor="test")
        assert created
        assert (await reporting_period(db, NOW)).code == "2026"
        # Outside 1 Sep – 14 Dec the month is reported again.
        assert (await reporting_period(db, datetime(2026, 12, 20, tzinfo=UTC))).code == "2026-12"
        period.status = "closed"
        await db.flush()
        assert (await reporting_period(db, NOW)).code == "2026-11"


async def test_scheduler_hook_creates_the_month_once(services: Services) -> None:
    async with transaction(services.sessionmaker) as db:
        first = await ensure_due_periods(db, NOW)
        again = await ensure_due_periods(db, NOW + timedelta(days=2))
        assert [p.code for p in first] == ["2026-11"] and first[0].id == again[0].id
        n = (await db.execute(select(func.count()).select_from(ReportingPeriod))).scalar_one()
        assert n == 1
        # The deadlines: the 25th for hamlets, the 5th of the next month for the commune.
        assert first[0].hamlet_deadline == monthly(2026, 11).hamlet_deadline
        assert first[0].commune_deadline == datetime(2026, 12, 5, 16, 59, 59, tzinfo=UTC)


async def test_reopening_a_period_changes_its_deadlines_audited(services: Services) -> None:
    later = monthly(2026, 11, hamlet_day=28)
    async with transaction(services.sessionmaker) as db:
        await open_period(db, monthly(2026, 11), standard_id=None, actor="test")
        period, created = await open_period(db, later, standard_id="nd07-2021", actor="cli")
        assert not created
        assert period.hamlet_deadline == later.hamlet_deadline
        assert period.standard_id == "nd07-2021"
    async with services.sessionmaker() as db:
        actions = list((await db.execute(select(AuditLog.action))).scalars())
        assert actions.count("period.create") == 1 and actions.count("period.update") == 1


async def test_counts_are_by_kind_within_the_period_and_hamlet(services: Services) -> None:
    await seed_units(services)
    own, other = await _ids(services, "37-GIAVIEN-01", "37-GIAVIEN-02")
    cases = [
        ("newly_poor", own, NOW, "submitted"),
        ("newly_poor", own, NOW, "approved"),
        ("exited_poverty", own, NOW, "returned"),
        ("moved_out", own, NOW, "rejected"),  # rejected: not a change
        ("newly_poor", other, NOW, "submitted"),  # another hamlet
        ("fell_back", own, datetime(2026, 10, 31, 16, 59, tzinfo=UTC), "submitted"),  # October
        ("fell_back", own, datetime(2026, 10, 31, 17, 0, tzinfo=UTC), "submitted"),  # 1/11 local
    ]
    async with transaction(services.sessionmaker) as db:
        for n, (kind, hamlet_id, at, status) in enumerate(cases):
            hamlet = await db.get(OrgUnit, hamlet_id)
            new = await submit(
                db,
                idempotency_key=f"k{n}",
                kind=kind,
                source="hamlet_head",
                household_id=None,
                hamlet=hamlet,  # type: ignore[arg-type]
                period_id=None,
                reporter_id=None,
                answers={},
                result={},
                note=None,
                now=at,
                actor="test",
            )
            new.submission.status = status
        period = await reporting_period(db, NOW)
        counts = await change_counts(db, period=period, hamlet_id=own)
    assert counts == {"exited_poverty": 1, "fell_back": 1, "newly_poor": 2}


async def test_versions_deadline_and_lock(services: Services) -> None:
    await seed_units(services)
    dong, tay, trung = await _ids(services, "37-GIAVIEN-01", "37-GIAVIEN-02", "37-GIAVIEN-03")
    assert await _send(services, dong, seen=0) == (CREATED, 1, True)
    # A second confirmation of the same screen (it saw no report) stores nothing new.
    assert await _send(services, dong, seen=0) == (UNCHANGED, 1, True)
    # A redo before the deadline is a new version; only the newest is current.
    assert await _send(services, dong, seen=1, counts={"newly_poor": 1}) == (CREATED, 2, True)
    async with services.sessionmaker() as db:
        rows = (await db.execute(select(HamletReport).order_by(HamletReport.version))).scalars()
        assert [(r.version, r.current, r.no_change) for r in rows] == [
            (1, False, True),
            (2, True, False),
        ]
    # After the deadline: no redo, but a first answer is taken, late.
    assert await _send(services, dong, seen=2, now=AFTER) == (CLOSED, 2, True)
    assert await _send(services, trung, seen=0, now=AFTER) == (CREATED, 1, False)
    # Approved: locked, even before the deadline.
    assert await _send(services, tay, seen=0) == (CREATED, 1, True)
    period = await _period(services)
    commune = (await _ids(services, "37-GIAVIEN"))[0]
    async with transaction(services.sessionmaker) as db:
        report = (
            await db.execute(select(HamletReport).where(HamletReport.hamlet_id == tay))
        ).scalar_one()
        status, _ = await approve_report(db, report_id=report.id, officer_id=1, commune_id=commune)  # type: ignore[arg-type]
        assert status == "ok"
        status, _ = await approve_report(db, report_id=report.id, officer_id=1, commune_id=commune)  # type: ignore[arg-type]
        assert status == "already"
    assert await _send(services, tay, seen=1) == (LOCKED, 1, True)
    async with services.sessionmaker() as db:
        rows = await completeness(db, period_id=period.id, commune_id=commune)  # type: ignore[arg-type]
        assert [(r.hamlet.name, r.report and r.report.version) for r in rows] == [
            ("Thôn Đông", 2),
            ("Thôn Tây", 1),
            ("Thôn Trung", 1),
        ]


async def test_an_officer_of_another_commune_cannot_approve(services: Services) -> None:
    await seed_units(services)
    dong, kimson = await _ids(services, "37-GIAVIEN-01", "37-KIMSON")
    await _send(services, dong, seen=0)
    async with transaction(services.sessionmaker) as db:
        report = (await db.execute(select(HamletReport))).scalar_one()
        status, _ = await approve_report(db, report_id=report.id, officer_id=7, commune_id=kimson)  # type: ignore[arg-type]
        assert status == "denied" and report.status == "submitted"
    async with services.sessionmaker() as db:
        denied = (
            await db.execute(select(AuditLog).where(AuditLog.action == "scope.denied"))
        ).scalar_one()
        assert denied.actor == "person:7" and denied.entity == f"hamlet_report:{report.id}"
