"""Reporting periods and hamlet period reports."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.calendar import PeriodSpec, monthly_for
from storage.audit import record
from storage.models_register import ReportingPeriod
from storage.upsert import get_or_insert


async def ensure_period(
    db: AsyncSession, spec: PeriodSpec, *, actor: str = "system", standard_id: str | None = None
) -> ReportingPeriod:
    """The period for this spec, created the first time it is needed."""
    period, created = await get_or_insert(
        db,
        ReportingPeriod,
        {"kind": spec.kind, "code": spec.code},
        {
            "starts_on": spec.starts_on,
            "ends_on": spec.ends_on,
            "hamlet_deadline": spec.hamlet_deadline,
            "commune_deadline": spec.commune_deadline,
            "standard_id": standard_id,
            "status": "open",
        },
    )
    if created:
        record(
            db,
            actor=actor,
            action="period.create",
            entity=f"period:{period.id}",
            after={"kind": spec.kind, "code": spec.code},
        )
    return period


async def current_monthly(db: AsyncSession, now: datetime) -> ReportingPeriod:
    return await ensure_period(db, monthly_for(now))


async def recent_periods(
    db: AsyncSession, *, kind: str, started_by: date, limit: int
) -> list[ReportingPeriod]:
    """The latest `limit` periods of a kind that had begun by that day, oldest first."""
    stmt = (
        select(ReportingPeriod)
        .where(ReportingPeriod.kind == kind, ReportingPeriod.starts_on <= started_by)  # type: ignore[operator]
        .order_by(ReportingPeriod.starts_on.desc())  # type: ignore[attr-defined]
        .limit(limit)
    )
    return list(reversed((await db.execute(stmt)).scalars().all()))
