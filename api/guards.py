"""Refuse input the app cannot take, before it reaches a handler.

A body nested deeper than MAX_DEPTH is answered 400 before anything parses it: `json.loads`
recurses once per level, so some thousands of `[` are a RecursionError (a 500) wherever the body
is parsed — here, in FastAPI, in a webhook. No request the API documents nests past a few levels.

PostgreSQL text cannot contain NUL (U+0000): a query such as `WHERE code = '\\x00'` fails in the
driver, which would surface as a 500. No legitimate request carries one, so a NUL anywhere in the
path, the query string or a JSON / form body is answered 422 like any other invalid parameter.

A body over MAX_BODY is answered 413 as soon as its Content-Length says so, or once that much has
arrived, before routing or authentication: the reverse proxy allows 1 MiB (docs/deploy.md), and
nothing else stops a caller from making the process hold whatever it sends.

The webhooks read their own body, after checking their secret (api/webhooks.py): a caller
without it must get 401 whatever it sends, and its body is never parsed. Multipart bodies (the
unit CSV upload, up to 5 MB) are left to their route, which caps what it reads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from itertools import accumulate, dropwhile
from typing import Any
from urllib.parse import parse_qsl

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NUL = "\x00"
_JSON_NUL = b"\\u0000"
MAX_DEPTH = 64  # levels of [ and {; the deepest body the API takes has 3
MAX_BODY = 1024 * 1024  # bytes; the largest JSON or form body the API takes is a few KB
WEBHOOKS = "/webhooks/"  # api/webhooks.py's prefix
# A JSON string, escapes included; the closing quote is optional so that an unclosed string
# matches to the end instead of being retried from every later quote (quadratic on `"\"\"\"…`).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_BRACKETS = bytes.maketrans(b"{}", b"[]")  # for depth, { is [
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
_STEP = [0] * 256
_STEP[ord("[")], _STEP[ord("]")] = 1, -1


def too_deep(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON in `body` nests deeper than `limit` (brackets inside strings do not count).
    It runs on every request: a count first, then regexes, translate and a running sum, all in C
    (a few ms for 1 MB of brackets)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    brackets = _STRING.sub(b"", body).translate(_BRACKETS, _NOT_BRACKETS)
    # Dropping the innermost pairs shrinks a wide body to little and lowers the deepest point by
    # exactly one (the deepest [ is followed by its ]; an unclosed one is invalid JSON anyway).
    # A ] before its [ only lowers the sum: json.loads stops at it.
    depths = accumulate(map(_STEP.__getitem__, brackets.replace(b"[]", b"")))
    return next(dropwhile((limit - 1).__ge__, depths), None) is not None


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
    """Refuses too large bodies (413), too deep ones (400), then NUL (422). Pure ASGI middleware:
    the body is read once and replayed to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        bad: list[list[str | int]] = []
        path = scope.get("path", "")
        if NUL in path:
            bad.append(["path"])
        bad += _form_locations(scope.get("query_string", b"").decode("latin-1"), "query")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        content_type = headers.get("content-type", "").lower()
        messages: list[Message] = []
        # Any content type: FastAPI parses "application/foo+json" and a charset-less JSON alike;
        # only multipart (a CSV upload) is not JSON and may be large.
        if not path.startswith(WEBHOOKS) and not content_type.startswith("multipart/"):
            body = await _read(receive, messages, headers.get("content-length", ""))
            if body is None:
                await JSONResponse({"error": "body_too_large"}, status_code=413)(
                    scope, receive, send
                )
                return
            if too_deep(body):
                await JSONResponse({"error": "too_deep"}, status_code=400)(scope, receive, send)
                return
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


def document_refusals(schema: dict[str, Any]) -> dict[str, Any]:
    """Add what the guards refuse on every operation to an OpenAPI schema (in place)."""
    error = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
    refusals = {
        "400": ("The body is not UTF-8, or is JSON nested deeper than 64 levels", error),
        "413": ("The body is over 1 MiB", error),
        "422": ("Invalid input, such as a NUL character in the path, query or body", error),
    }
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, (description, body) in refusals.items():
                content = {"application/json": {"schema": body}}
                responses.setdefault(status, {"description": description, "content": content})
    return schema


async def _read(
    receive: Receive, messages: list[Message], content_length: str, limit: int = MAX_BODY
) -> bytes | None:
    """The whole body, or None as soon as it is known to be over `limit` (the rest is not read)."""
    if content_length.isdecimal() and int(content_length) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed
