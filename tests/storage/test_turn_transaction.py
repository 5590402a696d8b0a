"""turn_transaction: what the driver and the ORM session write in a turn commits or rolls back
together, including objects only added to the session (no statement run through it)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.services import Services
from storage.db import driver, turn_transaction
from storage.models import AuditLog
from storage.sessions import claim_and_lock


def _audit(action: str) -> AuditLog:
    return AuditLog(actor="test", action=action, entity="test:1")


async def _count(services: Services, action: str) -> int:
    async with services.sessionmaker() as db:
        stmt = select(func.count()).select_from(AuditLog).where(AuditLog.action == action)
        return (await db.execute(stmt)).scalar_one()


async def test_an_added_object_alone_is_committed(services: Services) -> None:
    async with turn_transaction(services.sessionmaker) as db:
        if services.settings.database_url.startswith("postgresql"):
            await (await driver(db)).fetchval("SELECT 1")  # the turn's own statements
        db.add(_audit("turn.added-only"))  # e.g. an audit record: no statement until the flush
    assert await _count(services, "turn.added-only") == 1


async def test_driver_and_session_writes_roll_back_together(services: Services) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with turn_transaction(services.sessionmaker) as db:
            assert await claim_and_lock(db, channel="telegram", chat_id="7", update_id="41")
            db.add(_audit("turn.rolled-back"))
            await db.flush()
            raise Boom
    assert await _count(services, "turn.rolled-back") == 0
    # The claim was rolled back with the rest: the update is new to the next turn.
    async with turn_transaction(services.sessionmaker) as db:
        assert await claim_and_lock(db, channel="telegram", chat_id="7", update_id="41")
    async with turn_transaction(services.sessionmaker) as db:
        assert await claim_and_lock(db, channel="telegram", chat_id="7", update_id="41") is None


async def test_a_driver_only_turn_commits(services: Services) -> None:
    if not services.settings.database_url.startswith("postgresql"):
        pytest.skip("the driver path is PostgreSQL's")
    async with turn_transaction(services.sessionmaker) as db:
        conn = await driver(db)
        await conn.execute(
            "INSERT INTO audit_log (actor, action, entity, at) VALUES ('t', 'turn.driver', 'e', now())"
        )
        assert not db.in_transaction()  # the ORM session was not used
    assert await _count(services, "turn.driver") == 1


async def test_a_savepoint_as_the_first_write_rolls_back_with_its_transaction(
    services: Services,
) -> None:
    """On SQLite the driver begins a transaction only before a write statement, and a SAVEPOINT
    is not one: released, it committed on its own, so a turn that failed afterwards kept what
    the savepoint held (a supporter added by a refused request)."""
    from storage.db import transaction

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with transaction(services.sessionmaker) as db:
            await db.execute(select(func.count()).select_from(AuditLog))  # a read first
            async with db.begin_nested():
                db.add(_audit("turn.savepoint"))
                await db.flush()
            raise Boom
    assert await _count(services, "turn.savepoint") == 0
