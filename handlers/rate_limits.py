"""How many papers one chat may send in a day, for what anyone may send without an invite."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from handlers.actions import ActionContext
from storage.people import count_recent


async def limited(ctx: ActionContext, *, kind: str, per_day: int) -> dict[str, Any] | None:
    """None while the chat is under the limit; else the refusal, with the hours to wait."""
    count, oldest = await count_recent(
        ctx.db,
        kind=kind,
        channel=ctx.channel,
        chat_id=ctx.chat_id,
        since=ctx.now - timedelta(hours=24),
    )
    if count < per_day or oldest is None:
        return None
    wait = oldest + timedelta(hours=24) - ctx.now
    hours = max(1, -(-int(wait.total_seconds()) // 3600))  # rounded up
    return {"status": "limited", "limit": per_day, "hours": hours}
