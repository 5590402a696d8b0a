"""Test helpers that set up data through the real storage functions."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import Services
from domain.procedure import POSTED, needs_meeting
from storage.db import transaction
from storage.meetings import close_meeting, start_meeting, vote
from storage.models import ChannelAccount, Person
from storage.models_register import Assessment, Household, Submission
from storage.orgtree import import_units, parse_csv, unit_by_code
from storage.people import create_invite
from storage.register import apply_decision, create_household, decide, submit
from storage.seed import DEMO_CSV


async def seed_units(services: Services) -> None:
    async with transaction(services.sessionmaker) as db:
        await import_units(db, parse_csv(DEMO_CSV.read_text(encoding="utf-8")), actor="test")


async def make_invite(
    services: Services, role: str, unit_code: str, name: str | None, *, days: float = 7
) -> str:
    async with transaction(services.sessionmaker) as db:
        unit = await unit_by_code(db, unit_code)
        assert unit is not None, unit_code
        new = await create_invite(
            db,
            secret_key=services.settings.secret_key.get_secret_value(),
            role=role,
            unit=unit,
            now=services.clock(),
            ttl=timedelta(days=days),
            name=name,
            actor="test",
        )
        return new.code


async def make_household(
    services: Services, hamlet_code: str, head: str, members: int, status: str = "unknown"
) -> str:
    """A register entry with a status, as if an earlier submission had been approved; its code."""
    async with transaction(services.sessionmaker) as db:
        hamlet = await unit_by_code(db, hamlet_code)
        assert hamlet is not None, hamlet_code
        household = await create_household(
            db,
            hamlet=hamlet,
            head_name=head,
            members=members,
            ethnic_minority=False,
            phone=None,
            actor="test",
            registered=True,
        )
        household.status = status
        return household.code


async def assess_household(
    services: Services, code: str, standard_id: str, deprived: list[str], causes: list[str]
) -> None:
    """An approved assessment of a household (as its last decided report left it) and its
    causes of poverty."""
    async with transaction(services.sessionmaker) as db:
        household = (
            (await db.execute(select(Household).where(Household.code == code))).scalars().first()
        )
        assert household is not None, code
        household.causes = causes
        db.add(
            Assessment(
                household_id=household.id,  # type: ignore[arg-type]
                standard_id=standard_id,
                income_per_capita=1_000_000,
                members=household.members,
                deprived=deprived,
                klass=household.status,
                source="hamlet_head",
                approved=True,
            )
        )


async def link_person(
    services: Services,
    role: str,
    unit_code: str,
    name: str,
    chat_id: str | None,
    *,
    active: bool = True,
) -> int:
    """A person with a simulator chat (or none when chat_id is None), as if onboarded."""
    async with transaction(services.sessionmaker) as db:
        unit = await unit_by_code(db, unit_code)
        assert unit is not None, unit_code
        person = Person(name=name, role=role, org_unit_id=unit.id)
        db.add(person)
        await db.flush()
        if chat_id is not None:
            db.add(
                ChannelAccount(
                    channel="simulator",
                    external_user_id=chat_id,
                    chat_id=chat_id,
                    person_id=person.id,
                    active=active,  # type: ignore[arg-type]
                )
            )
        return person.id  # type: ignore[return-value]


async def close_services(services: Services) -> None:
    """Stop what a test left running (a notice still being delivered, a "typing…" timer), then
    the services. In that order: a task cancelled after the database engine is disposed can wait
    for ever on a connection that is gone, and the event loop would never close."""
    # Rounds: a task may start another while it is being cancelled (a group commit's flush; the
    # graceful close of a database connection a cancelled task held). Those are given a moment
    # to finish, then cancelled too: the close of an aiosqlite connection whose statement was
    # cut off never finishes by itself (it held every such test 5 s, the wait's limit).
    for round_ in range(5):
        left = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        if not left:
            break
        if round_:
            left = list((await asyncio.wait(left, timeout=0.2))[1])
            if not left:
                continue  # finished: look again for any they started
        for task in left:
            task.cancel()
        await asyncio.wait(left, timeout=5)
    await services.aclose()


# An "average living standard" assessment under NĐ 07/2021, as an exit registration carries.
AVERAGE = {
    "standard": "nd07-2021",
    "class": "average",
    "deprivations": 0,
    "deprived": [],
    "income_per_capita": 2_000_000,
    "reason": "",
}


async def exit_registration_to_decide(
    services: Services, key: str, *, household_id: int | None = None
) -> tuple[int, str]:
    """An exit registration in Gia Viễn 01, discussed at the hamlet meeting and awaiting the
    commune's decision; (id, reference)."""
    async with transaction(services.sessionmaker) as db:
        hamlet = await unit_by_code(db, "37-GIAVIEN-01")
        assert hamlet is not None
        new = await submit(
            db,
            idempotency_key=key,
            kind="exit_registration",
            source="household",
            household_id=household_id,
            hamlet=hamlet,
            period_id=None,
            reporter_id=None,
            answers={"name": "Lê Thị Mai", "members": 4, "income": 8_000_000},
            result=AVERAGE,
            note=None,
            now=services.clock(),
            actor="test",
        )
        new.submission.status = "hamlet_reviewed"
        return new.submission.id, new.submission.ref  # type: ignore[return-value]


async def pass_meeting(db: AsyncSession, submission: Submission, *, when: datetime) -> None:
    """The hamlet meeting passes the submission (all 10 present in favour), as the hamlet head
    records it in chat."""
    if not needs_meeting(submission.kind) or submission.status not in (
        "submitted",
        "hamlet_reviewed",
    ):
        return
    meeting = await start_meeting(
        db,
        hamlet_id=submission.hamlet_id,
        round_id=None,
        held_on=when.date(),
        present=10,
        chair_id=None,
        actor="test",
    )
    await vote(db, meeting=meeting, submission=submission, votes_for=10, now=when, actor="test")
    await close_meeting(db, meeting=meeting, now=when, actor="test")


async def approve_through_procedure(
    db: AsyncSession,
    *,
    submission: Submission,
    officer_id: int | None,
    now: datetime,
    reason: str | None = None,
) -> Household | None:
    """Approve as the procedure does: the meeting passes it, the officer accepts it, and the
    commune's decision on `now` applies it (the posting itself is tested in tests/procedure).
    A register change (move, dissolution, correction) is approved directly."""
    if not needs_meeting(submission.kind):
        return await decide(
            db,
            submission=submission,
            decision="approve",
            reason=reason,
            officer_id=officer_id,
            now=now,
        )
    await pass_meeting(db, submission, when=now)
    await decide(
        db, submission=submission, decision="approve", reason=reason, officer_id=officer_id, now=now
    )
    submission.status = POSTED  # what start_posting does to an accepted submission
    return await apply_decision(
        db,
        submission=submission,
        officer_id=officer_id,
        at=now,
        actor=f"person:{officer_id}" if officer_id else "test",
    )


@contextmanager
def statements_sent(services: Services) -> Iterator[list[str]]:
    """The SQL statements SQLAlchemy sends while the block runs (not the driver's own)."""
    sent: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement)

    event.listen(services.db_engine.sync_engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(services.db_engine.sync_engine, "before_cursor_execute", seen)
