"""What a stopped sender left behind in the outbox, resolved: never left as it is.

"claimed" rows were reserved but never handed to a channel: they go back to pending (and the
attempt the claim counted is taken back). "sending" rows were handed to a channel and no answer
was recorded. Neither Telegram nor Zalo lets a bot ask which messages reached a chat, so nothing
proves such a message was not delivered: it becomes "uncertain" and is not sent again (a missed
reminder is better than a duplicate), and each one is logged at WARNING with its channel, masked
chat and reason, so an officer can follow it up. A send whose answer proved it failed (an error
from the platform) is recorded as it comes and retried by the normal path, so it never waits here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models_outbox import OutboxMessage

log = logging.getLogger(__name__)


@dataclass
class Recovered:
    released: int = 0  # claimed -> pending
    uncertain: int = 0  # sending -> uncertain


def masked(chat_id: str | None) -> str:
    """A chat id as logs may show it: enough to tell rows apart, not to contact anyone."""
    text = chat_id or ""
    return "***" + text[-3:] if len(text) > 5 else "***"


async def resolve(db: AsyncSession, where: ColumnElement[bool], reason: str) -> Recovered:
    """Release the claimed and settle the sending rows matching `where`, in the caller's transaction."""
    released = (
        await db.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "claimed", where)
            .values(status="pending", claimed_at=None, attempts=OutboxMessage.attempts - 1)
            .returning(OutboxMessage.id)
        )
    ).all()
    settled: list[Any] = list(
        (
            await db.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == "sending", where)
                .values(status="uncertain", last_error=f"no answer recorded: {reason}"[:500])
                .returning(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.chat_id)
            )
        ).all()
    )
    if released:
        log.info("%d reserved outbox message(s) returned to pending (%s)", len(released), reason)
    for row_id, channel, chat_id in sorted(settled):
        log.warning(
            "outbox message %d to %s chat %s is uncertain, not sent again: %s",
            row_id,
            channel,
            masked(chat_id),
            reason,
        )
    return Recovered(len(released), len(settled))
