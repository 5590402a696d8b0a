"""The per-turn statements (storage.sessions): what a turn reads with its claim and lock is what
the turns before it committed, also when it had to wait for another worker's turn of the chat."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import Services
from handlers.inbound import InboundMessage
from storage import sessions
from storage.db import transaction
from storage.people import set_locale
from tests.support import make_invite, seed_units

CHAT = "c1"


def msg(text: str | None = None, *, update: str, choice: str | None = None) -> InboundMessage:
    return InboundMessage(
        channel="simulator", chat_id=CHAT, user_id=CHAT, text=text, choice=choice, update_id=update
    )


async def _claim(db: AsyncSession, update: str, now: datetime) -> sessions.SessionRow | None:
    """The turn's first statement for `update` of the test chat."""
    return await sessions.claim_and_lock(
        db, channel="simulator", chat_id=CHAT, update_id=update, user_id=CHAT, now=now
    )


async def _linked_chat(services: Services) -> int:
    """A hamlet head's chat, linked through the bot; their person's id."""
    await seed_units(services)
    code = await make_invite(services, "hamlet_head", "37-GIAVIEN-01", "Nguyễn Văn An")
    await services.conversations.handle(msg(f"/start {code}", update="u1"))
    await services.conversations.handle(msg(choice="yes", update="u2"))
    async with services.sessionmaker() as db:
        row = await _claim(db, "probe", services.clock())
        assert row is not None
        user = await sessions.turn_user(db, row, channel="simulator", user_id=CHAT)
        await db.rollback()
    assert user is not None and user.person is not None
    return int(user.person["person_id"])


async def _waiting_for_a_lock(services: Services) -> None:
    """Until another connection waits for a row lock (PostgreSQL's view of its sessions)."""
    for _ in range(200):
        async with services.sessionmaker() as db:
            waiting = await db.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            )
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the second turn never waited for the chat's row lock")


async def test_a_turn_reads_the_user_and_its_claim_once(services: Services) -> None:
    person_id = await _linked_chat(services)
    async with transaction(services.sessionmaker) as db:
        row = await _claim(db, "u3", services.clock())
        assert row is not None
        user = await sessions.turn_user(db, row, channel="simulator", user_id=CHAT)
        assert user is not None and user.person is not None
        assert (user.person["person_id"], user.person["role"]) == (person_id, "hamlet_head")
        assert user.person["unit_code"] == "37-GIAVIEN-01"
    async with transaction(services.sessionmaker) as db:  # the same update again: already claimed
        again = await _claim(db, "u3", services.clock())
    assert again is None


async def test_a_turn_that_waited_for_the_chat_reads_what_the_holder_committed(
    services: Services,
) -> None:
    """Two workers, one chat: the second turn waits for the first's row lock. PostgreSQL
    re-reads the locked row after the wait, but the rest of a statement keeps the snapshot
    taken before it; the user read with the claim must not be that older picture."""
    person_id = await _linked_chat(services)
    now = services.clock()
    holder = services.sessionmaker()
    try:
        await holder.begin()
        held = await _claim(holder, "a", now)
        assert held is not None
        version = held.version
        await set_locale(holder, person_id, "en")  # the first turn changes the user

        async def second_turn() -> str:
            async with transaction(services.sessionmaker) as db:
                row = await _claim(db, "b", now)
                assert row is not None and row.version == version + 1  # the holder's save
                user = await sessions.turn_user(db, row, channel="simulator", user_id=CHAT)
                assert user is not None and user.person is not None
                return str(user.person["locale"])

        waiting = asyncio.create_task(second_turn())
        if services.settings.database_url.startswith("postgresql"):
            await _waiting_for_a_lock(services)
        await sessions.save(
            holder, held, {**held.state, "step": "x"}, now=now, expires_at=now + timedelta(hours=1)
        )
        await holder.commit()
    finally:
        await holder.close()
    assert await waiting == "en"


async def test_a_pooled_connection_the_server_closed_is_replaced_without_a_failed_turn(
    services: Services,
) -> None:
    """No ping before each use (three round trips on asyncpg): a pooled connection the server
    closed — a restart, pg_terminate_backend — is known closed to the driver, and replaced."""
    if not services.settings.database_url.startswith("postgresql"):
        return  # SQLite has no server to close the connection
    await _linked_chat(services)
    async with services.sessionmaker() as db:
        assert await db.scalar(text("SELECT 1")) == 1  # the pool holds a used connection
    url = services.settings.database_url.replace("postgresql+asyncpg", "postgresql")
    killer = await asyncpg.connect(url)  # outside the pool: every pooled connection goes
    try:
        killed = await killer.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'"
        )
    finally:
        await killer.close()
    assert killed >= 1
    await asyncio.sleep(0.2)  # the driver reads the server's goodbye
    reply = await services.conversations.handle(msg("/me", update="after-kill"))
    assert reply is not None and "Nguyễn Văn An" in reply[0].text
