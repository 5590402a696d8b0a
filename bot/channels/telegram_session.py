"""aiogram's aiohttp session with JSON request bodies.

The Bot API takes its parameters as a query string, a form, a multipart body or JSON. aiogram
sends a form: every nested value (a keyboard, a list of commands) serialised to JSON on its own
and the whole percent-encoded by urllib, field by field — a third of the server's time per turn
in bench/webhook.py went on the Bot API side. Here a call's parameters become one JSON document
(orjson) instead; a call that uploads a file keeps aiogram's multipart body, which is the only
way to send one."""

from __future__ import annotations

from typing import Any, cast

import orjson
from aiogram import Bot
from aiogram.client.default import Default
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import ClientError

JSON = {"Content-Type": "application/json"}


def _reject(value: Any) -> Any:
    """A value orjson cannot write natively: left to aiogram's own encoding of the call."""
    raise TypeError(type(value).__name__)


def json_body(bot: Bot, method: TelegramMethod[Any], *, named: bool = False) -> bytes | None:
    """The call's parameters as one JSON document, or None when aiogram's own encoding must be
    used: a file to upload, or a value whose encoding aiogram decides (a default taken from the
    bot's settings below the top level, a date). Top-level values are what the form would send:
    unset (None) left out, a default resolved from the bot's settings. `named` adds the method's
    name as "method", for a call made in the answer to a webhook."""
    params: dict[str, Any] = {"method": method.__api_method__} if named else {}
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


class WebhookReply:
    """The one Bot API call a webhook's answer may carry: Telegram makes it itself, which saves
    this server a request of its own. Its outcome is never known, so only a call whose failure
    would change nothing goes here (answering a button, taking an old keyboard off)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.body: bytes | None = None

    def take(self, method: TelegramMethod[Any]) -> bool:
        """True when the call will go in the answer; False when the answer is spoken for."""
        if self.body is not None:
            return False
        self.body = json_body(self.bot, method, named=True)
        return self.body is not None
