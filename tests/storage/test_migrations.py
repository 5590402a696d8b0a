"""Migration 0005 back-fills the before/after state of approvals made before it existed."""

from __future__ import annotations

from alembic import command
from sqlalchemy import select
from sqlalchemy.engine import Connection

from bot.services import Services
from storage.migrate import alembic_config, upgrade
from storage.models_register import Submission
from tests.api.conftest import NOV, OCT, Register
from tests.support import link_person, seed_units

STATE = (
    Submission.id,
    Submission.before_status,
    Submission.before_active,
    Submission.after_status,
    Submission.after_active,
)


async def _downgrade(services: Services, revision: str) -> None:
    cfg = alembic_config(str(services.db_engine.url))

    def _run(conn: Connection) -> None:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)

    async with services.db_engine.begin() as conn:
        await conn.run_sync(_run)


async def _states(services: Services) -> list[tuple]:
    async with services.sessionmaker() as db:
        return [tuple(r) for r in (await db.execute(select(*STATE).order_by(Submission.id))).all()]


async def test_backfill_reproduces_what_decide_records(services: Services) -> None:
    await seed_units(services)
    officer = await link_person(services, "officer", "37-GIAVIEN", "Cán bộ xã", None)
    reg = Register(services, officer)
    a = await reg.household("37-GIAVIEN-01", "A")
    await reg.change(a, "newly_poor", "poor", OCT)
    await reg.change(a, "exited_poverty", "near_poor", NOV)
    await reg.change(a, "moved_out", None, NOV.replace(day=20))
    b = await reg.household("37-GIAVIEN-02", "B")
    await reg.change(b, "newly_near_poor", "near_poor", OCT)
    await reg.change(b, "newly_poor", "poor", NOV, decision="reject")
    await reg.change(b, "fell_back", "poor", NOV)
    recorded = await _states(services)
    assert recorded[0][1:] == ("unknown", True, "poor", True)
    assert recorded[2][1:] == ("near_poor", True, "near_poor", False)
    assert recorded[4][1:] == (None, None, None, None)  # rejected: nothing moved

    await services.db_engine.dispose()
    try:
        await _downgrade(services, "0004")
    finally:
        await upgrade(services.db_engine)
    assert await _states(services) == recorded


async def test_the_migrated_indexes_are_the_models_indexes(services: Services) -> None:
    """Every index the models declare is made by the migrations, on the same columns (a query
    planned against an index the migrations forgot would scan in production)."""
    from sqlalchemy import inspect
    from sqlmodel import SQLModel

    declared = {
        (table.name, index.name, tuple(c.name for c in index.columns))
        for table in SQLModel.metadata.tables.values()
        for index in table.indexes
    }

    def _made(conn: Connection) -> set[tuple[str, str | None, tuple[str, ...]]]:
        inspector = inspect(conn)
        return {
            (table, index["name"], tuple(index["column_names"]))  # type: ignore[arg-type]
            for table in inspector.get_table_names()
            for index in inspector.get_indexes(table)
        }

    async with services.db_engine.connect() as conn:
        made = await conn.run_sync(_made)
    assert declared - made == set()
