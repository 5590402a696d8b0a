"""A small client for the Zalo Bot Platform API: POST {base}/bot{token}/{method} with JSON.

Every reply's `ok` is checked (HTTP 200 alone means nothing); the token, which travels inside the
URL, never reaches a log line or an error message.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

DEFAULT_BASE = "https://bot-api.zaloplatforms.com"
NO_UPDATE = 408  # getUpdates: the long poll ended without an update
CALL_TIMEOUT = 15.0  # seconds, for every call but the long poll
_LOGGERS = ("httpx", "httpcore")


class ZaloError(Exception):
    """A failed call: `code` is the API's error_code (or the HTTP status, or None for transport)."""

    def __init__(self, method: str, code: int | None, description: str, retry_after: float = 0):
        super().__init__(f"{method}: {code or 'no reply'} {description}".strip())
        self.method = method
        self.code = code
        self.description = description
        self.retry_after = retry_after


class _RedactToken(logging.Filter):
    """httpx logs each request URL at INFO; the URL holds the token."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token and self.token in message:
            record.msg, record.args = message.replace(self.token, "***"), ()
        return True


class ZaloClient:
    def __init__(
        self,
        token: str,
        base: str = DEFAULT_BASE,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._token = token
        self._base = base.rstrip("/")
        self._transport = transport
        self._http: httpx.AsyncClient | None = None
        self._filter = _RedactToken(token)

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:  # opened lazily, so a stopped channel can be started again
            self._http = httpx.AsyncClient(transport=self._transport, timeout=CALL_TIMEOUT)
            for name in _LOGGERS:
                logging.getLogger(name).addFilter(self._filter)
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
            for name in _LOGGERS:
                logging.getLogger(name).removeFilter(self._filter)

    async def call(
        self, method: str, body: dict[str, Any] | None = None, *, seconds: float | None = None
    ) -> Any:
        """The call's `result`; ZaloError when the transport fails or the reply is not ok."""
        url = f"{self._base}/bot{self._token}/{method}"
        try:
            response = await self._client().post(
                url, json=body or {}, timeout=seconds or CALL_TIMEOUT
            )
        except httpx.HTTPError as exc:  # str(exc) may hold the URL: only the type is kept
            raise ZaloError(method, None, type(exc).__name__) from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise ZaloError(method, response.status_code, "reply is not a JSON object")
        if data.get("ok") is not True:
            code = data.get("error_code")
            params = data.get("parameters") if isinstance(data.get("parameters"), dict) else {}
            retry_after = params.get("retry_after") or data.get("retry_after") or 0
            raise ZaloError(
                method,
                code if isinstance(code, int) else response.status_code,
                str(data.get("description") or ""),
                float(retry_after) if isinstance(retry_after, int | float) else 0.0,
            )
        return data.get("result")

    async def get_me(self) -> dict[str, Any]:
        return await self.call("getMe")

    async def get_updates(self, wait: int) -> Any:
        """One update (a dict), or None when a long poll of `wait` seconds ended empty."""
        try:
            return await self.call("getUpdates", {"timeout": wait}, seconds=wait + 10)
        except ZaloError as exc:
            if exc.code == NO_UPDATE:
                return None
            raise

    async def set_webhook(self, url: str, secret_token: str) -> Any:
        return await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> Any:
        return await self.call("deleteWebhook")

    async def get_webhook_info(self) -> Any:
        return await self.call("getWebhookInfo")

    async def send_message(self, chat_id: str, text: str) -> Any:
        return await self.call("sendMessage", {"chat_id": chat_id, "text": text})

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> Any:
        return await self.call("sendChatAction", {"chat_id": chat_id, "action": action})
