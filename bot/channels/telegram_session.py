"""aiogram's aiohttp session with JSON request bodies.

The Bot API takes its parameters as a query string, a form, a multipart body or JSON. aiogram
sends a form: every nested value (a keyboard, a list of commands) serialised to JSON on its own
and the whole percent-encoded by urllib, field by field — a third of the server's time per turn
in bench/webhook.py went on the Bot API side. Here a call's parameters become one JSON document
(orjson) instead; a call that uploads a file keeps aiogram's multipart body, which is the only
way to send one.

The calls every turn makes (sendMessage, editMessageReplyMarkup, answerCallbackQuery,
sendChatAction) go further: `JsonSession.call_json` takes their parameters as plain JSON values
and gives back the result as the Bot API's JSON, without aiogram's pydantic models for the call
and its reply (~120 µs a call, measured). A failure is still read by aiogram, from the same
method built then, so it raises the same errors as any other call."""

from __future__ import annotations

from typing import Any, cast

from bot.channels import aiogram_loader  # noqa: F401  (first: aiogram's types built on first use)

# isort: split
import orjson
from aiogram import Bot
from aiogram.client.default import Default
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    SendChatAction,
    SendMessage,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiohttp import ClientError

JSON = {"Content-Type": "application/json"}
# The calls made with plain JSON values (call_json), and aiogram's method for each, which reads
# a failure of one.
PLAIN_CALLS: dict[str, type[TelegramMethod[Any]]] = {
    m.__api_method__: m
    for m in (SendMessage, EditMessageReplyMarkup, AnswerCallbackQuery, SendChatAction)
}


def _method(name: str, params: dict[str, Any]) -> TelegramMethod[Any]:
    """aiogram's method for a plain call: what its errors are read against."""
    return PLAIN_CALLS[name].model_validate(params)


def _reject(value: Any) -> Any:
    """A value orjson cannot write natively: left to aiogram's own encoding of the call."""
    raise TypeError(type(value).__name__)


def json_body(bot: Bot, method: TelegramMethod[Any]) -> bytes | None:
    """The call's parameters as one JSON document, or None when aiogram's own encoding must be
    used: a file to upload, or a value whose encoding aiogram decides (a default taken from the
    bot's settings below the top level, a date). Top-level values are what the form would send:
    unset (None) left out, a default resolved from the bot's settings."""
    params: dict[str, Any] = {}
    for key, value in method.model_dump(warnings=False, exclude_none=True).items():
        if isinstance(value, Default):
            value = bot.default[value.name]
            if value is None:
                continue
        params[key] = value
    try:
        # Anything orjson does not write natively (a file, a nested default) is refused; dates
        # too: aiogram sends them as Unix time, not ISO text.
        return orjson.dumps(params, default=_reject, option=orjson.OPT_PASSTHROUGH_DATETIME)
    except orjson.JSONEncodeError:
        return None


class JsonSession(AiohttpSession):
    """Bot API calls with an `application/json` body, replies read with orjson; multipart for
    uploads (and for anything else aiogram alone knows how to encode)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(json_loads=orjson.loads, **kwargs)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        body = json_body(bot, method)
        if body is None:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(
                url, data=body, headers=JSON, timeout=self.timeout if timeout is None else timeout
            ) as resp:
                raw = await resp.read()
        except TimeoutError as e:
            raise TelegramNetworkError(method=method, message="Request timeout error") from e
        except ClientError as e:
            raise TelegramNetworkError(method=method, message=f"{type(e).__name__}: {e}") from e
        response = self.check_response(
            bot=bot,
            method=method,
            status_code=resp.status,
            content=cast(str, raw),  # orjson reads the bytes as they came
        )
        return cast(TelegramType, response.result)

    async def call_json(
        self,
        bot: Bot,
        name: str,
        params: dict[str, Any],
        timeout: int | None = None,  # noqa: ASYNC109 - as make_request's
    ) -> Any:
        """One of PLAIN_CALLS with its parameters as plain JSON values (None left out by the
        caller, the bot's defaults not applied: ChungTay's bot has none): the result as JSON."""
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=name)
        try:
            async with session.post(
                url,
                data=orjson.dumps(params),
                headers=JSON,
                timeout=self.timeout if timeout is None else timeout,
            ) as resp:
                raw = await resp.read()
        except TimeoutError as e:
            raise TelegramNetworkError(
                method=_method(name, params), message="Request timeout error"
            ) from e
        except ClientError as e:
            raise TelegramNetworkError(
                method=_method(name, params), message=f"{type(e).__name__}: {e}"
            ) from e
        if resp.status == 200:
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError:
                data = None
            if isinstance(data, dict) and data.get("ok") is True:
                return data.get("result")
        # A failure, or a reply that is not what the Bot API sends: aiogram reads it.
        response = self.check_response(
            bot=bot,
            method=_method(name, params),
            status_code=resp.status,
            content=cast(str, raw),
        )
        return response.result


class WebhookReply:
    """The one Bot API call a webhook's answer may carry: Telegram makes it itself, which saves
    this server a request of its own. Its outcome is never known, so only a call whose failure
    would change nothing goes here (answering a button, taking an old keyboard off)."""

    def __init__(self) -> None:
        self.body: bytes | None = None

    def take(self, name: str, params: dict[str, Any]) -> bool:
        """True when the call (one of PLAIN_CALLS, plain JSON values) will go in the answer;
        False when the answer is spoken for."""
        if self.body is not None:
            return False
        self.body = orjson.dumps({"method": name, **params})
        return True
