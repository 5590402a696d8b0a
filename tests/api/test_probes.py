"""Security probes against the API: crafted ids and crafted bodies get a 4xx, never a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import Tokens, bearer

# "³" passes str.isdigit() but int() refuses it; "٢" (Arabic-Indic two) int() reads as 2.
NOT_ASCII = ["%C2%B3", "%D9%A2"]


@pytest.mark.parametrize("key", NOT_ASCII)
async def test_a_submission_id_in_other_digits_is_not_found(
    client: httpx.AsyncClient, fixture_data: Tokens, key: str
) -> None:
    auth = bearer(fixture_data.province)
    assert (await client.get("/api/v1/submissions/2", headers=auth)).status_code == 200
    r = await client.get(f"/api/v1/submissions/{key}", headers=auth)
    assert (r.status_code, r.json()) == (404, {"error": "not_found"})
    decision = {"decision": "approve"}
    r = await client.post(f"/api/v1/submissions/{key}/decision", headers=auth, json=decision)
    assert (r.status_code, r.json()) == (404, {"error": "not_found"})


DEEP = b"[" * 100_000 + b"]" * 100_000
# Each way the body could reach a JSON parser: the NUL guard, FastAPI's body, a route's read.
BODIES = [b'{"a":"\\u0000","x":' + DEEP + b"}", b'{"x":' + DEEP + b"}"]
TYPES = [None, "application/json", "application/vnd.x+json; charset=utf-8", "text/plain"]
CALLS = [("GET", "/api/v1/units"), ("POST", "/api/v1/submissions/2/decision")]


async def test_a_too_deep_body_is_refused_with_400_before_anything_else(
    client: httpx.AsyncClient, fixture_data: Tokens
) -> None:
    for method, path in CALLS:
        for auth in ({}, bearer(fixture_data.province)):  # before the token is looked at too
            for body in BODIES:
                for content_type in TYPES:
                    headers = {**auth, **({"content-type": content_type} if content_type else {})}
                    r = await client.request(method, path, content=body, headers=headers)
                    assert (r.status_code, r.json()) == (400, {"error": "too_deep"}), headers
    r = await client.post("/simulator/api/messages", content=BODIES[0])
    assert (r.status_code, r.json()) == (400, {"error": "too_deep"})
    # The bound is 64 levels; brackets inside strings are text, not nesting.
    auth = bearer(fixture_data.province)
    deepest = b'{"x":' + b"[" * 63 + b"]" * 63 + b"}"
    r = await client.request("GET", "/api/v1/units", content=deepest, headers=auth)
    assert r.status_code == 200
    r = await client.request("GET", "/api/v1/units", content=b"[" + deepest + b"]", headers=auth)
    assert r.status_code == 400
    reason = '{"decision": "return", "reason": "%s"}' % ("[" * 100 + '\\"' + "{" * 100)
    json_auth = {**auth, "content-type": "application/json"}
    r = await client.post("/api/v1/submissions/2/decision", content=reason, headers=json_auth)
    assert r.status_code in (200, 409), r.text  # read: decided now, or already


def test_every_operation_documents_the_guards_refusals() -> None:
    from api.app import create_app
    from bot.services import build_services
    from bot.settings import Settings

    services = build_services(
        Settings(database_url="sqlite+aiosqlite://", secret_key="test-secret-key")  # type: ignore[arg-type]
    )
    for path, operations in create_app(services).openapi()["paths"].items():
        for method, operation in operations.items():
            assert {"400", "422"} <= set(operation["responses"]), (method, path)
