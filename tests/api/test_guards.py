"""Input no column can hold (NUL) is refused as invalid, never a 500 from the database."""

from __future__ import annotations

import httpx

from tests.api.conftest import Tokens, bearer


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
