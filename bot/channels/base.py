"""The contract every chat channel meets: send a message (with choices), show typing, capabilities."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from conversations.model import Attachment, Outbound
from documents.files import File
from domain.i18n import N_, Translator


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


@runtime_checkable
class Files(Protocol):
    """Makes a message's attachment into what a channel can carry: the file itself, or a
    short-lived signed link to it (documents.service.Documents)."""

    link_hours: int

    async def render(self, attachment: Attachment) -> File:
        """The file; raises when its record is gone (the channel then says so in the text)."""
        ...

    def link(self, attachment: Attachment, *, absolute: bool = True) -> str:
        """A download address for it, working for `link_hours`."""
        ...


LINK_LINE = N_("📎 {title}: {url} (the link works for {hours} hours)")
NO_FILE = N_("📎 {title}: the document could not be made; ask the commune officer.")


def with_link(message: Outbound, files: Files | None, locale: str) -> Outbound:
    """For a channel that cannot send files: the text with a download link in place of the
    attachment (or a line saying it is missing when there is no way to make one)."""
    att = message.attachment
    if att is None:
        return message
    t = Translator(locale)
    if files is None:
        line = t(NO_FILE, title=att.title)
    else:
        line = t(LINK_LINE, title=att.title, url=files.link(att), hours=files.link_hours)
    text = f"{message.text}\n\n{line}" if message.text else line
    return Outbound(text, message.choices)


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
