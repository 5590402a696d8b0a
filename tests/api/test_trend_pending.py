"""The poverty-rate trend and the pending reviews behind the dashboard (tests/api/conftest.py
`dashboard_data` has the hand computation)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import Tokens, bearer


async def get(client: httpx.AsyncClient, path: str, token: str, **params: Any) -> httpx.Response:
    return await client.get(f"/api/v1/reports/{path}", params=params, headers=bearer(token))


def points(data: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (
            p["period"]["code"],
            p["households"],
            p["poor"],
            p["near_poor"],
            p["poor_rate"],
            p["near_poor_rate"],
        )
        for p in data["points"]
    ]


async def test_trend_per_period_for_a_commune_and_the_province(
    client: httpx.AsyncClient, dashboard_data: Tokens
) -> None:
    r = await get(client, "trend", dashboard_data.giavien, unit="37-GIAVIEN")
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["unit"]["code"] == "37-GIAVIEN" and data["kind"] == "monthly"
    # Oldest first; December 2026 exists but has not begun on 25 Nov.
    assert points(data) == [
        ("2026-10", 10, 4, 2, 40.0, 20.0),
        ("2026-11", 55, 4, 2, 7.3, 3.6),
    ]
    r = await get(client, "trend", dashboard_data.province, unit="37")
    assert points(r.json()) == [
        ("2026-10", 12, 6, 2, 50.0, 16.7),
        ("2026-11", 57, 6, 2, 10.5, 3.5),
    ]
    r = await get(client, "trend", dashboard_data.province, unit="37", limit=1)
    assert [p[0] for p in points(r.json())] == ["2026-11"]


async def test_trend_without_periods_is_empty_and_scoped(
    client: httpx.AsyncClient, tokens: Tokens
) -> None:
    r = await get(client, "trend", tokens.giavien, unit="37-GIAVIEN")
    assert r.status_code == 200 and r.json()["points"] == []
    r = await get(client, "trend", tokens.kimson, unit="37-GIAVIEN")
    assert r.status_code == 403 and r.json() == {"error": "forbidden"}
    r = await client.get("/api/v1/reports/trend", params={"unit": "37-GIAVIEN"})
    assert r.status_code == 401 and r.json() == {"error": "unauthorized"}
    r = await get(client, "trend", tokens.giavien, unit="37-GIAVIEN", limit=0)
    assert r.status_code == 422


def pending_rows(data: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (i["kind"], i["status"], i["household"]["head_name"], i["hamlet"]["code"])
        for i in data["items"]
    ]


async def test_pending_reviews_in_the_tokens_scope(
    client: httpx.AsyncClient, dashboard_data: Tokens
) -> None:
    r = await get(client, "pending", dashboard_data.giavien, unit="37-GIAVIEN")
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["total"] == 2
    assert pending_rows(data) == [
        ("newly_near_poor", "submitted", "E", "37-GIAVIEN-01"),
        ("exit_registration", "submitted", "B", "37-GIAVIEN-01"),
    ]
    assert all(i["ref"] and i["submitted_at"].startswith("2026-11-24") for i in data["items"])

    province = (await get(client, "pending", dashboard_data.province, unit="37")).json()
    assert province["total"] == 3
    assert [row[2] for row in pending_rows(province)] == ["E", "B", "K"]

    one = (await get(client, "pending", dashboard_data.giavien, unit="37-GIAVIEN", limit=1)).json()
    assert one["total"] == 2 and [row[2] for row in pending_rows(one)] == ["E"]

    # A hamlet's own list; submissions are filed under the commune.
    dong = (await get(client, "pending", dashboard_data.giavien, unit="37-GIAVIEN-01")).json()
    assert dong["total"] == 2
    tay = (await get(client, "pending", dashboard_data.giavien, unit="37-GIAVIEN-02")).json()
    assert tay == {"unit": tay["unit"], "total": 0, "items": []}

    kimson = (await get(client, "pending", dashboard_data.kimson, unit="37-KIMSON")).json()
    assert pending_rows(kimson) == [("exited_poverty", "submitted", "K", "37-KIMSON-01")]
    r = await get(client, "pending", dashboard_data.kimson, unit="37-GIAVIEN")
    assert r.status_code == 403
