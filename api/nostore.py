"""`Cache-Control: no-store` on every response that may carry personal data.

The admin API's lists and exports hold names and phone numbers, and the simulator holds whole
chats. A browser or proxy must keep none of it (a CSV left in a shared office computer's cache is
a leak); the other routes (health, metrics, webhooks, the dashboard's static files) decide their
own caching.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PRIVATE_PREFIXES = ("/api/", "/simulator/")
NO_STORE = "no-store"


class NoStore:
    """Pure ASGI middleware: adds the header to responses under PRIVATE_PREFIXES, errors too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PRIVATE_PREFIXES):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Cache-Control"] = NO_STORE
            await send(message)

        await self.app(scope, receive, send_no_store)
