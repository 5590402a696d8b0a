"""household_tallies, which the report figures count, always equal the households counted per
hamlet and register state: the triggers keep them through whatever writes a household (the app's
decisions, an ORM change, SQL by hand, a delete), also under concurrent decisions."""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy import func, select, text, update

from bot.services import Services
from storage.db import transaction
from storage.models_register import Household, HouseholdTally
from tests.api.conftest import NOV, OCT, Register
from tests.support import link_person, make_household, seed_units

KEY = (Household.hamlet_id, Household.status, Household.active, Household.ethnic_minority)


async def _both(services: Services) -> tuple[dict, dict]:  # type: ignore[type-arg]
    """(tallies, households counted) as {(hamlet, status, active, ethnic minority): n}."""
    async with services.sessionmaker() as db:
        t = HouseholdTally
        kept = await db.execute(
            select(t.hamlet_id, t.status, t.active, t.ethnic_minority, t.n).where(t.n != 0)
        )
        counted = await db.execute(select(*KEY, func.count()).group_by(*KEY))
        return (
            {tuple(r[:4]): r[4] for r in kept.all()},
            {tuple(r[:4]): r[4] for r in counted.all()},
        )


async def test_tallies_follow_every_write_of_a_household(services: Services) -> None:
    await seed_units(services)
    officer = await link_person(services, "officer", "37-GIAVIEN", "Cán bộ xã", None)
    reg = Register(services, officer)
    rng = random.Random(20261206)
    hamlets = ["37-GIAVIEN-01", "37-GIAVIEN-02", "37-KIMSON-01"]
    ids = [await reg.household(rng.choice(hamlets), f"Hộ {i}", em=i % 3 == 0) for i in range(12)]
    changes = [("newly_poor", "poor"), ("newly_near_poor", "near_poor"), ("fell_back", "poor"),
               ("exited_poverty", "near_poor"), ("exited_poverty", "average"),
               ("moved_out", None)]  # fmt: skip
    for i, household in enumerate(ids):
        for _ in range(rng.randint(0, 3)):
            kind, klass = rng.choice(changes)
            await reg.change(household, kind, klass, OCT if i % 2 else NOV)
    tallies, counted = await _both(services)
    assert tallies == counted
    assert sum(counted.values()) == 12

    async with transaction(services.sessionmaker) as db:
        # An ORM change of a column of the key, SQL by hand moving a household to another
        # hamlet, a household deleted, and one changed in a column outside the key.
        first = await db.get(Household, ids[0])
        first.ethnic_minority = not first.ethnic_minority  # type: ignore[union-attr]
        kimson = await db.execute(text("SELECT id FROM org_units WHERE code = '37-KIMSON-01'"))
        await db.execute(
            update(Household).where(Household.id == ids[1]).values(hamlet_id=kimson.scalar_one())  # type: ignore[arg-type]
        )
        await db.execute(update(Household).where(Household.id == ids[2]).values(members=9))  # type: ignore[arg-type]
    code = await make_household(services, "37-GIAVIEN-02", "Hộ mới", 3, "poor")
    async with transaction(services.sessionmaker) as db:
        await db.execute(text("DELETE FROM households WHERE code = :c"), {"c": code})
    tallies, counted = await _both(services)
    assert tallies == counted
    assert sum(counted.values()) == 12


async def test_concurrent_decisions_in_one_hamlet_all_land(services: Services) -> None:
    """Half the households leave poverty while the other half fall into it, each in its own
    transaction at the same time: both tallies of the hamlet change in every one (PostgreSQL
    takes their row locks in key order, so no two of them wait for each other in a cycle)."""
    if not services.settings.database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time")
    await seed_units(services)
    codes = [
        await make_household(services, "37-GIAVIEN-01", f"Hộ {i}", 4, "poor" if i % 2 else "near_poor")
        for i in range(24)
    ]  # fmt: skip

    async def flip(code: str) -> None:
        async with transaction(services.sessionmaker) as db:
            household = (
                await db.execute(select(Household).where(Household.code == code))
            ).scalar_one()
            household.status = "near_poor" if household.status == "poor" else "poor"
            await db.flush()
            await db.execute(text("SELECT pg_sleep(0.005)"))  # hold the locks a moment

    for _ in range(3):
        await asyncio.gather(*(flip(code) for code in codes))
    tallies, counted = await _both(services)
    assert tallies == counted
    assert {key[1]: n for key, n in counted.items()} == {"poor": 12, "near_poor": 12}
