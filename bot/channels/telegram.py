"""Telegram through aiogram 3: updates in, replies out. A translator only; decisions live in
handlers/ and conversations/."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar, cast

from bot.channels import aiogram_loader  # noqa: F401  (first: aiogram's types built on first use)

# isort: split
from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import AiogramError, ClientDecodeError, TelegramConflictError
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteWebhook,
    EditMessageReplyMarkup,
    GetMe,
    GetUpdates,
    SendChatAction,
    SendDocument,
    SendMessage,
    SetMyCommands,
    SetWebhook,
    TelegramMethod,
)
from aiogram.methods.base import Response
from aiogram.types import BotCommand, BufferedInputFile
from aiogram.utils.token import TokenValidationError

from bot.channels.base import NO_FILE, ChannelError, Files, RecipientGone, redact
from bot.channels.relay import Relay, quietly, reliably
from bot.channels.render import numbered, split_text, utf16_len
from bot.channels.telegram_session import JsonSession, WebhookReply
from bot.channels.telegram_wire import Update, blocked, keyboard, parse_update, retry_after
from conversations.model import Outbound
from domain.i18n import N_, Translator
from handlers.inbound import InboundMessage

log = logging.getLogger(__name__)
T = TypeVar("T")

CHANNEL = "telegram"
MAX_LENGTH = 4096  # UTF-16 code units per message
ALLOWED_UPDATES = ["message", "callback_query"]
ATTEMPTS = 5  # per API call, for 429 flood control
SETUP_TIMEOUT = 15  # seconds for start-up calls, so an unreachable server cannot stall start-up
_ADDRESSED = re.compile(r"^\s*/\w+@(\w+)")  # "/help@chungtay_bot …"
MIN_POLL_INTERVAL = 0.5  # seconds; guards against a server that answers getUpdates at once
CAPTION_LENGTH = 1024  # UTF-16 code units of a document's caption
COMMANDS = (
    ("start", N_("Start, or link this chat with an invite code")),
    ("me", N_("Show who you are linked as")),
    ("help", N_("Help for the current question")),
    ("back", N_("Go back to the previous question")),
    ("cancel", N_("Stop the current task")),
    ("lang", N_("Switch language (Vietnamese / English)")),
)
# aiogram reads every reply as pydantic's `Response[<method's result type>]`, a class pydantic
# builds on first use and keeps only in a weak cache: under the garbage collection a busy server
# does, the classes die and are rebuilt again and again (several ms each; bench/webhook.py found
# this was a seventh of the server's time). Holding them here builds each once per process.
RESPONSE_TYPES = tuple(
    Response[method.__returning__]
    for method in (
        AnswerCallbackQuery,
        DeleteWebhook,
        EditMessageReplyMarkup,
        GetMe,
        GetUpdates,
        SendChatAction,
        SendDocument,
        SendMessage,
        SetMyCommands,
        SetWebhook,
    )
)


@dataclass(frozen=True)
class TelegramConfig:
    token: str
    api_base: str = "https://api.telegram.org"
    webhook_url: str | None = None  # public URL given to setWebhook; None means polling
    webhook_secret: str = ""  # checked against X-Telegram-Bot-Api-Secret-Token
    poll_timeout: int = 30  # seconds a getUpdates long poll may wait
    locale: str = "vi"  # for the command descriptions


class TelegramChannel:
    name = CHANNEL
    buttons = True
    max_length = MAX_LENGTH

    def __init__(self, config: TelegramConfig, *, files: Files | None = None) -> None:
        self.config = config
        self.files = files  # makes a message's attachment into the file sent with it
        try:
            session = JsonSession(api=TelegramAPIServer.from_base(config.api_base))
            self.bot = Bot(config.token, session=session)
        except TokenValidationError:
            raise ValueError(
                "CHUNGTAY_TELEGRAM_TOKEN is not a Telegram bot token "
                "(expected digits:letters, as given by @BotFather)"
            ) from None
        # The message carrying each chat's live keyboard: removed when the next one comes, so
        # an old button cannot answer a later question.
        self._keyboards: dict[str, int] = {}
        self._task: asyncio.Task[None] | None = None
        self._username: str | None = None  # from getMe, to tell our commands from other bots'

    @property
    def webhook(self) -> bool:
        return bool(self.config.webhook_url)

    # -- the channel contract ------------------------------------------------------------------

    async def send(self, chat_id: str, message: Outbound, *, locale: str = "vi") -> None:
        text = message.text
        if message.attachment is not None:
            # The file first, then the text with its buttons: the question stays the last
            # message, where the buttons are expected.
            missing = await self._send_file(chat_id, message, locale)
            if missing:
                text = f"{text}\n\n{missing}" if text else missing
            if not text:
                return
        markup = keyboard(message.choices)
        if message.choices:
            if markup is None:  # ids too long for callback data: numbered list instead
                text = numbered(message, Translator(locale))
            await self._retire(chat_id)
        parts = split_text(text, self.max_length, size=utf16_len)
        sent: Any = None
        for n, part in enumerate(parts):
            params: dict[str, Any] = {"chat_id": chat_id, "text": part}
            if markup is not None and n == len(parts) - 1:
                params["reply_markup"] = markup
            sent = await self._call_json("sendMessage", params, chat_id)
        if markup is not None and (message_id := _message_id(sent)) is not None:
            self._keyboards[chat_id] = message_id

    async def typing(self, chat_id: str) -> None:
        await self._call_json("sendChatAction", {"chat_id": chat_id, "action": "typing"}, chat_id)

    async def _send_file(self, chat_id: str, message: Outbound, locale: str) -> str | None:
        """Upload the attachment (sendDocument, multipart); a line to add to the text instead
        when it cannot be made (its record is gone, or no file maker is configured)."""
        from documents.produce import DocumentRefused  # only where a file is actually sent

        att = message.attachment
        assert att is not None
        if self.files is None:
            return Translator(locale)(NO_FILE, title=att.title)
        try:
            made = await self.files.render(att)
        except DocumentRefused:
            return Translator(locale)(NO_FILE, title=att.title)
        except Exception as exc:  # a database outage: not sent, so tried again later
            log.warning("making %s for telegram failed: %s", att.kind, type(exc).__name__)
            raise ChannelError(f"sendDocument: the file could not be made ({exc!r})") from None
        caption = att.title if utf16_len(att.title) <= CAPTION_LENGTH else None
        document = BufferedInputFile(made.content, filename=made.name)
        await self._call(SendDocument(chat_id=chat_id, document=document, caption=caption), chat_id)
        return None

    # -- updates in ----------------------------------------------------------------------------

    async def on_update(
        self, update: Update, relay: Relay, *, reply: WebhookReply | None = None
    ) -> None:
        """Nothing is called on the Bot API before the update is known to be new: a redelivered
        copy must not answer a button again or strip the keyboard of the question just sent.
        With `reply` (a webhook), the button's answer, or a typed answer's keyboard removal, goes
        in the webhook's answer instead of a request of its own."""
        update_id = str(update.update_id)
        if (message := update.message) is not None:
            user = message.from_user
            if user is not None and user.is_bot:
                log.debug("telegram update %s from a bot ignored", update_id)
                return
            chat_id = str(message.chat.id)
            if message.chat.type != "private":
                await relay.group(self, chat_id, text=message.text, update_id=update_id)
                return
            if message.text is None:
                who = str(user.id) if user else chat_id
                await relay.unreadable(self, chat_id, user_id=who, update_id=update_id)
                return
            if self._for_another_bot(message.text):
                log.debug("telegram update %s: a command for another bot ignored", update_id)
                return
            inbound = InboundMessage(
                channel=CHANNEL,
                chat_id=chat_id,
                user_id=str(user.id) if user else chat_id,
                text=message.text,
                update_id=update_id,
                display_name=user.full_name[:100] if user else None,
            )
            await relay.process(self, inbound, first=lambda: self._retire(chat_id, reply=reply))
        elif (query := update.callback_query) is not None:
            pressed = query.message
            if query.data is None or query.from_user.is_bot:
                return
            if pressed is not None and pressed.chat.type != "private":
                await relay.group(self, str(pressed.chat.id), text=None, update_id=update_id)
                return
            chat_id = str(pressed.chat.id) if pressed is not None else str(query.from_user.id)
            inbound = InboundMessage(
                channel=CHANNEL,
                chat_id=chat_id,
                user_id=str(query.from_user.id),
                choice=query.data,
                update_id=update_id,
                display_name=query.from_user.full_name[:100],
            )
            pressed_id = pressed.message_id if pressed is not None else None

            async def first() -> None:
                answer = {"callback_query_id": query.id}
                answered = reply is not None and reply.take("answerCallbackQuery", answer)
                retire = self._retire(chat_id, pressed_id, reply=reply)  # before the reply looks
                if answered:
                    await retire
                else:
                    call = self._call_json("answerCallbackQuery", answer)
                    await asyncio.gather(quietly(call, "answer"), retire)

            await relay.process(self, inbound, first=first)

    def _for_another_bot(self, text: str) -> bool:
        """ "/me@other_bot": a command addressed to another bot (this one's name from getMe)."""
        m = _ADDRESSED.match(text)
        return m is not None and m.group(1).lower() != (self._username or "").lower()

    async def feed_webhook(self, payload: Any, relay: Relay) -> bool | bytes:
        """Handle a webhook body; False when it is not an update at all, else True or the Bot API
        call to answer the webhook with (JSON)."""
        update = parse_update(payload)
        if update is None:
            return False
        reply = WebhookReply()
        await self.on_update(update, relay, reply=reply)
        return reply.body or True

    # -- running -------------------------------------------------------------------------------

    async def start(self, relay: Relay) -> None:
        """Webhook mode: register the webhook now (and keep trying in the background if that
        fails). Polling mode: start the polling loop."""
        if self.webhook:
            if not await self._register_webhook():
                self._task = asyncio.create_task(self._keep_registering())
            await self._introduce()
        else:
            self._task = asyncio.create_task(self._poll(relay))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.bot.session.close()

    async def _introduce(self) -> None:
        t = Translator(self.config.locale)
        commands = [BotCommand(command=c, description=t(d)) for c, d in COMMANDS]
        try:
            me = await self._call(GetMe(), request_timeout=SETUP_TIMEOUT)
            self._username = getattr(me, "username", None)
            log.info("Telegram bot @%s ready (%s)", getattr(me, "username", "?"), self._mode())
        except ChannelError as exc:
            log.warning("Telegram getMe failed: %s", exc)
        try:
            await self._call(SetMyCommands(commands=commands), request_timeout=SETUP_TIMEOUT)
        except ChannelError as exc:
            log.warning("Telegram setMyCommands failed: %s", exc)

    def _mode(self) -> str:
        return "webhook" if self.webhook else "polling"

    async def _register_webhook(self) -> bool:
        method = SetWebhook(
            url=self.config.webhook_url or "",
            secret_token=self.config.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
        )
        try:
            await self._call(method, request_timeout=SETUP_TIMEOUT)
        except ChannelError as exc:
            log.error("Telegram setWebhook failed: %s", exc)
            return False
        log.info("Telegram webhook registered")
        return True

    async def _keep_registering(self) -> None:
        delay = 5.0
        while not await self._register_webhook():
            await asyncio.sleep(delay)
            delay = min(delay * 2, 300.0)

    async def _poll(self, relay: Relay) -> None:
        await self._introduce()
        offset: int | None = None
        delay = 1.0
        while True:
            began = time.monotonic()
            try:
                updates, offset = await self._fetch(offset)
            except TelegramConflictError as exc:
                log.warning("Telegram getUpdates conflict: %s", exc.message)
                if "webhook" in exc.message.lower():
                    # Left over from an earlier run in webhook mode; polling was asked for now.
                    await quietly(self._call(DeleteWebhook()), "deleteWebhook")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
                continue
            except Exception as exc:  # the loop must outlive any transient failure
                wait = retry_after(exc) or delay
                log.warning(
                    "Telegram getUpdates failed: %s; retrying in %.0f s", self._safe(exc), wait
                )
                await asyncio.sleep(wait)
                delay = min(delay * 2, 60.0)
                continue
            delay = 1.0
            if updates:
                await self._dispatch(updates, relay)
            elif (rest := MIN_POLL_INTERVAL - (time.monotonic() - began)) > 0:
                await asyncio.sleep(rest)

    async def _fetch(self, offset: int | None) -> tuple[list[Update], int | None]:
        """The next updates and the offset that confirms them; an update that cannot be read is
        skipped (and confirmed) rather than blocking every later one."""
        timeout = self.config.poll_timeout
        try:
            updates = await self.bot(
                GetUpdates(offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES),
                request_timeout=timeout + 15,
            )
            ids = [u.update_id for u in updates]
        except ClientDecodeError as exc:
            data = exc.data if isinstance(exc.data, dict) else {}
            raw = data.get("result") if data.get("ok") is True else None
            if not isinstance(raw, list):
                raise
            items = [r for r in raw if isinstance(r, dict) and isinstance(r.get("update_id"), int)]
            ids = [r["update_id"] for r in items]
            updates = [u for r in items if (u := parse_update(r)) is not None]
            if len(updates) < len(items):
                log.warning("%d telegram update(s) unreadable: skipped", len(items) - len(updates))
        return updates, (max(ids) + 1 if ids else offset)

    async def _dispatch(self, updates: list[Update], relay: Relay) -> None:
        """Chats run side by side; within a chat updates keep their order."""
        by_chat: dict[str, list[Update]] = {}
        for update in updates:
            by_chat.setdefault(_chat_key(update), []).append(update)

        async def run(chat_updates: list[Update]) -> None:
            for update in chat_updates:
                await reliably(
                    lambda u=update: self.on_update(u, relay),  # type: ignore[misc]
                    f"telegram update {update.update_id}",
                )

        await asyncio.gather(*(run(group) for group in by_chat.values()))

    # -- calls out -----------------------------------------------------------------------------

    def _retire(
        self, chat_id: str, pressed: int | None = None, *, reply: WebhookReply | None = None
    ) -> Awaitable[None]:
        """Remove the keyboard of the chat's last question (and of the pressed message), one of
        them in the webhook's answer when it is free. The live keyboard is taken at the call, not
        when the edit is awaited: a reply sent beside it must not find the same keyboard and
        remove it a second time."""
        ids = {self._keyboards.pop(chat_id, None), pressed} - {None}
        if reply is not None and ids:
            message_id = min(ids)
            edit = {"chat_id": chat_id, "message_id": message_id}
            if reply.take("editMessageReplyMarkup", edit):
                ids.discard(message_id)
        return self._remove_keyboards(chat_id, ids)

    async def _remove_keyboards(self, chat_id: str, ids: set[int]) -> None:
        for message_id in ids:
            edit = {"chat_id": chat_id, "message_id": message_id}
            call = self._call_json("editMessageReplyMarkup", edit, chat_id)
            await quietly(call, "removing a keyboard")

    async def _call(
        self,
        method: TelegramMethod[T],
        chat_id: str | None = None,
        *,
        request_timeout: int | None = None,
    ) -> T:
        """One Bot API call: 429 waits for retry_after and tries again; a blocked bot is
        RecipientGone; any other failure is a ChannelError that is safe to log."""
        call = partial(self.bot, method, request_timeout=request_timeout)
        return cast(T, await self._attempts(method.__api_method__, call, chat_id))

    async def _call_json(
        self, name: str, params: dict[str, Any], chat_id: str | None = None
    ) -> Any:
        """A call of the turn (telegram_session.PLAIN_CALLS) with plain JSON values, as _call."""
        session = cast(JsonSession, self.bot.session)
        return await self._attempts(
            name, partial(session.call_json, self.bot, name, params), chat_id
        )

    async def _attempts(
        self, name: str, call: Callable[[], Awaitable[Any]], chat_id: str | None
    ) -> Any:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await call()
            except ClientDecodeError as exc:
                data = exc.data
                if isinstance(data, dict) and data.get("ok") is True:
                    return None  # done; the reply was just odd
                raise ChannelError(f"{name}: unreadable reply") from None
            except AiogramError as exc:
                wait = retry_after(exc)
                if wait is not None and attempt < ATTEMPTS:
                    log.warning("Telegram %s: flood control, retrying in %d s", name, wait)
                    await asyncio.sleep(wait)
                    continue
                if chat_id is not None and blocked(exc):
                    raise RecipientGone(CHANNEL, chat_id, self._safe(exc)) from None
                raise ChannelError(f"{name}: {self._safe(exc)}") from None
        raise AssertionError("unreachable")

    def _safe(self, exc: BaseException) -> str:
        return redact(exc, self.config.token)


def _message_id(sent: Any) -> int | None:
    """The id of a message sent: from the Bot API's JSON, or aiogram's Message."""
    if isinstance(sent, dict):
        value = sent.get("message_id")
        return value if isinstance(value, int) else None
    return getattr(sent, "message_id", None)


def _chat_key(update: Update) -> str:
    if update.message is not None:
        return str(update.message.chat.id)
    if (query := update.callback_query) is not None:
        return str(query.message.chat.id if query.message else query.from_user.id)
    return ""
