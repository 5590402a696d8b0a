"""get_or_insert: the row of a unique key, inserted once, one statement when it exists."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.services import Services
from domain.calendar import monthly
from storage.db import transaction
from storage.models_register import ReportingPeriod
from storage.periods import ensure_period
from storage.upsert import get_or_insert
from tests.support import statements_sent


def _values(month: int) -> dict[str, object]:
    spec = monthly(2026, month)
    return {
        "starts_on": spec.starts_on,
        "ends_on": spec.ends_on,
        "hamlet_deadline": spec.hamlet_deadline,
        "commune_deadline": spec.commune_deadline,
        "status": "open",
    }


async def test_inserted_once_then_found_with_one_statement(services: Services) -> None:
    key = {"kind": "monthly", "code": "2026-10"}
    async with transaction(services.sessionmaker) as db:
        first, created = await get_or_insert(db, ReportingPeriod, key, _values(10))
    assert created and first.code == "2026-10" and first.status == "open"
    with statements_sent(services) as statements:
        async with transaction(services.sessionmaker) as db:
            # Other values are not applied to a row that exists.
            again, created = await get_or_insert(db, ReportingPeriod, key, {"status": "closed"})
    assert not created and again.id == first.id and again.status == "open"
    assert len([s for s in statements if s.lstrip().upper().startswith(("SELECT", "INSERT"))]) == 1
    async with services.sessionmaker() as db:
        count = select(func.count()).select_from(ReportingPeriod).filter_by(**key)
        assert (await db.execute(count)).scalar_one() == 1


async def test_period_created_once_and_audited_once(services: Services) -> None:
    from storage.models import AuditLog

    spec = monthly(2026, 9)
    async with transaction(services.sessionmaker) as db:
        a = await ensure_period(db, spec)
    async with transaction(services.sessionmaker) as db:
        b = await ensure_period(db, spec)
    assert a.id == b.id
    async with services.sessionmaker() as db:
        audits = (
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == "period.create", AuditLog.entity == f"period:{a.id}")
        )
        assert (await db.execute(audits)).scalar_one() == 1
