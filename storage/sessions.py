"""Conversation sessions and update de-duplication.

Every update runs these statements, so they are SQLAlchemy Core built once with bound
parameters: building statements, and loading and flushing ORM objects, cost more server time
than the queries themselves (bench/webhook.py). On PostgreSQL a turn is two of them, sent
through asyncpg directly (storage.db.DriverStatement): the claim, the lock and the user in one,
the new state and the replies kept in the other; then one autocommit statement once the replies
are sent. SQLite runs the same statements one by one through SQLAlchemy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import bindparam, func, literal, null, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import DriverStatement, autocommit_driver, driver, json_dumps, transaction
from storage.models import ConversationSession, ProcessedUpdate
from storage.people import CHAT_USER, ChatUser, chat_user, chat_user_of
from storage.upsert import insert_ignore

_SESSIONS = ConversationSession.__table__  # type: ignore[attr-defined]
_UPDATES = ProcessedUpdate.__table__  # type: ignore[attr-defined]

# INSERT ... ON CONFLICT DO NOTHING, by dialect.
_CLAIM = {
    name: dialect.insert(_UPDATES)
    .values(channel=bindparam("p_channel"), update_id=bindparam("p_update_id"))
    .on_conflict_do_nothing(index_elements=["channel", "update_id"])
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
# Row lock until the transaction ends (FOR UPDATE on PostgreSQL; SQLite locks the database).
_LOCK = (
    select(_SESSIONS.c.id, _SESSIONS.c.state, _SESSIONS.c.version)
    .where(
        _SESSIONS.c.channel == bindparam("p_channel"),
        _SESSIONS.c.chat_id == bindparam("p_chat_id"),
    )
    .with_for_update()
)


def _claim_and_lock() -> Any:
    """PostgreSQL: the claim, the row lock and the chat's user in one round trip. The claim is a
    data-modifying CTE, which runs to completion whatever the main query returns; the lock and
    the user are LATERAL subqueries left-joined to one row, so the claim's outcome comes back
    even when the chat has no session row (or no account) yet.

    After waiting for the lock (another worker's turn of the chat), PostgreSQL re-reads the
    locked row, but the user subquery keeps the statement's snapshot, from before that turn
    committed. `seen` is the row's version in that snapshot: when it differs from the locked
    row's, a turn committed in between and the user is read again (turn_user)."""
    insert = (
        postgresql.insert(_UPDATES)
        .values(
            channel=bindparam("p_channel"),
            update_id=bindparam("p_update_id"),
            processed_at=bindparam("p_now"),
        )
        .on_conflict_do_nothing(index_elements=["channel", "update_id"])
    )
    claim = insert.returning(_UPDATES.c.id).cte("claim")
    locked = _LOCK.lateral("s")
    user = CHAT_USER.lateral("u")
    one = select(literal(1).label("one")).subquery("one")
    claimed = select(func.count()).select_from(claim).scalar_subquery().label("claimed")
    seen = (
        select(_SESSIONS.c.version)
        .where(
            _SESSIONS.c.channel == bindparam("p_channel"),
            _SESSIONS.c.chat_id == bindparam("p_chat_id"),
        )
        .scalar_subquery()
        .label("seen")
    )
    return select(claimed, locked.c.id, locked.c.state, locked.c.version, seen, user).select_from(
        one.outerjoin(locked, true()).outerjoin(user, true())
    )


_CLAIM_AND_LOCK = DriverStatement.of(_claim_and_lock())
_SAVE = (
    update(_SESSIONS)
    .where(_SESSIONS.c.id == bindparam("p_id"))
    .values(
        state=bindparam("p_state"),
        flow=bindparam("p_flow"),
        step=bindparam("p_step"),
        version=_SESSIONS.c.version + 1,
        updated_at=bindparam("p_now"),
        expires_at=bindparam("p_expires_at"),
    )
)


_UNREAD = object()  # SessionRow.user before the turn's first statement read it


@dataclass
class SessionRow:
    """The locked session row of a chat: its id, the engine state and the version read; and
    the chat's user when the same statement read it (PostgreSQL)."""

    id: int
    state: dict[str, Any]
    version: int
    user: ChatUser | object | None = _UNREAD

    @property
    def user_read(self) -> bool:
        return self.user is not _UNREAD


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind else "sqlite"


async def mark_processed(session: AsyncSession, *, channel: str, update_id: str) -> bool:
    """Claim an update; False means it was already handled (or is being handled right now)."""
    params = {"p_channel": channel, "p_update_id": update_id}
    result = await session.execute(_CLAIM[_dialect(session)], params)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def load_for_update(session: AsyncSession, *, channel: str, chat_id: str) -> SessionRow:
    """The chat's session row, locked until the transaction ends (row lock on PostgreSQL)."""
    params = {"p_channel": channel, "p_chat_id": chat_id}
    row = (await session.execute(_LOCK, params)).first()
    if row is None:  # a chat's first turn only; every other turn is one query
        await insert_ignore(
            session,
            ConversationSession,
            {"channel": channel, "chat_id": chat_id, "state": {}, "version": 0},
            ("channel", "chat_id"),
        )
        # Inserted here, or by a concurrent first turn of the same chat (then this waits for it).
        row = (await session.execute(_LOCK, params)).one()
    return SessionRow(id=row.id, state=row.state, version=row.version)


async def claim_and_lock(
    session: AsyncSession,
    *,
    channel: str,
    chat_id: str,
    update_id: str | None,
    user_id: str | None = None,
    now: datetime | None = None,
) -> SessionRow | None:
    """mark_processed, then load_for_update; None (and nothing locked on SQLite) when the update
    was already handled. One round trip on PostgreSQL when the chat has a session row, which
    also reads the chat's user (`user_id`) into the row."""
    if update_id is None or user_id is None or now is None or _dialect(session) != "postgresql":
        if update_id is not None:
            if not await mark_processed(session, channel=channel, update_id=update_id):
                return None
        return await load_for_update(session, channel=channel, chat_id=chat_id)
    params = {
        "p_channel": channel,
        "p_update_id": update_id,
        "p_chat_id": chat_id,
        "p_user_id": user_id,
        "p_now": now,
    }
    conn = await driver(session)
    row = await conn.fetchrow(_CLAIM_AND_LOCK.sql, *_CLAIM_AND_LOCK.args(params))
    if not row["claimed"]:
        return None
    if row["id"] is None:  # the chat's first turn: the row is created (claimed already)
        return await load_for_update(session, channel=channel, chat_id=chat_id)
    found = SessionRow(row["id"], row["state"], row["version"])
    if row["seen"] == row["version"]:  # no turn of this chat committed since the snapshot
        found.user = chat_user_of(row)
    return found


async def turn_user(
    session: AsyncSession, row: SessionRow, *, channel: str, user_id: str
) -> ChatUser | None:
    """The chat's user as the turn holding `row` sees it: read with the claim, or now."""
    if row.user_read:
        return cast(ChatUser | None, row.user)
    return await chat_user(session, channel=channel, user_id=user_id)


@dataclass(frozen=True)
class Keep:
    """A turn's replies, kept with its claim in the turn's transaction until they are sent."""

    channel: str
    update_id: str
    replies: list[Any]
    lease_until: datetime


async def save(
    session: AsyncSession,
    row: SessionRow,
    state: dict[str, Any],
    *,
    now: datetime,
    expires_at: datetime | None,
    keep: Keep | None = None,
) -> None:
    """Write the new state of a row locked by load_for_update (the version goes up by one), and
    keep the turn's replies with its claim when given: one round trip on PostgreSQL."""
    params = {
        "p_id": row.id,
        "p_state": state,
        "p_flow": state.get("flow"),
        "p_step": state.get("step"),
        "p_now": now,
        "p_expires_at": expires_at,
    }
    if _dialect(session) == "postgresql":
        params["p_state"] = json_dumps(state)
        stmt = _SAVE_PG
        if keep is not None:
            stmt = _SAVE_AND_KEEP_PG
            params.update(_keep_params(keep))
            params["p_replies"] = json_dumps(keep.replies)
        conn = await driver(session)
        await conn.execute(stmt.sql, *stmt.args(params))
    else:
        await session.execute(_SAVE, params)
        if keep is not None:
            await session.execute(_KEEP, _keep_params(keep))
    row.state, row.version = state, row.version + 1


def _keep_params(keep: Keep) -> dict[str, Any]:
    return {
        "p_channel": keep.channel,
        "p_update_id": keep.update_id,
        "p_replies": keep.replies,
        "p_lease_until": keep.lease_until,
    }


# -- the replies of a committed turn ---------------------------------------------------------

_KEEP = (
    update(_UPDATES)
    .where(_UPDATES.c.channel == bindparam("p_channel"))
    .where(_UPDATES.c.update_id == bindparam("p_update_id"))
    .values(replies=bindparam("p_replies"), lease_until=bindparam("p_lease_until"))
)
# A redelivery takes the replies over only once the lease of the worker holding them has run out.
_TAKE = (
    update(_UPDATES)
    .where(_UPDATES.c.channel == bindparam("p_channel"))
    .where(_UPDATES.c.update_id == bindparam("p_update_id"))
    .where(_UPDATES.c.replies.is_not(None))
    .where(_UPDATES.c.lease_until <= bindparam("p_now"))
    .values(lease_until=bindparam("p_lease_until"))
    .returning(_UPDATES.c.replies)
)
_HELD = select(_UPDATES.c.lease_until).where(
    _UPDATES.c.channel == bindparam("p_channel"),
    _UPDATES.c.update_id == bindparam("p_update_id"),
    _UPDATES.c.replies.is_not(None),
)
_SENT = (
    update(_UPDATES)
    .where(_UPDATES.c.channel == bindparam("p_channel"))
    .where(_UPDATES.c.update_id == bindparam("p_update_id"))
    .values(replies=null(), lease_until=None)  # SQL NULL, not the JSON value null
)


_SAVE_PG = DriverStatement.of(_SAVE)
# The replies' CTE runs whatever the main statement returns (a data-modifying CTE always does).
_SAVE_AND_KEEP_PG = DriverStatement.of(_SAVE.add_cte(_KEEP.cte("kept")))
_SENT_PG = DriverStatement.of(_SENT)


class RepliesInFlight(Exception):
    """A redelivered update whose replies another worker is sending right now: try again after
    `retry_after` seconds (then they are sent, or that worker is gone and they are taken over)."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"replies in flight; retry in {retry_after:.0f} s")
        self.retry_after = retry_after


async def take_unsent(
    session: AsyncSession, *, channel: str, update_id: str, now: datetime, lease_until: datetime
) -> list[Any] | None:
    """For an update already handled: its replies when they were never confirmed sent and their
    lease is over (now held by the caller until `lease_until`); None when they were sent (or
    there were none). Raises RepliesInFlight while another worker's lease runs."""
    params = {
        "p_channel": channel,
        "p_update_id": update_id,
        "p_now": now,
        "p_lease_until": lease_until,
    }
    taken = (await session.execute(_TAKE, params)).scalar_one_or_none()
    if taken is not None:
        return list(taken)
    held = (await session.execute(_HELD, params)).scalar_one_or_none()
    if held is None:
        return None
    raise RepliesInFlight(max(1.0, (held - now).total_seconds()))


async def replies_sent(
    factory: async_sessionmaker[AsyncSession], *, channel: str, update_id: str
) -> None:
    """The replies kept with an update all went out: forget them (one autocommit statement on
    PostgreSQL, a transaction of its own on SQLite)."""
    params = {"p_channel": channel, "p_update_id": update_id}
    engine = factory.kw.get("bind")
    if engine is not None and engine.dialect.name == "postgresql":
        async with autocommit_driver(engine) as conn:
            await conn.execute(_SENT_PG.sql, *_SENT_PG.args(params))
        return
    async with transaction(factory) as session:
        await session.execute(_SENT, params)


# -- what a chat was last offered, from outside its conversation -----------------------------


async def letters_in_use(session: AsyncSession, *, channel: str, chat_id: str) -> int | None:
    """None when the chat has no question waiting, so a notice may take its numbers; else how
    many letters the waiting question's own choices use (a notice's letters come after them)."""
    stmt = select(_SESSIONS.c.state).where(
        _SESSIONS.c.channel == channel, _SESSIONS.c.chat_id == chat_id
    )
    state = (await session.execute(stmt)).scalar_one_or_none() or {}
    if not state.get("flow") or not state.get("step"):
        return None
    return sum(1 for c in state.get("offered") or () if len(c) > 2)


async def offered_outside(
    session: AsyncSession, *, channel: str, chat_id: str, choices: list[Any]
) -> bool:
    """A message with choices went out outside a turn (a notice, a reminder): it is now what
    the chat was last offered, so a number typed next answers it (Session.offered). Sent by
    letter to a chat in the middle of a question (letters_in_use), it is kept apart
    (Session.notice_offered): the numbers still answer the question. Only that key of the
    saved state changes; a chat that never wrote to the bot has nothing to answer."""
    params = {"p_channel": channel, "p_chat_id": chat_id}
    row = (await session.execute(_LOCK, params)).first()
    if row is None:
        return False
    lettered = any(len(c) > 2 for c in choices)
    state = {**(row.state or {}), "notice_offered" if lettered else "offered": choices}
    await session.execute(update(_SESSIONS).where(_SESSIONS.c.id == row.id).values(state=state))
    return True
