"""Bearer tokens: 401 without a valid one, 403 outside the token's subtree (audited)."""

from __future__ import annotations

import httpx
from sqlalchemy import select, update

from bot.services import Services
from storage.db import transaction
from storage.models import AuditLog
from storage.models_api import ApiToken
from tests.api.conftest import Tokens, bearer

SUMMARY = "/api/v1/reports/summary"


async def test_no_token_bad_token_and_revoked_token_are_401(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    params = {"unit": "37-GIAVIEN", "period": "2026-11"}
    for headers in ({}, bearer("ct_not-a-token"), {"Authorization": "Basic abc"}):
        r = await client.get(SUMMARY, params=params, headers=headers)
        assert r.status_code == 401, headers
        assert r.json() == {"error": "unauthorized"}
        assert r.headers["www-authenticate"] == "Bearer"
    async with transaction(services.sessionmaker) as db:
        await db.execute(update(ApiToken).values(revoked=True))
    r = await client.get(SUMMARY, params=params, headers=bearer(tokens.giavien))
    assert r.status_code == 401
    assert r.json() == {"error": "unauthorized"}


async def test_token_stored_only_hashed_and_marked_used(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    r = await client.get(
        "/api/v1/reports/completeness",
        params={"unit": "37-GIAVIEN", "period": "2026-11"},
        headers=bearer(tokens.giavien),
    )
    assert r.status_code == 404  # no such period yet: authorised, in scope
    assert r.json() == {"error": "not_found"}
    async with services.sessionmaker() as db:
        rows = (await db.execute(select(ApiToken))).scalars().all()
    assert all(tokens.giavien not in (t.token_hash) for t in rows)
    used = [t for t in rows if t.last_used_at is not None]
    assert len(used) == 1 and used[0].role == "officer"


async def test_commune_officer_reading_another_commune_is_403_and_audited(
    client: httpx.AsyncClient, services: Services, fixture_data: Tokens
) -> None:
    for path in (SUMMARY, "/api/v1/reports/indicators", "/api/v1/exports/summary.csv"):
        r = await client.get(
            path,
            params={"unit": "37-KIMSON", "period": "2026-11"},
            headers=bearer(fixture_data.giavien),
        )
        assert r.status_code == 403, path
        assert r.json() == {"error": "forbidden"}
    # Nor the province above it; a hamlet of its own commune is fine.
    r = await client.get(
        SUMMARY, params={"unit": "37", "period": "2026-11"}, headers=bearer(fixture_data.giavien)
    )
    assert r.status_code == 403
    r = await client.get(
        SUMMARY,
        params={"unit": "37-GIAVIEN-02", "period": "2026-11"},
        headers=bearer(fixture_data.giavien),
    )
    assert r.status_code == 200
    async with services.sessionmaker() as db:
        denied = (
            (await db.execute(select(AuditLog).where(AuditLog.action == "scope.denied")))
            .scalars()
            .all()
        )
    assert len(denied) == 4
    assert all(d.actor.startswith("api_token:") for d in denied)


async def test_province_token_reads_every_commune_and_unknown_unit_is_404(
    client: httpx.AsyncClient, fixture_data: Tokens
) -> None:
    for unit in ("37", "37-KIMSON", "37-HOALU-01"):
        r = await client.get(
            SUMMARY,
            params={"unit": unit, "period": "2026-11"},
            headers=bearer(fixture_data.province),
        )
        assert r.status_code == 200, unit
    r = await client.get(
        SUMMARY, params={"unit": "99", "period": "2026-11"}, headers=bearer(fixture_data.province)
    )
    assert r.status_code == 404
    assert r.json() == {"error": "not_found"}
    r = await client.get(SUMMARY, params={"unit": "37"}, headers=bearer(fixture_data.province))
    assert r.status_code == 422


async def test_openapi_documents_the_bearer_scheme_and_report_paths(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    for path in (
        "/api/v1/reports/summary",
        "/api/v1/reports/completeness",
        "/api/v1/reports/indicators",
        "/api/v1/exports/summary.csv",
        "/api/v1/exports/completeness.csv",
        "/api/v1/exports/indicators.csv",
    ):
        assert path in doc["paths"], path
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
