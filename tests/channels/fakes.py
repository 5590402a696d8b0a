"""Fake Telegram Bot API and Zalo Bot API servers (aiohttp, 127.0.0.1:0): they record every call,
long-poll like the real ones, and answer an injected error to the next call of a method."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

TELEGRAM_TOKEN = "123456:TEST-telegram-token"
ZALO_TOKEN = "9876543210:TEST-zalo-token"
BOT_ID = 999


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str
    at: float
    failed: bool = False
    content_type: str = ""  # of the request body: application/json, multipart/form-data…


class FakeServer:
    """What both fakes share: routing, the call log, injected failures, waiting in tests."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: dict[str, deque[tuple[int, dict[str, Any]]]] = defaultdict(deque)
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Event()
        self.url = ""
        # Methods whose calls are never answered nor carried out (a worker dies waiting).
        self.hanging: set[str] = set()
        self.delays: dict[str, float] = {}  # seconds a method takes to answer

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._route)
        self._runner = web.AppRunner(app, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail(self, method: str, status: int, body: dict[str, Any], *, times: int = 1) -> None:
        """The next `times` calls of `method` get this reply instead of being carried out."""
        for _ in range(times):
            self.failures[method].append((status, body))

    def called(self, method: str, *, failed: bool | None = None) -> list[Call]:
        return [
            c for c in self.calls if c.method == method and (failed is None or c.failed == failed)
        ]

    async def wait_for(self, check: Callable[[], Any], within: float = 8.0) -> Any:
        """Poll `check` until it gives something truthy (the bot works in the background)."""
        for _ in range(int(within / 0.02)):
            if result := check():
                return result
            await asyncio.sleep(0.02)
        raise AssertionError(f"timed out; calls were: {[c.method for c in self.calls]}")

    def notify(self) -> None:
        self._changed.set()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        raise NotImplementedError

    async def _answer(self, call: Call) -> web.Response:
        raise NotImplementedError

    async def _route(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        token = request.match_info["token"]
        call = Call(method, params, token, time.monotonic(), content_type=request.content_type)
        self.calls.append(call)
        if method in self.delays:
            await asyncio.sleep(self.delays[method])
        if method in self.hanging:
            call.failed = True
            await asyncio.Event().wait()  # until the client goes away (handler cancellation)
        if self.failures[method]:
            call.failed = True
            status, body = self.failures[method].popleft()
            return web.json_response(body, status=status)
        return await self._answer(call)

    async def _long_poll(self, ready: Callable[[], Any], seconds: float) -> Any:
        """Like the real servers: answer as soon as there is an update, else after `seconds`."""
        try:
            async with asyncio.timeout(min(seconds, 2.0)):
                while True:
                    self._changed.clear()
                    if found := ready():
                        return found
                    await self._changed.wait()
        except TimeoutError:
            return ready()


class FakeTelegram(FakeServer):
    """Speaks enough of the Bot API for aiogram: form or JSON parameters, {"ok", "result"}."""

    JSON_FIELDS = ("reply_markup", "allowed_updates", "commands")

    def __init__(self) -> None:
        super().__init__()
        self.updates: list[dict[str, Any]] = []
        self._next_update = 1000
        self._next_message = 500

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        # Form fields, or a multipart upload (sendDocument): a file part becomes
        # {"filename", "content_type", "content"}.
        params: dict[str, Any] = {}
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                value = {
                    "filename": value.filename,
                    "content_type": value.content_type,
                    "content": value.file.read(),
                }
            params[key] = value
        # aiogram names the upload by reference: document="attach://<part name>".
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                params[key] = params.pop(value.removeprefix("attach://"), value)
        for key in self.JSON_FIELDS:
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    async def _answer(self, call: Call) -> web.Response:
        method, params = call.method, call.params
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            found = await self._long_poll(
                lambda: list(self.updates), float(params.get("timeout") or 0)
            )
            return self._ok(found or [])
        if method == "getMe":
            return self._ok(
                {
                    "id": BOT_ID,
                    "is_bot": True,
                    "first_name": "ChungTay",
                    "username": "chungtay_test_bot",
                }
            )
        if method == "sendDocument":
            upload = params.get("document")
            if not isinstance(upload, dict) or not upload.get("content"):
                call.failed = True
                return web.json_response(
                    {"ok": False, "error_code": 400, "description": "Bad Request: no file"},
                    status=400,
                )
            self._next_message += 1
            return self._ok(
                {
                    "message_id": self._next_message,
                    "date": int(time.time()),
                    "chat": {"id": int(params["chat_id"]), "type": "private", "first_name": "An"},
                    "document": {
                        "file_id": f"doc-{self._next_message}",
                        "file_unique_id": f"udoc-{self._next_message}",
                        "file_name": upload["filename"],
                        "mime_type": upload["content_type"],
                        "file_size": len(upload["content"]),
                    },
                    "caption": params.get("caption"),
                }
            )
        if method in ("sendMessage", "editMessageReplyMarkup"):
            if method == "sendMessage":
                self._next_message += 1
            message_id = int(params.get("message_id") or self._next_message)
            params.setdefault("message_id", message_id)  # so tests can press its buttons
            chat_id = int(params["chat_id"])
            message = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "An"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "ChungTay"},
                "text": params.get("text", ""),
            }
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            return self._ok(message)
        if method in (
            "answerCallbackQuery",
            "setMyCommands",
            "setWebhook",
            "deleteWebhook",
            "sendChatAction",
        ):
            return self._ok(True)
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    def _ok(self, result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    # -- what a user does ----------------------------------------------------------------------

    def _update_id(self) -> int:
        self._next_update += 1
        return self._next_update

    def text(self, text: str, *, user: int = 7001, name: str = "An") -> dict[str, Any]:
        return {
            "update_id": self._update_id(),
            "message": {
                "message_id": self._update_id(),
                "date": int(time.time()),
                "chat": {"id": user, "type": "private", "first_name": name},
                "from": {"id": user, "is_bot": False, "first_name": name, "language_code": "vi"},
                "text": text,
            },
        }

    def photo(self, *, user: int = 7001) -> dict[str, Any]:
        update = self.text("", user=user)
        del update["message"]["text"]
        update["message"]["photo"] = [
            {"file_id": "f1", "file_unique_id": "u1", "width": 90, "height": 90}
        ]
        return update

    def press(self, data: str, message_id: int, *, user: int = 7001) -> dict[str, Any]:
        return {
            "update_id": self._update_id(),
            "callback_query": {
                "id": f"cb{self._next_update}",
                "from": {"id": user, "is_bot": False, "first_name": "An"},
                "chat_instance": "ci-1",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": user, "type": "private", "first_name": "An"},
                    "from": {"id": BOT_ID, "is_bot": True, "first_name": "ChungTay"},
                    "text": "…",
                },
            },
        }

    def queue(self, update: dict[str, Any]) -> dict[str, Any]:
        """Make the update available to getUpdates (polling mode)."""
        self.updates.append(update)
        self.notify()
        return update

    def sent(self, user: int | None = None) -> list[dict[str, Any]]:
        """sendMessage calls that succeeded (an injected failure is not a message)."""
        return [
            c.params
            for c in self.called("sendMessage", failed=False)
            if user is None or int(c.params["chat_id"]) == user
        ]

    def documents(self, user: int | None = None) -> list[dict[str, Any]]:
        """sendDocument uploads that succeeded: chat_id, caption, document (name, type, bytes)."""
        return [
            c.params
            for c in self.called("sendDocument", failed=False)
            if user is None or int(c.params["chat_id"]) == user
        ]

    def buttons(self, params: dict[str, Any]) -> list[tuple[str, str]]:
        markup = params.get("reply_markup") or {}
        return [
            (b["text"], b["callback_data"])
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]


class FakeZalo(FakeServer):
    """The Zalo Bot Platform: JSON bodies, one update per getUpdates, error 408 when none."""

    def __init__(self) -> None:
        super().__init__()
        self.updates: deque[dict[str, Any]] = deque()
        self.webhook_url = ""
        self._next = 0

    async def _params(self, request: web.Request) -> dict[str, Any]:
        body = await request.read()
        return dict(json.loads(body)) if body else {}

    async def _answer(self, call: Call) -> web.Response:
        method, params = call.method, call.params
        if method == "getUpdates":
            found = await self._long_poll(
                lambda: bool(self.updates), float(params.get("timeout", 30))
            )
            if not found:
                return web.json_response(
                    {"ok": False, "error_code": 408, "description": "Request timeout"}
                )
            return self._ok(self.updates.popleft())
        if method == "getMe":
            return self._ok(
                {
                    "id": "bot-1",
                    "account_name": "Bot ChungTay",
                    "account_type": "BASIC",
                    "can_join_groups": False,
                }
            )
        if method == "sendMessage":
            text = params.get("text")
            if not isinstance(text, str) or not 1 <= len(text) <= 2000 or not params.get("chat_id"):
                call.failed = True
                return web.json_response(
                    {"ok": False, "error_code": 400, "description": "Bad request"}
                )
            self._next += 1
            return self._ok({"message_id": f"out-{self._next}", "date": int(time.time() * 1000)})
        if method == "sendChatAction":
            return web.json_response({"ok": True})
        if method in ("setWebhook", "deleteWebhook", "getWebhookInfo"):
            if method == "setWebhook":
                self.webhook_url = params.get("url", "")
            elif method == "deleteWebhook":
                self.webhook_url = ""
            return self._ok({"url": self.webhook_url, "updated_at": int(time.time() * 1000)})
        return web.json_response({"ok": False, "error_code": 404, "description": "Not found"})

    def _ok(self, result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    def event(
        self,
        event: str,
        *,
        user: str = "zu-1",
        text: str | None = None,
        message_id: str | None = None,
    ) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {
            "from": {"id": user, "display_name": "Trần Thị Bình", "is_bot": False},
            "chat": {"id": user, "chat_type": "PRIVATE"},
            "message_id": message_id or f"in-{self._next}",
            "date": int(time.time() * 1000),
        }
        if text is not None:
            message["text"] = text
        return {"event_name": event, "message": message}

    def text(
        self, text: str, *, user: str = "zu-1", message_id: str | None = None
    ) -> dict[str, Any]:
        return self.event("message.text.received", user=user, text=text, message_id=message_id)

    def queue(self, update: dict[str, Any]) -> dict[str, Any]:
        self.updates.append(update)
        self.notify()
        return update

    def sent(self, user: str | None = None) -> list[str]:
        return [
            c.params["text"]
            for c in self.called("sendMessage", failed=False)
            if user is None or c.params["chat_id"] == user
        ]
