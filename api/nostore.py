"""`Cache-Control: no-store` on every response that may carry personal data, and
`X-Content-Type-Options: nosniff` on every response.

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
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = scope["path"].startswith(PRIVATE_PREFIXES)

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # Every response is what its Content-Type says: a browser never sniffs a JSON
                # error or a CSV into a page that runs.
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if private:
                    headers["Cache-Control"] = NO_STORE
            await send(message)

        await self.app(scope, receive, send_no_store)
