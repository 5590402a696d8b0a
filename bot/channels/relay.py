"""The one path from a channel adapter to the conversation and back; no channel-specific code."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import fields, replace

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import Channel, ChannelError, RecipientGone
from conversations.model import Outbound
from domain.i18n import N_, Translator, drop_controls
from handlers.inbound import BUSY, Conversations, InboundMessage
from storage import sessions
from storage.accounts import chat_locale, deactivate_account
from storage.db import transaction, unavailable
from storage.sessions import RepliesInFlight

log = logging.getLogger(__name__)

TYPING_AFTER = 0.5  # seconds a reply may take before the chat shows "typing…"
ATTEMPTS = 3  # tries for an update whose handling failed (e.g. the database was unreachable)
MAX_IN_FLIGHT_WAIT = 660.0  # seconds; above the longest reply lease Settings allows
BUSY_MEMORY = 1024  # updates whose chat was told "busy" (once per update, not per redelivery)

PRIVATE_ONLY = N_("Please message the bot privately.")


class Busy(Exception):
    """The database is unavailable: nothing was written, the chat was told to try again later,
    and the update should be delivered again (a webhook answers 503)."""


def without_controls(msg: InboundMessage) -> InboundMessage:
    """NUL means nothing in a chat and PostgreSQL text cannot hold it; other control characters
    and bidi overrides only disguise a name (a profile's display name is stored as a person's).
    Dropped rather than the update refused: a refused update is never answered, and the platform
    delivers it again."""
    fixed = {
        f.name: cleaned
        for f in fields(msg)
        if isinstance(value := getattr(msg, f.name), str)
        and (cleaned := drop_controls(value)) != value
    }
    return replace(msg, **fixed) if fixed else msg


class Relay:
    """Hands a translated update to Conversations and sends the replies through the channel."""

    def __init__(
        self,
        conversations: Conversations,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        typing_after: float = TYPING_AFTER,
    ) -> None:
        self.conversations = conversations
        self.sessionmaker = sessionmaker
        self.typing_after = typing_after
        self._told_busy: OrderedDict[tuple[str, str], None] = OrderedDict()

    async def process(
        self,
        channel: Channel,
        msg: InboundMessage,
        *,
        first: Callable[[], Awaitable[None]] | None = None,
    ) -> bool:
        """Handle one message and send the replies; False when the update was a duplicate.
        `first` runs beside the replies once the update is known to be new (a channel's own
        calls for it, e.g. answering a button). Raises Busy when the database is unavailable."""
        msg = replace(without_controls(msg), numbered=not channel.buttons)
        async with self._or_busy(channel, msg.chat_id, msg.update_id):
            replies = await self._handle(channel, msg)
        if replies is None:
            return False
        sent = False
        try:
            if first is None:
                sent = await self.deliver(channel, msg.chat_id, replies)
            else:
                # `first` starts first: what it reads of the channel's state precedes the replies.
                _, sent = await asyncio.gather(first(), self.deliver(channel, msg.chat_id, replies))
        finally:
            await self.conversations.released(msg, sent=sent)
        return True

    async def _handle(self, channel: Channel, msg: InboundMessage) -> list[Outbound] | None:
        """The turn; the chat shows "typing…" when it takes longer than `typing_after`, and
        that call is over before the replies go out (a late one would show after them)."""
        typing: list[asyncio.Future[None]] = []

        def show() -> None:
            call = quietly(channel.typing(msg.chat_id), f"{channel.name} typing")
            typing.append(asyncio.ensure_future(call))

        timer = asyncio.get_running_loop().call_later(self.typing_after, show)
        try:
            return await self.conversations.handle(msg, hold=True)
        finally:
            timer.cancel()
            if typing:
                await typing[0]

    async def deliver(self, channel: Channel, chat_id: str, messages: Sequence[Outbound]) -> bool:
        """Send in order; a blocked bot marks the account inactive, other failures are logged.
        True when nothing is left to send (all sent, or the chat is gone)."""
        if not messages:
            return True
        locale = self.conversations.default_locale
        if not channel.buttons and any(m.choices or m.attachment for m in messages):
            locale = await self._locale(channel, chat_id)
        try:
            for message in messages:
                await channel.send(chat_id, message, locale=locale)
        except RecipientGone as gone:
            log.info("%s chat unreachable (%s): account marked inactive", channel.name, gone.reason)
            await self.mark_unreachable(channel.name, chat_id)
        except ChannelError as exc:
            log.warning("sending on %s failed: %s", channel.name, exc)
            return False
        return True

    @asynccontextmanager
    async def _or_busy(
        self, channel: Channel, chat_id: str, update_id: str | None
    ) -> AsyncIterator[None]:
        """Database work for an update: an outage tells the chat and becomes Busy."""
        try:
            yield
        except Exception as exc:
            if not unavailable(exc):
                raise
            await self.busy(channel, chat_id, update_id=update_id)
            raise Busy(str(exc)) from exc

    async def busy(self, channel: Channel, chat_id: str, *, update_id: str | None) -> None:
        """Tell the chat, straight through the channel (the outbox is in the database), that the
        system is busy; once per update however often it is redelivered to this process."""
        if update_id is not None:
            key = (channel.name, update_id)
            if key in self._told_busy:
                return
            self._told_busy[key] = None
            while len(self._told_busy) > BUSY_MEMORY:
                self._told_busy.popitem(last=False)
        log.warning("database unavailable: %s update %s deferred", channel.name, update_id)
        t = Translator(self.conversations.default_locale)
        try:
            await channel.send(chat_id, Outbound(t(BUSY)))
        except ChannelError as exc:
            log.warning("telling a %s chat that the system is busy failed: %s", channel.name, exc)

    async def unreadable(
        self, channel: Channel, chat_id: str, *, user_id: str, update_id: str | None
    ) -> None:
        """A photo, sticker or voice note: a turn of its own (once per update), answered with a
        hint to type and the pending question again."""
        msg = InboundMessage(
            channel=channel.name,
            chat_id=chat_id,
            user_id=user_id,
            update_id=update_id,
            unreadable=True,
        )
        await self.process(channel, msg)

    async def group(
        self, channel: Channel, chat_id: str, *, text: str | None, update_id: str | None
    ) -> None:
        """A message in a group chat. Flows run only in private chats: a session there would
        belong to the group while each answer came from whoever typed it. A command gets one
        line pointing to the private chat (once per update); anything else is left alone, so
        the bot does not talk over a group's conversation."""
        if not (text or "").lstrip().startswith("/"):
            log.debug("%s group message ignored", channel.name)
            return
        if update_id is not None:
            async with (
                self._or_busy(channel, chat_id, update_id),
                transaction(self.sessionmaker) as db,
            ):
                if not await sessions.mark_processed(db, channel=channel.name, update_id=update_id):
                    return
        t = Translator(self.conversations.default_locale)
        await self.deliver(channel, chat_id, [Outbound(t(PRIVATE_ONLY))])

    async def mark_unreachable(self, channel: str, chat_id: str) -> None:
        async with transaction(self.sessionmaker) as db:
            await deactivate_account(db, channel=channel, chat_id=chat_id)

    async def _locale(self, channel: Channel, chat_id: str) -> str:
        async with self.sessionmaker() as db:
            found = await chat_locale(db, channel=channel.name, chat_id=chat_id)
        return found or self.conversations.default_locale


async def quietly(call: Awaitable[object], what: str) -> None:
    """Run a best-effort call (typing, removing an old keyboard): failures are only logged."""
    try:
        await call
    except ChannelError as exc:
        log.debug("%s failed: %s", what, exc)


async def reliably(
    job: Callable[[], Awaitable[object]], what: str, *, attempts: int = ATTEMPTS
) -> None:
    """Polling loops run each update through this: a failure is retried, then dropped (logged),
    so one bad update never stops the loop. Re-running is safe: updates are de-duplicated."""
    waited = 0.0
    attempt = 1
    while attempt <= attempts:
        try:
            await job()
            return
        except asyncio.CancelledError:
            raise
        except RepliesInFlight as exc:
            # Not a failure: another worker (most likely one that died) holds the replies until
            # its lease ends; then they are taken over here. Bounded in case it never ends.
            if waited >= MAX_IN_FLIGHT_WAIT:
                log.error("%s: replies held elsewhere for %.0f s; giving up", what, waited)
                return
            wait = min(exc.retry_after, MAX_IN_FLIGHT_WAIT - waited)
            waited += wait
            await asyncio.sleep(wait)
            continue
        except Exception:
            log.exception("handling %s failed (attempt %d of %d)", what, attempt, attempts)
            if attempt < attempts:
                await asyncio.sleep(min(2.0**attempt, 10.0))
            attempt += 1
    log.error("%s dropped after %d attempts", what, attempts)
