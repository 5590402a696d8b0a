"""household_tallies, which the report figures count, always equal the households counted per
hamlet and register state: the triggers keep them through whatever writes a household (the app's
decisions, an ORM change, SQL by hand, a delete), also under concurrent decisions."""

from __future__ import annotations

import asyncio
import random
from datetime import date

import pytest
from sqlalchemy import func, select, text, update

from bot.services import Services
from domain import procedure as proc
from domain.calendar import annual
from storage.db import transaction
from storage.meetings import close_meeting, start_meeting, vote
from storage.models import Person
from storage.models_procedure import ReviewRound
from storage.models_register import Household, HouseholdTally
from storage.orgtree import unit_by_code
from storage.periods import ensure_period
from storage.register import create_household, decide, submit
from storage.rounds import close_round, ensure_round, start_posting
from tests.api.conftest import NOV, OCT, Register
from tests.conftest import Clock
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


async def _flip(services: Services, code: str) -> None:
    """A poor household becomes near-poor or the other way, in a transaction of its own that
    holds its locks a moment (PostgreSQL)."""
    async with transaction(services.sessionmaker) as db:
        household = (await db.execute(select(Household).where(Household.code == code))).scalar_one()
        household.status = "near_poor" if household.status == "poor" else "poor"
        await db.flush()
        await db.execute(text("SELECT pg_sleep(0.005)"))


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

    for _ in range(3):
        await asyncio.gather(*(_flip(services, code) for code in codes))
    tallies, counted = await _both(services)
    assert tallies == counted
    assert {key[1]: n for key, n in counted.items()} == {"poor": 12, "near_poor": 12}


async def test_a_round_decision_and_changes_in_its_hamlet_at_the_same_time_all_land(
    services: Services, clock: Clock
) -> None:
    """The commune's decision changes many households of a hamlet in one transaction while the
    hamlet's other households change one by one. The decision first reaches the tallies of poor
    households, later those of near-poor ones; each other change takes the near-poor tally,
    then the poor one. Neither may wait for the other in a cycle (PostgreSQL would cancel one
    after deadlock_timeout): every change lands and the tallies equal the households counted."""
    if not services.settings.database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time")
    await seed_units(services)
    average = {"class": "average", "standard": "nd351-2025", "deprived": [], "income_per_capita": 3_000_000}  # fmt: skip
    # The round: 1 poor household exits, 30 households already "average" are corrected (nothing
    # changes: the decision holds the poor tally meanwhile), then 1 near-poor household exits.
    statuses = ["poor", *["average"] * 30, "near_poor"]
    in_round: list[int | None] = []
    async with transaction(services.sessionmaker) as db:
        dong = await unit_by_code(db, "37-GIAVIEN-01")
        commune = await unit_by_code(db, "37-GIAVIEN")
        assert dong and commune
        head = Person(name="Trưởng thôn", role="hamlet_head", org_unit_id=dong.id)
        db.add(head)
        await db.flush()
        await ensure_period(db, annual(2026))
        rnd = await ensure_round(db, commune_id=commune.id, spec=proc.periodic_round(2026))  # type: ignore[arg-type]
        meeting = await start_meeting(
            db, hamlet_id=dong.id, round_id=rnd.id, held_on=date(2026, 11, 16), present=20,  # type: ignore[arg-type]
            chair_id=head.id, place="Nhà văn hóa", secretary="Thư ký", actor="test",
        )  # fmt: skip
        for i, status in enumerate(statuses):
            household = await create_household(
                db, hamlet=dong, head_name=f"Hộ {i}", members=4, ethnic_minority=False,
                phone=None, actor="test", registered=True,
            )  # fmt: skip
            household.status = status
            in_round.append(household.id)
            new = await submit(
                db, idempotency_key=f"round-{i}", kind="exited_poverty", source="hamlet_head",
                household_id=household.id, hamlet=dong, period_id=None, reporter_id=head.id,
                answers={}, result=average, note=None, now=clock(), actor="test",
            )  # fmt: skip
            await vote(db, meeting=meeting, submission=new.submission, votes_for=15, now=clock(), actor="test")  # fmt: skip
            await decide(db, submission=new.submission, decision="approve", reason=None, officer_id=None, now=clock(), actor="test")  # fmt: skip
        await close_meeting(db, meeting=meeting, now=clock(), actor="test")
        await start_posting(db, rnd=rnd, starts_on=date(2026, 11, 18), actor="test")
        round_id = rnd.id
    others = [
        await make_household(services, "37-GIAVIEN-01", f"Hộ khác {i}", 4, "near_poor")
        for i in range(12)
    ]
    decided = asyncio.Event()

    async def decision() -> None:
        async with transaction(services.sessionmaker) as db:
            rnd = await db.get(ReviewRound, round_id)
            assert rnd is not None
            await close_round(
                db, rnd=rnd, number="1/QĐ-UBND", decided_on=date(2026, 11, 24), signer="Chủ tịch",
                officer_id=None, now=clock(), actor="test",
            )  # fmt: skip
        decided.set()

    begun_before_decided = 0

    async def change(code: str) -> None:
        nonlocal begun_before_decided
        while not decided.is_set():  # one after another for as long as the decision runs
            begun_before_decided += 1
            await _flip(services, code)

    await asyncio.gather(decision(), *(change(code) for code in others))
    assert begun_before_decided >= len(others)  # they did run while the decision did
    tallies, counted = await _both(services)
    assert tallies == counted
    async with services.sessionmaker() as db:
        rnd = await db.get(ReviewRound, round_id)
        assert rnd is not None and rnd.status == proc.CLOSED
        now = await db.execute(select(Household.status).where(Household.id.in_(in_round)))  # type: ignore[union-attr]
        assert now.scalars().all() == ["average"] * len(statuses)
