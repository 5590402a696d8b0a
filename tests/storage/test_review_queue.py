"""The officer's queue: their commune's pending items only, oldest first, and the scope check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.services import Services
from storage.db import transaction
from storage.models import AuditLog
from storage.orgtree import unit_by_code
from storage.register import submit
from storage.review_queue import by_ref, in_scope, pending
from tests.support import seed_units

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
ITEMS = [  # (hamlet, kind, status)
    ("37-GIAVIEN-01", "newly_poor", "submitted"),
    ("37-GIAVIEN-02", "exit_registration", "hamlet_reviewed"),
    ("37-GIAVIEN-01", "exit_registration", "submitted"),
    ("37-GIAVIEN-01", "fell_back", "returned"),  # with the hamlet head: not pending
    ("37-GIAVIEN-01", "moved_out", "approved"),
    ("37-GIAVIEN-03", "newly_poor", "submitted"),
    ("37-KIMSON-01", "newly_poor", "submitted"),  # another commune
]


async def _seed(services: Services) -> list[str]:
    await seed_units(services)
    refs = []
    async with transaction(services.sessionmaker) as db:
        for n, (code, kind, status) in enumerate(ITEMS):
            hamlet = await unit_by_code(db, code)
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
                now=NOW + timedelta(minutes=n),
                actor="test",
            )
            new.submission.status = status
            refs.append(new.submission.ref)
    return refs


async def _unit(services: Services, code: str) -> int:
    async with services.sessionmaker() as db:
        return (await unit_by_code(db, code)).id  # type: ignore[union-attr,return-value]


async def test_an_officer_sees_the_pending_items_of_their_commune_oldest_first(
    services: Services,
) -> None:
    refs = await _seed(services)
    commune = await _unit(services, "37-GIAVIEN")
    async with services.sessionmaker() as db:
        first, total = await pending(db, unit_id=commune, limit=2, offset=0)
        second, _ = await pending(db, unit_id=commune, limit=2, offset=2)
    assert total == 4
    assert [s.ref for s in first + second] == [refs[0], refs[1], refs[2], refs[5]]


async def test_a_province_admin_sees_every_commune_below(services: Services) -> None:
    refs = await _seed(services)
    province = await _unit(services, "37")
    async with services.sessionmaker() as db:
        items, total = await pending(db, unit_id=province, limit=10)
        everything, _ = await pending(db, unit_id=None, limit=10)
    assert total == 5 and refs[6] in {s.ref for s in items}
    assert [s.ref for s in everything] == [s.ref for s in items]


async def test_another_communes_item_is_out_of_scope_and_audited(services: Services) -> None:
    refs = await _seed(services)
    kimson = await _unit(services, "37-KIMSON")
    async with transaction(services.sessionmaker) as db:
        own = await by_ref(db, refs[6].lower())  # typed in lower case
        other = await by_ref(db, f" {refs[0]} ")
        assert own and other
        assert await in_scope(db, submission=own, unit_id=kimson, person_id=9)
        assert not await in_scope(db, submission=other, unit_id=kimson, person_id=9)
    async with services.sessionmaker() as db:
        audit = (
            await db.execute(select(AuditLog).where(AuditLog.action == "scope.denied"))
        ).scalar_one()
    assert (audit.actor, audit.entity) == ("person:9", f"submission:{other.id}")
