"""Input no column can hold (NUL) is refused as invalid, never a 500 from the database."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi.responses import JSONResponse
from starlette.types import Message, Receive, Scope, Send

from tests.api.conftest import Tokens, bearer

LIMIT = 1024 * 1024  # what the reverse proxy lets through (docs/deploy.md)


async def test_nul_in_a_query_parameter(client: httpx.AsyncClient, fixture_data: Tokens) -> None:
    r = await client.get(
        "/api/v1/reports/summary?unit=37%00&period=2026-11", headers=bearer(fixture_data.province)
    )
    assert r.status_code == 422
    assert r.json() == {
        "error": "invalid_request",
        "detail": [
            {
                "loc": ["query", "unit"],
                "msg": "NUL characters are not allowed",
                "type": "nul_character",
            }
        ],
    }
    r = await client.get("/api/v1/units", params={"parent": "\x00"})
    assert r.status_code == 422


async def test_nul_in_a_json_body(client: httpx.AsyncClient) -> None:
    r = await client.post("/simulator/api/messages", json={"chat_id": "c1", "text": "xin chào\x00"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "text"]
    r = await client.post("/simulator/api/messages", json={"chat_id": "c1", "text": "xin chào"})
    assert r.status_code == 200  # the body read by the guard still reaches the route
    assert r.json()["replies"]


async def test_http_errors_have_the_same_body_as_refusals(
    client: httpx.AsyncClient, tokens: Tokens
) -> None:
    r = await client.get("/api/v1/nowhere")
    assert (r.status_code, r.json()) == (404, {"error": "not_found"})
    r = await client.get(
        "/api/v1/units", params={"parent": "99-NOWHERE"}, headers=bearer(tokens.province)
    )
    assert (r.status_code, r.json()) == (404, {"error": "not_found"})
    r = await client.delete("/api/v1/reports/summary")
    assert (r.status_code, r.json()) == (405, {"error": "method_not_allowed"})
    assert r.headers["allow"] == "GET"


def test_refusals_are_documented() -> None:
    from api.app import create_app
    from bot.services import build_services
    from bot.settings import Settings

    services = build_services(
        Settings(database_url="sqlite+aiosqlite://", secret_key="test-secret-key")  # type: ignore[arg-type]
    )
    responses = create_app(services).openapi()["paths"]["/api/v1/reports/summary"]["get"][
        "responses"
    ]
    assert {"200", "401", "403", "404", "422"} <= set(responses)
    assert responses["403"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }


def test_json_bodies_are_scanned_only_when_they_can_hold_a_nul() -> None:
    from api.guards import _body_locations

    nul_key = b'{"a": [{"k\\u0000": 1}]}'
    assert _body_locations(nul_key, "application/json") == [["body", "a", 0, "k\x00"]]
    # The text backslash-u-0000 (an escaped backslash) is not a NUL.
    assert _body_locations(b'{"a": "\\\\u0000"}', "application/json") == []
    assert _body_locations(b'{"a": "xin ch\\u00e0o"}', "application/json") == []


def _scope(headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "POST",
        "path": "/healthz",
        "query_string": b"",
        "headers": headers,
    }


CHUNK = 64 * 1024


async def _guarded(
    headers: list[tuple[bytes, bytes]], chunks: int
) -> tuple[list[Message], int, bool]:
    """What RejectNul sends for a body of `chunks` pieces, how many it read, whether the app ran."""
    from api.guards import RejectNul

    sent: list[Message] = []
    read, reached = 0, False

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal reached
        reached = True
        await JSONResponse({})(scope, receive, send)

    async def receive() -> Message:
        nonlocal read
        read += 1
        return {"type": "http.request", "body": b"a" * CHUNK, "more_body": read < chunks}

    async def send(message: Message) -> None:
        sent.append(message)

    await RejectNul(app)(_scope(headers), receive, send)
    return sent, read, reached


async def test_a_body_over_1_mib_is_refused_without_reading_it_all() -> None:
    # 8 MiB sent in pieces with no length announced (chunked): reading stops past 1 MiB.
    sent, read, reached = await _guarded([(b"content-type", b"text/plain")], chunks=128)
    assert sent[0]["status"] == 413 and json.loads(sent[1]["body"]) == {"error": "body_too_large"}
    assert read * CHUNK <= LIMIT + CHUNK and not reached
    # An announced length over the limit: nothing of the body is read.
    headers = [(b"content-type", b"application/json"), (b"content-length", b"8388608")]
    sent, read, reached = await _guarded(headers, chunks=128)
    assert (sent[0]["status"], read, reached) == (413, 0, False)
    # Up to the limit, the body still reaches the app.
    sent, read, reached = await _guarded([(b"content-type", b"text/plain")], chunks=16)
    assert (sent[0]["status"], read, reached) == (200, 16, True)


async def test_large_bodies_get_the_api_error_shape_and_smaller_ones_pass(
    client: httpx.AsyncClient,
) -> None:
    r = await client.post("/api/v1/units/import", content=b"[" + b" " * LIMIT + b"]")
    assert (r.status_code, r.json()) == (413, {"error": "body_too_large"})
    padded = b'{"chat_id": "c1", "text": "xin ch\\u00e0o"' + b" " * (LIMIT - 100) + b"}"
    r = await client.post(
        "/simulator/api/messages", content=padded, headers={"content-type": "application/json"}
    )
    assert r.status_code == 200 and r.json()["replies"]
