"""Logging set-up for every command: plain lines or one JSON object per line
(CHUNGTAY_LOG_FORMAT=json), and a filter that keeps bot tokens and personal data out of the log.

Tokens travel inside Bot API URLs (`/bot123456:ABC.../sendMessage` for Telegram and Zalo alike)
and surface in library log lines and error messages; phone numbers and names are what people type
and what their chat profiles carry. The filter sits on the handler, so it sees every record of
every logger (ours, uvicorn's, aiogram's, httpx's) after its arguments are merged.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal

MASK = "***"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# `/bot<token>/` in any URL, whatever the token looks like.
_URL_TOKEN = re.compile(r"(/bot)[^/\s\"'?#]+")
# A Telegram token on its own: bot id, colon, 30+ characters of secret.
_BARE_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{20,}")
# Vietnamese phone numbers: 0, 84, +84, (+84) or 0084, then 9-10 digits with spaces, dots or dashes
# between groups (not right after a leading 0, so 0.123456789 stays a number). Also as they
# arrive in a URL's query string, which the access log keeps as sent: `+` as %2B, a space as
# `+` or %20, a dot or dash as %2E / %2D.
_SEP = r"(?:[\s.+-]|%2[0DE])"
# Not inside a longer number or id; right after an encoded space or plus is a fresh start. Letters
# glued in front ("sdt0912345678") are matched from the word's start, as `word`, and kept: a word
# with a digit before the number (a hex id) does not match.
_BEFORE = r"(?:(?<=%20)|(?<=%2B)|(?<![\w.%]))(?P<word>[^\W\d_]*)"
# After it, a full stop that ends a sentence, not one that makes a decimal.
_AFTER = r"(?!\w|\.\d)"
_PHONE = re.compile(
    rf"{_BEFORE}(?:(?:\(|%28)?(?:\+|%2B|00)?84(?:\)|%29)?{_SEP}?|0)\d(?:{_SEP}?\d){{7,9}}{_AFTER}",
    re.IGNORECASE,
)
# Any query parameter whose name ends in "token" (`?token=ct_…`, `&access_token=…`): the value
# is a credential, whatever it looks like.
_QUERY_TOKEN = re.compile(r"(?i)([?&;][\w.-]*token=)[^&#\s\"']*")
# A list's search (`?q=`): what an officer types there is a name, a phone number, or both.
_QUERY_SEARCH = re.compile(r"([?&;]q=)[^&#\s\"']*")
# A signed document link (documents/service.py): the link is the permission, for 24 hours.
_DOWNLOAD = re.compile(r"(/documents/download/)[^/\s\"'?#]+")
# An admin API token on its own (storage.api_tokens: "ct_" and 43 URL-safe characters).
_API_TOKEN = re.compile(r"\bct_[A-Za-z0-9_-]{30,}")
# Personal fields of chat payloads, in JSON ("first_name": "An") or repr form (first_name='An').
_PERSONAL_KEYS = (
    "first_name|last_name|full_name|username|display_name|name|head_name|text|caption|"
    "phone|phone_number"
)
_PERSONAL = re.compile(
    rf"""(?P<key>["']?\b(?:{_PERSONAL_KEYS})["']?\s*[:=]\s*)(?P<q>["'])(?:\\.|(?!(?P=q)).)*(?P=q)"""
)


class RedactFilter(logging.Filter):
    """Rewrites each record's message with tokens, phone numbers and personal fields masked."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Short values would mask ordinary words; real tokens and secrets are long.
        self.secrets = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        text = _URL_TOKEN.sub(rf"\1{MASK}", text)
        text = _BARE_TOKEN.sub(MASK, text)
        text = _QUERY_TOKEN.sub(rf"\1{MASK}", text)
        text = _QUERY_SEARCH.sub(rf"\1{MASK}", text)
        text = _DOWNLOAD.sub(rf"\1{MASK}", text)
        text = _API_TOKEN.sub(MASK, text)
        text = _PERSONAL.sub(lambda m: f"{m['key']}{m['q']}{MASK}{m['q']}", text)
        return _PHONE.sub(rf"\g<word>{MASK}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = self.redact(message), None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        record.exc_info = None  # the (redacted) text above is what gets printed
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


# Requests a page repeats on a timer: the simulator asks for its chat's pushed messages every 3 s,
# a line every 3 s for as long as a tab is open. Answered without error they are logged at DEBUG.
POLLED_PATHS = ("/simulator/api/inbox/",)


class QuietPolling(logging.Filter):
    """Moves uvicorn's access lines of polled paths to DEBUG (dropped unless DEBUG is on)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if record.name != "uvicorn.access" or not isinstance(args, tuple) or len(args) < 5:
            return True
        path, status = str(args[2]), args[4]
        if not path.startswith(POLLED_PATHS) or not isinstance(status, int) or status >= 400:
            return True
        record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        return logging.getLogger().isEnabledFor(logging.DEBUG)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, and the error if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["error"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure(
    level: str = "INFO",
    fmt: Literal["text", "json"] = "text",
    *,
    secrets: Iterable[str] = (),
    stream: Any = None,
) -> logging.Handler:
    """Replace the root handlers with one redacting handler; returns it (tests read its stream)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(QuietPolling())  # first: it reads the access line's arguments
    handler.addFilter(RedactFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("httpx", "apscheduler"):  # a line per Zalo call / per job run is noise
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # At DEBUG these write every SQL statement with its parameters: invite codes, names, the
    # replies' texts. Not even DEBUG may show those.
    for sql in ("aiosqlite", "sqlalchemy.engine", "asyncpg"):
        logging.getLogger(sql).setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # uvicorn's own handlers would bypass the filter: send its records to ours.
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate, logger.disabled = True, False
        logger.setLevel(logging.NOTSET)  # the root's level decides, as for every other logger
    return handler


def configure_from(settings: Any, *, stream: Any = None) -> logging.Handler:
    """Logging from Settings: level, format, and the configured tokens and secrets to mask."""
    secrets = [
        s.get_secret_value()
        for s in (
            settings.telegram_token,
            settings.zalo_token,
            settings.telegram_webhook_secret,
            settings.zalo_webhook_secret,
            settings.secret_key,
        )
        if s is not None
    ]
    return configure(settings.log_level, settings.log_format, secrets=secrets, stream=stream)
