"""Refuse input no column can hold, before it reaches a handler.

PostgreSQL text cannot contain NUL (U+0000): a query such as `WHERE code = '\\x00'` fails in the
driver, which would surface as a 500. No legitimate request carries one, so a NUL anywhere in the
path, the query string or a JSON / form body is answered 422 like any other invalid parameter.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NUL = "\x00"
_JSON_NUL = b"\\u0000"


def nul_locations(value: Any, loc: list[str | int]) -> Iterator[list[str | int]]:
    """Where a NUL occurs in a decoded JSON value (keys included)."""
    if isinstance(value, str):
        if NUL in value:
            yield loc
    elif isinstance(value, dict):
        for k, v in value.items():
            if NUL in str(k):
                yield [*loc, str(k)]
            else:
                yield from nul_locations(v, [*loc, str(k)])
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from nul_locations(v, [*loc, i])


def _form_locations(text: str, where: str) -> list[list[str | int]]:
    pairs = parse_qsl(text, keep_blank_values=True)
    return [[where, k] for k, v in pairs if NUL in k or NUL in v]


def _body_locations(body: bytes, content_type: str) -> list[list[str | int]]:
    if "json" in content_type:
        if _JSON_NUL not in body and b"\x00" not in body:
            return []  # JSON writes a NUL in a string or key only as \u0000: none here
        try:
            data = json.loads(body)
        except ValueError:  # malformed JSON is the route's 422 to give
            return []
        return list(nul_locations(data, ["body"]))
    if content_type.startswith("application/x-www-form-urlencoded"):
        return _form_locations(body.decode("latin-1"), "body")
    return []


class RejectNul:
    """Pure ASGI middleware (the body is read once and replayed to the app)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        bad: list[list[str | int]] = []
        if NUL in scope.get("path", ""):
            bad.append(["path"])
        bad += _form_locations(scope.get("query_string", b"").decode("latin-1"), "query")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        content_type = headers.get("content-type", "").lower()
        messages: list[Message] = []
        if "json" in content_type or "form-urlencoded" in content_type:
            body = b""
            while True:
                message = await receive()
                messages.append(message)
                if message["type"] != "http.request":
                    break
                body += message.get("body", b"")
                if not message.get("more_body", False):
                    break
            bad += _body_locations(body, content_type)
        if bad:
            errors = [
                {"loc": loc, "msg": "NUL characters are not allowed", "type": "nul_character"}
                for loc in bad
            ]
            response = JSONResponse({"error": "invalid_request", "detail": errors}, status_code=422)
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(messages, receive) if messages else receive, send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed
