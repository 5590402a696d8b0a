"""Zalo (Zalo Bot Platform): updates in, replies out. No buttons: choices are a numbered list and
the engine maps "1", "số 1" or the label back to the choice. A translator only."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.channels.base import ChannelError, Files, RecipientGone, with_link
from bot.channels.relay import Relay, reliably
from bot.channels.render import numbered, split_text
from bot.channels.zalo_client import DEFAULT_BASE, ZaloClient, ZaloError
from conversations.model import Outbound
from domain.i18n import Translator
from handlers.inbound import InboundMessage

log = logging.getLogger(__name__)

CHANNEL = "zalo"
MAX_LENGTH = 2000
TEXT_EVENT = "message.text.received"
ATTEMPTS = 4  # per call, for 429
MIN_POLL_INTERVAL = 0.5  # seconds; guards against a server that answers getUpdates at once
UPDATE_ID_LIMIT = 128  # processed_updates.update_id


@dataclass(frozen=True)
class ZaloConfig:
    token: str
    api_base: str = DEFAULT_BASE
    webhook_url: str | None = None  # public URL given to setWebhook; None means polling
    webhook_secret: str = ""  # checked against X-Bot-Api-Secret-Token
    poll_timeout: int = 30


def _id(value: object) -> str:
    """Zalo ids are strings; accept numbers too, nothing else."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return str(value)


def _is_group(chat: dict[str, Any], sender_id: str) -> bool:
    """A group, or any chat that is not the sender's own: only private chats run flows."""
    kind = chat.get("chat_type")
    return (kind is not None and str(kind).upper() != "PRIVATE") or _id(chat.get("id")) != sender_id


def _keys(value: dict[str, Any]) -> str:
    return ", ".join(sorted(str(k)[:32] for k in value)[:12]) or "none"


def unwrap(payload: Any) -> dict[str, Any] | None:
    """A webhook body arrives bare or as {"ok": true, "result": {...}}."""
    if not isinstance(payload, dict):
        return None
    if "event_name" not in payload and isinstance(payload.get("result"), dict):
        return payload["result"]
    return payload


class ZaloChannel:
    name = CHANNEL
    buttons = False
    max_length = MAX_LENGTH

    def __init__(
        self, config: ZaloConfig, *, client: ZaloClient | None = None, files: Files | None = None
    ) -> None:
        self.config = config
        # The Bot Platform has no method to send a file (docs/zalo.md): a document goes as a
        # short-lived signed link in the text.
        self.files = files
        self.client = client or ZaloClient(config.token, config.api_base)
        self._task: asyncio.Task[None] | None = None

    @property
    def webhook(self) -> bool:
        return bool(self.config.webhook_url)

    # -- the channel contract ------------------------------------------------------------------

    async def send(self, chat_id: str, message: Outbound, *, locale: str = "vi") -> None:
        text = numbered(with_link(message, self.files, locale), Translator(locale))
        for part in split_text(text, self.max_length):
            if part.strip():
                await self._call(lambda p=part: self.client.send_message(chat_id, p), chat_id)  # type: ignore[misc]

    async def typing(self, chat_id: str) -> None:
        await self._call(lambda: self.client.send_chat_action(chat_id), chat_id)

    # -- updates in ----------------------------------------------------------------------------

    async def on_update(self, update: dict[str, Any], relay: Relay) -> None:
        event = update.get("event_name")
        message = update.get("message")
        if not isinstance(event, str) or not event:
            log.warning("zalo update without an event_name ignored (keys: %s)", _keys(update))
            return
        event = event[:64]
        if not isinstance(message, dict):
            log.info("zalo event %r without a message ignored", event)
            return
        sender = message.get("from") if isinstance(message.get("from"), dict) else {}
        chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
        if sender.get("is_bot") is True:
            log.debug("zalo event %r from a bot ignored", event)
            return
        sender_id, chat_id = _id(sender.get("id")), _id(chat.get("id"))
        if not sender_id or not chat_id:
            # Say what arrived: a chat or sender missing, or under another key ("sender").
            log.warning(
                "zalo event %r ignored: message without %s (message keys: %s)",
                event,
                " and ".join(
                    what for what, ok in (("chat.id", chat_id), ("from.id", sender_id)) if not ok
                ),
                _keys(message),
            )
            return
        message_id = _id(message.get("message_id"))
        if message_id:
            update_id = f"{event}:{message_id}"[:UPDATE_ID_LIMIT]
        else:  # no id to know a redelivery by: the message itself (its date, sender, text) is
            body = json.dumps(message, sort_keys=True, ensure_ascii=False, default=str)
            digest = hashlib.sha256(body.encode()).hexdigest()
            update_id = f"{event}:sha256:{digest}"[:UPDATE_ID_LIMIT]
        text = message.get("text")
        if _is_group(chat, sender_id):
            await relay.group(
                self, chat_id, text=text if isinstance(text, str) else None, update_id=update_id
            )
        elif event == TEXT_EVENT and isinstance(text, str):
            name = sender.get("display_name")
            await relay.process(
                self,
                InboundMessage(
                    channel=CHANNEL,
                    chat_id=chat_id,
                    user_id=sender_id,
                    text=text,
                    update_id=update_id,
                    display_name=name[:100] if isinstance(name, str) else None,
                ),
            )
        elif event.startswith("message."):  # image, sticker, voice, unsupported…
            await relay.unreadable(self, chat_id, user_id=sender_id, update_id=update_id)
        else:
            log.info("zalo event %r ignored", event)

    async def feed_webhook(self, payload: Any, relay: Relay) -> bool:
        """Handle a webhook body; False when it is not an update at all."""
        update = unwrap(payload)
        if update is None:
            return False
        await self.on_update(update, relay)
        return True

    # -- running -------------------------------------------------------------------------------

    async def start(self, relay: Relay) -> None:
        """Webhook mode: register the webhook now (retrying in the background if that fails).
        Polling mode: start the polling loop."""
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
        await self.client.aclose()

    def _mode(self) -> str:
        return "webhook" if self.webhook else "polling"

    async def _introduce(self) -> None:
        try:
            me = await self.client.get_me()
        except ZaloError as exc:
            log.warning("Zalo getMe failed: %s", exc)
            return
        name = me.get("account_name") or me.get("display_name") if isinstance(me, dict) else None
        log.info("Zalo bot %s ready (%s)", name or "?", self._mode())

    async def _register_webhook(self) -> bool:
        try:
            await self.client.set_webhook(self.config.webhook_url or "", self.config.webhook_secret)
        except ZaloError as exc:
            log.error("Zalo setWebhook failed: %s", exc)
            return False
        log.info("Zalo webhook registered")
        return True

    async def _keep_registering(self) -> None:
        delay = 5.0
        while not await self._register_webhook():
            await asyncio.sleep(delay)
            delay = min(delay * 2, 300.0)

    async def _drop_stale_webhook(self) -> None:
        """getUpdates does not work while a webhook is set; polling was asked for, so remove it."""
        try:
            info = await self.client.get_webhook_info()
            if isinstance(info, dict) and info.get("url"):
                log.warning("Zalo: a webhook is still registered; removing it to poll")
                await self.client.delete_webhook()
        except ZaloError as exc:
            log.debug("Zalo webhook check failed: %s", exc)

    async def _poll(self, relay: Relay) -> None:
        await self._introduce()
        await self._drop_stale_webhook()
        delay = 1.0
        while True:
            began = time.monotonic()
            try:
                result = await self.client.get_updates(self.config.poll_timeout)
            except ZaloError as exc:
                log.warning("Zalo getUpdates failed: %s; retrying in %.0f s", exc, delay)
                await asyncio.sleep(max(delay, exc.retry_after))
                delay = min(delay * 2, 60.0)
                continue
            delay = 1.0
            updates = result if isinstance(result, list) else [result] if result else []
            for update in updates:
                if isinstance(update, dict):
                    await reliably(lambda u=update: self.on_update(u, relay), "zalo update")  # type: ignore[misc]
            if not updates and (rest := MIN_POLL_INTERVAL - (time.monotonic() - began)) > 0:
                await asyncio.sleep(rest)

    # -- calls out -----------------------------------------------------------------------------

    async def _call(self, call: Callable[[], Awaitable[Any]], chat_id: str) -> Any:
        """429 waits and tries again; 403 is RecipientGone; other failures are ChannelError."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await call()
            except ZaloError as exc:
                if exc.code == 429 and attempt < ATTEMPTS:
                    wait = exc.retry_after or float(attempt)
                    log.warning("Zalo %s: rate limited, retrying in %.0f s", exc.method, wait)
                    await asyncio.sleep(wait)
                    continue
                if exc.code == 403:
                    raise RecipientGone(CHANNEL, chat_id, str(exc)) from None
                raise ChannelError(str(exc)) from None
        raise AssertionError("unreachable")
