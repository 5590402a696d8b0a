"""Conversation sessions and update de-duplication."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConversationSession, ProcessedUpdate
from storage.upsert import insert_ignore


async def mark_processed(session: AsyncSession, *, channel: str, update_id: str) -> bool:
    """Claim an update; False means it was already handled (or is being handled right now)."""
    return await insert_ignore(
        session,
        ProcessedUpdate,
        {"channel": channel, "update_id": update_id},
        ("channel", "update_id"),
    )


async def load_for_update(
    session: AsyncSession, *, channel: str, chat_id: str
) -> ConversationSession:
    """The chat's session row, locked until the transaction ends (row lock on PostgreSQL)."""
    stmt = (
        select(ConversationSession)
        .where(ConversationSession.channel == channel, ConversationSession.chat_id == chat_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is not None:  # every turn but a chat's first: one query
        return row
    await insert_ignore(
        session,
        ConversationSession,
        {"channel": channel, "chat_id": chat_id, "state": {}, "version": 0},
        ("channel", "chat_id"),
    )
    # Inserted here, or by a concurrent first turn of the same chat (then this waits for it).
    return (await session.execute(stmt)).scalar_one()


def save(
    row: ConversationSession, state: dict[str, Any], *, now: datetime, expires_at: datetime | None
) -> None:
    row.state = state
    row.flow = state.get("flow")
    row.step = state.get("step")
    row.version += 1
    row.updated_at = now
    row.expires_at = expires_at
