"""Telegram wire details kept out of the adapter: reading updates, keyboards, error kinds."""

from __future__ import annotations

import copy
import re
import time
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import Update
from pydantic import ValidationError

from conversations.model import Choice

CALLBACK_DATA_LIMIT = 64  # bytes
_RETRY_AFTER = re.compile(r"retry after (\d+)", re.IGNORECASE)


def keyboard(choices: tuple[Choice, ...]) -> dict[str, Any] | None:
    """An inline keyboard as the Bot API's JSON: one button per choice, callback data = the
    choice id; short sets share one row. None when there are no choices, or an id is too long
    for callback data."""
    if not choices or any(len(c.id.encode()) > CALLBACK_DATA_LIMIT for c in choices):
        return None
    buttons = [{"text": c.label, "callback_data": c.id} for c in choices]
    if len(buttons) <= 3 and all(len(c.label) <= 12 for c in choices):
        return {"inline_keyboard": [buttons]}
    return {"inline_keyboard": [[b] for b in buttons]}


def parse_update(raw: Any, bot: Bot) -> Update | None:
    """An Update, or None when it cannot be read. A server that leaves out a field the Bot API
    calls required but this bot never uses (chat_instance, a date) is accepted all the same."""
    try:
        return Update.model_validate(raw, context={"bot": bot})
    except ValidationError:
        pass
    if not isinstance(raw, dict) or not isinstance(raw.get("update_id"), int):
        return None
    fixed = copy.deepcopy(raw)
    if isinstance(fixed.get("message"), dict):
        _fill_message(fixed["message"])
    query = fixed.get("callback_query")
    if isinstance(query, dict):
        query.setdefault("chat_instance", "")
        query.setdefault("id", str(fixed["update_id"]))
        _fill_user(query.get("from"))
        if isinstance(query.get("message"), dict):
            _fill_message(query["message"])
    try:
        return Update.model_validate(fixed, context={"bot": bot})
    except ValidationError:
        return None


def _fill_message(message: dict[str, Any]) -> None:
    message.setdefault("date", int(time.time()))
    message.setdefault("message_id", 0)
    chat = message.get("chat")
    if isinstance(chat, dict):
        chat.setdefault("type", "private")
    _fill_user(message.get("from"))


def _fill_user(user: Any) -> None:
    if isinstance(user, dict):
        user.setdefault("is_bot", False)
        user.setdefault("first_name", "")


def retry_after(exc: BaseException) -> int | None:
    """Seconds to wait for a 429, from its parameters or, failing that, its description."""
    if isinstance(exc, TelegramRetryAfter):
        return exc.retry_after
    if "too many requests" in str(exc).lower():
        m = _RETRY_AFTER.search(str(exc))
        return int(m.group(1)) if m else 1
    return None


def blocked(exc: BaseException) -> bool:
    """403: the user blocked the bot or deleted their account."""
    if isinstance(exc, TelegramForbiddenError):
        return True
    text = str(exc).lower()
    return "bot was blocked by the user" in text or "user is deactivated" in text
