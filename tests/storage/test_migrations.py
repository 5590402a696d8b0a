"""Migrations 0005, 0010 and 0012 back-fill what decisions record from the rows stored before them;
the migrations make every index the models declare."""

from __future__ import annotations

from datetime import date, timedelta

from alembic import command
from sqlalchemy import select
from sqlalchemy.engine import Connection

from bot.services import Services
from storage.db import transaction
from storage.migrate import alembic_config, upgrade
from storage.models_register import Household, Submission
from storage.models_support import Support
from storage.orgtree import unit_by_code
from storage.support import record_support, supporter_for
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


async def _migrate_again(services: Services, revision: str) -> None:
    """Down to `revision` and up again, as a deployment that migrates the stored rows does."""
    await services.db_engine.dispose()
    try:
        await _downgrade(services, revision)
    finally:
        await upgrade(services.db_engine)


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

    await _migrate_again(services, "0004")
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


async def _kept(services: Services) -> tuple[list[tuple], list[tuple]]:
    async with services.sessionmaker() as db:
        households = await db.execute(
            select(Household.head_name, Household.deprived, Household.assessed_at).order_by(
                Household.id
            )
        )
        supports = await db.execute(select(Support.id, Support.hamlet_id).order_by(Support.id))
        return [tuple(r) for r in households.all()], [tuple(r) for r in supports.all()]


async def test_the_household_keeps_its_latest_assessment_as_the_backfill_finds_it(
    services: Services,
) -> None:
    """The indicators report reads the latest approved assessment off the household and the
    emulation report a support's hamlet off the support: decisions keep them, and migration 0010
    fills in the same from the rows stored before it."""
    await seed_units(services)
    officer = await link_person(services, "officer", "37-GIAVIEN", "Cán bộ xã", None)
    reg = Register(services, officer)
    a = await reg.household("37-GIAVIEN-01", "A")
    await reg.change(a, "newly_poor", "poor", OCT, ("water", "latrine"))
    await reg.change(a, "exited_poverty", "near_poor", NOV, ("water",))
    # Decided later but dated before the one kept: not the latest.
    await reg.change(a, "fell_back", "poor", OCT + timedelta(days=5), ("telecom",))
    await reg.change(a, "newly_poor", "poor", NOV, ("employment",), decision="reject")
    b = await reg.household("37-GIAVIEN-02", "B")
    await reg.change(b, "newly_near_poor", "near_poor", OCT, ("housing_quality",))
    await reg.change(b, "moved_out", None, NOV)  # no assessment: the October one stays
    await reg.household("37-KIMSON-01", "C")
    async with transaction(services.sessionmaker) as db:
        supporter, _ = await supporter_for(
            db, commune_id=(await db.get(Household, b)).commune_id, name="Hội Phụ nữ xã",  # type: ignore[union-attr]
            kind="women_union", actor="test",
        )  # fmt: skip
        for household_id in (a, b):
            await record_support(
                db, household=await db.get(Household, household_id), supporter=supporter,  # type: ignore[arg-type]
                kind="cash", value=1_000_000, given_on=date(2026, 11, 1), today=date(2026, 12, 1),
                recorded_by=None, source="api", idempotency_key=None, actor="test",
            )  # fmt: skip
        hamlets = [(await unit_by_code(db, c)).id for c in ("37-GIAVIEN-01", "37-GIAVIEN-02")]  # type: ignore[union-attr]
    kept = await _kept(services)
    assert kept[0] == [("A", ["water"], NOV), ("B", ["housing_quality"], OCT), ("C", None, None)]
    assert [hamlet for _, hamlet in kept[1]] == hamlets

    await _migrate_again(services, "0009")
    assert await _kept(services) == kept


async def test_0012_stops_counting_reported_households_no_decision_recognised(
    services: Services,
) -> None:
    """Stored before 0012, a reported new household was active at once: a waiting one is made
    inactive, a recognised one inactive before its decision; an entry on the register stays."""
    import uuid

    from storage.register import submit

    await seed_units(services)
    officer = await link_person(services, "officer", "37-GIAVIEN", "Cán bộ xã", None)
    reg = Register(services, officer)
    await reg.household("37-GIAVIEN-01", "Đã có")
    ids = {}
    for name in ("Chờ duyệt", "Đã công nhận"):
        ids[name] = await reg.household("37-GIAVIEN-01", name)  # active, as before 0012
        async with transaction(services.sessionmaker) as db:
            hamlet = await unit_by_code(db, "37-GIAVIEN-01")
            await submit(
                db, idempotency_key=uuid.uuid4().hex, kind="moved_in", source="hamlet_head",
                household_id=ids[name], hamlet=hamlet, period_id=None, reporter_id=None,  # type: ignore[arg-type]
                answers={"new_name": name, "new_members": 4}, result={}, note=None, now=OCT,
                actor="test",
            )  # fmt: skip
        if name == "Đã công nhận":
            await reg.change(ids[name], "newly_near_poor", "near_poor", NOV)
    await _migrate_again(services, "0011")
    async with services.sessionmaker() as db:
        active = {h.head_name: h.active for h in (await db.execute(select(Household))).scalars()}
        first = (
            await db.execute(
                select(Submission.before_active).where(
                    Submission.household_id == ids["Đã công nhận"],
                    Submission.status == "approved",
                )
            )
        ).scalar_one()
    assert active == {"Đã có": True, "Chờ duyệt": False, "Đã công nhận": True}
    assert first is False
