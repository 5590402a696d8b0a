"""Chat accounts as the channels see them: reachability and the chat's language."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import record
from storage.models import ChannelAccount, ConversationSession


async def deactivate_account(session: AsyncSession, *, channel: str, chat_id: str) -> int:
    """Mark the chat's active accounts inactive (the bot was blocked); returns how many changed.

    The next message from that chat reactivates the account (handlers.inbound)."""
    stmt = select(ChannelAccount).where(
        ChannelAccount.channel == channel,
        ChannelAccount.chat_id == chat_id,
        ChannelAccount.active.is_(True),  # type: ignore[attr-defined]
    )
    accounts = list((await session.execute(stmt)).scalars())
    for account in accounts:
        account.active = False
        record(
            session,
            actor="system",
            action="account.deactivate",
            entity=f"channel_account:{account.id}",
            before={"active": True},
            after={"active": False, "reason": "unreachable"},
        )
    return len(accounts)


async def chat_locale(session: AsyncSession, *, channel: str, chat_id: str) -> str | None:
    """The language the chat's conversation runs in, if the chat has talked to us before."""
    stmt = select(ConversationSession.state).where(
        ConversationSession.channel == channel, ConversationSession.chat_id == chat_id
    )
    state = (await session.execute(stmt)).scalar_one_or_none()
    locale = state.get("locale") if isinstance(state, dict) else None
    return locale if isinstance(locale, str) else None
