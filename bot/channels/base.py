"""The contract every chat channel meets: send a message (with choices), show typing, capabilities."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from conversations.model import Outbound


@runtime_checkable
class Channel(Protocol):
    """What handlers' replies are sent through; Telegram, Zalo and the simulator implement it."""

    name: str  # one of storage.models.CHANNELS
    buttons: bool  # choices become buttons; otherwise a numbered list answered by typing
    max_length: int  # the longest single message the channel accepts; longer texts are split

    async def send(self, chat_id: str, message: Outbound, *, locale: str = "vi") -> None:
        """Deliver one outbound message; `locale` is the recipient's, for the channel's own words."""
        ...

    async def typing(self, chat_id: str) -> None:
        """Show that a reply is being prepared (best effort)."""
        ...


class ChannelError(Exception):
    """A channel API call failed; the message is safe to log (no token)."""


class RecipientGone(ChannelError):
    """The recipient blocked the bot or left: stop sending and mark the account inactive."""

    def __init__(self, channel: str, chat_id: str, reason: str = "") -> None:
        super().__init__(f"{channel} chat is unreachable: {reason}")
        self.channel = channel
        self.chat_id = chat_id
        self.reason = reason


def redact(text: object, secret: str) -> str:
    """A message safe to log: bot tokens travel inside API URLs and may surface in errors."""
    out = str(text)
    return out.replace(secret, "***") if secret else out
