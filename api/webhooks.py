"""Webhook endpoints for Telegram and Zalo: check the secret header, then hand the body to the
channel adapter. A wrong or missing secret gets 401 and nothing is read or processed: the guards
in api/guards.py leave these paths' bodies alone, so the checks on the body come after it here."""

from __future__ import annotations

import hmac
import logging
import math
from typing import TYPE_CHECKING, Any, cast

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

if TYPE_CHECKING:  # aiogram takes seconds to import: only processes that run Telegram pay it
    from bot.channels.telegram import TelegramChannel
    from bot.channels.zalo import ZaloChannel
from api.guards import too_deep
from bot.channels.relay import Busy
from bot.services import Services
from domain import jsontext
from storage.sessions import RepliesInFlight

log = logging.getLogger(__name__)
router = APIRouter(prefix="/webhooks", include_in_schema=False)
MAX_BODY = 1024 * 1024  # bytes; updates are a few KB
RETRY_AFTER = "5"  # seconds; a hint only, Telegram and Zalo retry on their own schedule

TELEGRAM_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ZALO_HEADER = "X-Bot-Api-Secret-Token"


def _secret_ok(request: Request, header: str, expected: str) -> bool:
    given = request.headers.get(header, "")
    # Constant time, so the secret cannot be guessed byte by byte from response times.
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


class TooDeep(ValueError):
    """Nested past api.guards.MAX_DEPTH: json.loads would recurse out of the stack."""


async def _body(request: Request) -> Any:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise ValueError("body too large")
    if too_deep(raw):
        raise TooDeep
    return jsontext.loads(raw)


def _services(request: Request) -> Services:
    return request.app.state.services


def _refused(status: int, error: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": error}, status_code=status)


def _busy(retry_after: float | None = None) -> JSONResponse:
    """The database is down: nothing was written and the chat was told; a 5xx makes the platform
    deliver the update again later."""
    response = _refused(503, "busy")
    response.headers["Retry-After"] = (
        str(math.ceil(retry_after)) if retry_after is not None else RETRY_AFTER
    )
    return response


async def _feed(request: Request, name: str, header: str) -> bool | bytes | Response:
    """The shared part of both webhooks: the channel in webhook mode, the secret header, the body,
    then the channel's feed_webhook. Its result (False: not an update), or the refusal to send."""
    services = _services(request)
    channel = cast("TelegramChannel | ZaloChannel | None", services.channels.get(name))
    if channel is None or not channel.webhook:
        return _refused(404, "not_configured")
    if not _secret_ok(request, header, channel.config.webhook_secret):
        return _refused(401, "unauthorized")
    try:
        payload = await _body(request)
    except TooDeep:
        return _refused(400, "too_deep")
    except ValueError:  # not JSON, not UTF-8, too large
        return _refused(400, "invalid_body")
    try:
        return await channel.feed_webhook(payload, services.relay)
    except Busy:
        return _busy()
    except RepliesInFlight as exc:
        # Handled, and its replies are being sent by a worker that may have died: ask for the
        # update again after the lease, when they are either confirmed or taken over here.
        return _busy(exc.retry_after)


@router.post("/telegram")
async def telegram(request: Request) -> Response:
    fed = await _feed(request, "telegram", TELEGRAM_HEADER)
    if isinstance(fed, Response):
        return fed
    if isinstance(fed, bytes):  # a Bot API call Telegram makes on the bot's behalf
        return Response(fed, media_type="application/json")
    if not fed:
        # Not an update we can read; refusing it would only make Telegram send it again.
        log.warning("telegram webhook body is not an update: ignored")
    return Response(status_code=200)  # a JSON body here would be read as a Bot API call


@router.post("/zalo")
async def zalo(request: Request) -> Response:
    fed = await _feed(request, "zalo", ZALO_HEADER)
    if isinstance(fed, Response):
        return fed
    if not fed:
        return _refused(400, "not_an_update")
    return JSONResponse({"ok": True})
