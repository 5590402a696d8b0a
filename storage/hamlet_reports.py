"""Periods as hamlets and officers see them, and hamlet period reports.

Which period is being reported now, opening and listing periods (the CLI), versioned hamlet
answers and which hamlets of a commune have answered.

A hamlet answers once per period ("these are our changes" or "no change"). Before the hamlet
deadline the answer may be redone, as a new version; after it only a first, late answer is taken.
An approved answer is locked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.calendar import ANNUAL, MONTHLY, PeriodSpec, local_day, monthly, monthly_for, on_time
from domain.i18n import LOCAL_TZ
from storage.audit import record
from storage.models import OrgUnit
from storage.models_register import HamletReport, ReportingPeriod, Submission
from storage.periods import current_monthly, ensure_period

# Outcomes of submit_report.
CREATED, UNCHANGED, LOCKED, CLOSED = "created", "unchanged", "locked", "closed"


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), LOCAL_TZ).astimezone(UTC)


async def reporting_period(db: AsyncSession, now: datetime) -> ReportingPeriod:
    """The period hamlets answer now (answering_period), the month's created the first time."""
    found = await answering_period(db, now)
    return found if found is not None else await ensure_period(db, monthly_for(now))


async def answering_period(db: AsyncSession, now: datetime) -> ReportingPeriod | None:
    """The period hamlets answer at `now`: an open annual review covering the day, else the
    month's, when it exists. One statement."""
    today = local_day(now)
    month = monthly_for(now)
    annual = and_(
        ReportingPeriod.kind == ANNUAL,
        ReportingPeriod.status == "open",
        ReportingPeriod.starts_on <= today,  # type: ignore[operator]
        ReportingPeriod.ends_on >= today,  # type: ignore[operator]
    )
    stmt = (
        select(ReportingPeriod)
        .where(
            or_(
                annual, and_(ReportingPeriod.kind == month.kind, ReportingPeriod.code == month.code)
            )
        )
        .order_by(
            (ReportingPeriod.kind == ANNUAL).desc(),
            ReportingPeriod.starts_on.desc(),  # type: ignore[attr-defined]
        )
        .limit(1)
    )
    return (await db.execute(stmt)).scalar_one_or_none()


async def answered_by_annual(db: AsyncSession, periods: list[ReportingPeriod]) -> set[int]:
    """The ids of the monthly periods among these whose hamlet deadline falls inside an annual
    review: there the hamlets answer the review (reporting_period), not the month, so the month
    is neither asked for nor reminded of."""
    monthly = [p for p in periods if p.kind == MONTHLY]
    if not monthly:
        return set()
    stmt = select(ReportingPeriod.starts_on, ReportingPeriod.ends_on).where(
        ReportingPeriod.kind == ANNUAL
    )
    reviews = (await db.execute(stmt)).all()
    return {
        p.id  # type: ignore[misc]
        for p in monthly
        if any(start <= local_day(p.hamlet_deadline) <= end for start, end in reviews)
    }


async def still_compiling(
    db: AsyncSession, now: datetime, *, hamlet_id: int | None = None, commune_id: int | None = None
) -> ReportingPeriod | None:
    """The previous month's period while its commune deadline has not passed (1–5 of the month:
    the commune compiles last month) and something of it is still to do: for a hamlet, its
    answer (a late one, which the commune still takes); for a commune, an answer missing or
    awaiting approval. None otherwise: the period of reporting_period is the one to work on."""
    before = local_day(now).replace(day=1) - timedelta(days=1)
    period = await find_period(db, kind=MONTHLY, code=monthly(before.year, before.month).code)
    if period is None or not on_time(now, period.commune_deadline):
        return None
    if await answered_by_annual(db, [period]):
        return None
    if hamlet_id is not None:
        answered = await current_report(db, period_id=period.id, hamlet_id=hamlet_id)  # type: ignore[arg-type]
        return period if answered is None else None
    assert commune_id is not None
    rows = await completeness(db, period_id=period.id, commune_id=commune_id)  # type: ignore[arg-type]
    to_do = [r for r in rows if r.report is None or r.report.status != "approved"]
    return period if to_do else None


async def ensure_due_periods(db: AsyncSession, now: datetime) -> list[ReportingPeriod]:
    """For the scheduler: make sure this month's period exists (flows also do it on first use)."""
    return [await current_monthly(db, now)]


async def open_period(
    db: AsyncSession, spec: PeriodSpec, *, standard_id: str | None, actor: str
) -> tuple[ReportingPeriod, bool]:
    """Create the period, or reopen it with these deadlines and standard; (period, created)."""
    existing = await find_period(db, kind=spec.kind, code=spec.code)
    if existing is None:
        return await ensure_period(db, spec, actor=actor, standard_id=standard_id), True
    before = period_public(existing)
    existing.hamlet_deadline, existing.commune_deadline = (
        spec.hamlet_deadline,
        spec.commune_deadline,
    )
    existing.standard_id, existing.status = standard_id, "open"
    after = period_public(existing)
    if after != before:
        record(
            db,
            actor=actor,
            action="period.update",
            entity=f"period:{existing.id}",
            before=before,
            after=after,
        )
    return existing, False


async def find_period(db: AsyncSession, *, kind: str, code: str) -> ReportingPeriod | None:
    stmt = select(ReportingPeriod).where(ReportingPeriod.kind == kind, ReportingPeriod.code == code)
    return (await db.execute(stmt)).scalar_one_or_none()


async def list_periods(db: AsyncSession) -> list[ReportingPeriod]:
    stmt = select(ReportingPeriod).order_by(
        ReportingPeriod.starts_on.desc(),  # type: ignore[attr-defined]
        ReportingPeriod.kind,
    )
    return list((await db.execute(stmt)).scalars())


def period_public(p: ReportingPeriod) -> dict[str, object]:
    return {
        "kind": p.kind,
        "code": p.code,
        "starts_on": p.starts_on.isoformat(),
        "ends_on": p.ends_on.isoformat(),
        "hamlet_deadline": p.hamlet_deadline.isoformat(),
        "commune_deadline": p.commune_deadline.isoformat(),
        "standard_id": p.standard_id,
        "status": p.status,
    }


async def change_counts(
    db: AsyncSession, *, period: ReportingPeriod, hamlet_id: int
) -> dict[str, int]:
    """Submissions of the hamlet made during the period, by kind; rejected ones do not count."""
    stmt = (
        select(Submission.kind, func.count())
        .where(
            Submission.hamlet_id == hamlet_id,
            Submission.status != "rejected",
            Submission.submitted_at >= _start_of(period.starts_on),  # type: ignore[operator]
            Submission.submitted_at < _start_of(period.ends_on + timedelta(days=1)),  # type: ignore[operator]
        )
        .group_by(Submission.kind)
        .order_by(Submission.kind)
    )
    return {kind: int(n) for kind, n in (await db.execute(stmt)).all()}


async def current_report(
    db: AsyncSession, *, period_id: int, hamlet_id: int
) -> HamletReport | None:
    stmt = select(HamletReport).where(
        HamletReport.period_id == period_id,
        HamletReport.hamlet_id == hamlet_id,
        HamletReport.current.is_(True),  # type: ignore[attr-defined]
    )
    return (await db.execute(stmt)).scalar_one_or_none()


def report_public(report: HamletReport) -> dict[str, object]:
    return {
        "id": report.id,
        "version": report.version,
        "no_change": report.no_change,
        "counts": report.counts,
        "submitted_at": report.submitted_at.isoformat(),
        "on_time": report.on_time,
        "status": report.status,
    }


@dataclass(frozen=True)
class Outcome:
    status: str  # created | unchanged (someone got there first) | locked | closed
    report: HamletReport | None


async def submit_report(
    db: AsyncSession,
    *,
    period: ReportingPeriod,
    hamlet_id: int,
    counts: dict[str, int],
    no_change: bool,
    person_id: int,
    seen_version: int,
    now: datetime,
) -> Outcome:
    """Store a new version of the hamlet's answer.

    `seen_version` is the current version the hamlet head was shown (0 for none): when another
    answer was stored meanwhile (a double confirm, a second phone), nothing new is stored.
    """
    previous = await current_report(db, period_id=period.id, hamlet_id=hamlet_id)  # type: ignore[arg-type]
    if previous is not None and previous.status == "approved":
        return Outcome(LOCKED, previous)
    version = previous.version if previous else 0
    if version != seen_version:
        return Outcome(UNCHANGED, previous)
    if previous is not None and not on_time(now, period.hamlet_deadline):
        return Outcome(CLOSED, previous)
    report = HamletReport(
        period_id=period.id,  # type: ignore[arg-type]
        hamlet_id=hamlet_id,
        version=version + 1,
        current=True,
        no_change=no_change,
        counts=dict(counts),
        submitted_by=person_id,
        submitted_at=now,
        on_time=on_time(now, period.hamlet_deadline),
    )
    try:
        async with db.begin_nested():
            if previous is not None:
                await db.execute(
                    update(HamletReport)
                    .where(HamletReport.id == previous.id, HamletReport.current.is_(True))  # type: ignore[attr-defined]
                    .values(current=False)
                )
            db.add(report)
            await db.flush()
    except IntegrityError:  # the same version was stored by a concurrent confirmation
        return Outcome(
            UNCHANGED, await current_report(db, period_id=period.id, hamlet_id=hamlet_id)
        )  # type: ignore[arg-type]
    if previous is not None:
        previous.current = False
    record(
        db,
        actor=f"person:{person_id}",
        action="hamlet_report.submit",
        entity=f"hamlet_report:{report.id}",
        before=report_public(previous) if previous else None,
        after={**report_public(report), "period": period.code, "hamlet_id": hamlet_id},
    )
    return Outcome(CREATED, report)


async def approve_report(
    db: AsyncSession, *, report_id: int, officer_id: int, commune_id: int
) -> tuple[str, HamletReport | None]:
    """ok | already | missing | denied (the hamlet is not in the officer's commune, audited)."""
    report = await db.get(HamletReport, report_id, with_for_update=True, populate_existing=True)
    if report is None or not report.current:
        return "missing", report
    hamlet = await db.get(OrgUnit, report.hamlet_id)
    if hamlet is None or hamlet.parent_id != commune_id:
        record(
            db,
            actor=f"person:{officer_id}",
            action="scope.denied",
            entity=f"hamlet_report:{report.id}",
            after={"commune_id": commune_id},
        )
        return "denied", report
    if report.status == "approved":
        return "already", report
    before = report_public(report)
    report.status = "approved"
    record(
        db,
        actor=f"person:{officer_id}",
        action="hamlet_report.approve",
        entity=f"hamlet_report:{report.id}",
        before=before,
        after=report_public(report),
    )
    return "ok", report


@dataclass(frozen=True)
class HamletProgress:
    hamlet: OrgUnit
    report: HamletReport | None


async def completeness(
    db: AsyncSession, *, period_id: int, commune_id: int
) -> list[HamletProgress]:
    """Every hamlet of the commune with its current answer for the period, if any."""
    hamlets = (
        (
            await db.execute(
                select(OrgUnit).where(OrgUnit.parent_id == commune_id).order_by(OrgUnit.code)
            )
        )
        .scalars()
        .all()
    )
    reports = (
        (
            await db.execute(
                select(HamletReport).where(
                    HamletReport.period_id == period_id,
                    HamletReport.current.is_(True),  # type: ignore[attr-defined]
                    HamletReport.hamlet_id.in_([h.id for h in hamlets]),  # type: ignore[attr-defined]
                )
            )
        )
        .scalars()
        .all()
    )
    by_hamlet = {r.hamlet_id: r for r in reports}
    return [HamletProgress(h, by_hamlet.get(h.id)) for h in hamlets]  # type: ignore[arg-type]
