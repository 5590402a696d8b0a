"""The aggregates against the hand-computed fixture in tests/api/conftest.py."""

from __future__ import annotations

from typing import Any

import httpx

from bot.services import Services
from domain.calendar import monthly
from storage.db import transaction
from storage.periods import ensure_period
from tests.api.conftest import Tokens, bearer


def block(start: int, exited: int, fell_back: int, newly: int, end: int, rate: float | None):  # type: ignore[no-untyped-def]
    assert end == start - exited + fell_back + newly
    return {
        "start": start,
        "exited": exited,
        "fell_back": fell_back,
        "newly": newly,
        "end": end,
        "rate": rate,
    }


def figures(households: int, poor: dict, near: dict, em_poor: int = 0, em_near: int = 0):  # type: ignore[no-untyped-def,type-arg]
    return {
        "households": households,
        "poor": poor,
        "near_poor": near,
        "ethnic_minority_poor": em_poor,
        "ethnic_minority_near_poor": em_near,
    }


ZERO = figures(0, block(0, 0, 0, 0, 0, None), block(0, 0, 0, 0, 0, None))


async def get(client: httpx.AsyncClient, path: str, token: str, **params: str) -> Any:
    r = await client.get(f"/api/v1/reports/{path}", params=params, headers=bearer(token))
    assert r.status_code == 200, r.text
    return r.json()


def assert_balanced(rows: list[dict]) -> None:  # type: ignore[type-arg]
    for row in rows:
        for part in ("all", "rural", "urban"):
            for group in ("poor", "near_poor"):
                b = row[part][group]
                assert b["end"] == b["start"] - b["exited"] + b["fell_back"] + b["newly"]


async def test_commune_summary_by_hamlet(client: httpx.AsyncClient, fixture_data: Tokens) -> None:
    data = await get(client, "summary", fixture_data.giavien, unit="37-GIAVIEN", period="2026-11")
    assert data["unit"] == {"code": "37-GIAVIEN", "name": "Xã Gia Viễn", "level": "commune"}
    assert data["period"]["code"] == "2026-11"
    rows = data["rows"]
    assert [(r["unit"] or {}).get("code") for r in rows] == [
        "37-GIAVIEN-01",
        "37-GIAVIEN-02",
        "37-GIAVIEN-03",
        None,
    ]
    assert [r["total"] for r in rows] == [False, False, False, True]
    dong = figures(5, block(2, 1, 1, 1, 3, 60.0), block(0, 0, 0, 1, 1, 20.0), em_poor=2)
    # Thôn Tây entered 50 households; H's exit at 00:30 on 1 Dec (Hà Nội) is not November's.
    tay = figures(50, block(2, 1, 0, 0, 1, 2.0), block(1, 0, 0, 0, 1, 2.0), em_near=1)
    trung = figures(0, block(0, 0, 0, 0, 0, None), block(1, 1, 0, 0, 0, None))
    total = figures(55, block(4, 2, 1, 1, 4, 7.3), block(2, 1, 0, 1, 2, 3.6), 2, 1)
    assert [r["all"] for r in rows] == [dong, tay, trung, total]
    assert [r["rural"] for r in rows] == [dong, tay, trung, total]
    assert all(r["urban"] == ZERO for r in rows)
    assert_balanced(rows)


async def test_province_summary_by_commune_with_rural_urban_split(
    client: httpx.AsyncClient, fixture_data: Tokens
) -> None:
    data = await get(client, "summary", fixture_data.province, unit="37", period="2026-11")
    rows = data["rows"]
    assert [(r["unit"] or {}).get("code") for r in rows] == [
        "37-GIAVIEN",
        "37-HOALU",
        "37-KIMSON",
        None,
    ]
    one_poor = figures(1, block(1, 0, 0, 0, 1, 100.0), block(0, 0, 0, 0, 0, 0.0))
    assert rows[1]["urban"] == one_poor and rows[1]["rural"] == ZERO
    assert rows[2]["rural"] == one_poor and rows[2]["urban"] == ZERO
    total = rows[3]
    assert total["rural"] == figures(56, block(5, 2, 1, 1, 5, 8.9), block(2, 1, 0, 1, 2, 3.6), 2, 1)
    assert total["urban"] == one_poor
    assert total["all"] == figures(57, block(6, 2, 1, 1, 6, 10.5), block(2, 1, 0, 1, 2, 3.5), 2, 1)
    assert_balanced(rows)


async def test_summary_for_a_hamlet_and_an_annual_period_unknown(
    client: httpx.AsyncClient, fixture_data: Tokens
) -> None:
    data = await get(
        client, "summary", fixture_data.giavien, unit="37-GIAVIEN-03", period="2026-11"
    )
    assert [r["unit"] and r["unit"]["code"] for r in data["rows"]] == ["37-GIAVIEN-03", None]
    r = await client.get(
        "/api/v1/reports/summary",
        params={"unit": "37-GIAVIEN", "period": "2026", "kind": "annual"},
        headers=bearer(fixture_data.giavien),
    )
    assert r.status_code == 404


async def test_completeness(client: httpx.AsyncClient, fixture_data: Tokens) -> None:
    data = await get(
        client, "completeness", fixture_data.giavien, unit="37-GIAVIEN", period="2026-11"
    )
    got = [
        (
            (r["unit"] or {}).get("code"),
            r["expected"],
            r["received"],
            r["on_time"],
            r["late"],
            r["missing"],
            r["rate"],
        )
        for r in data["rows"]
    ]
    assert got == [
        ("37-GIAVIEN-01", 1, 1, 1, 0, 0, 100.0),
        ("37-GIAVIEN-02", 1, 1, 0, 1, 0, 100.0),
        ("37-GIAVIEN-03", 1, 0, 0, 0, 1, 0.0),
        (None, 3, 2, 1, 1, 1, 66.7),
    ]
    data = await get(client, "completeness", fixture_data.province, unit="37", period="2026-11")
    got = [
        ((r["unit"] or {}).get("code"), r["expected"], r["received"], r["rate"])
        for r in data["rows"]
    ]
    assert got == [
        ("37-GIAVIEN", 3, 2, 66.7),
        ("37-HOALU", 2, 0, 0.0),
        ("37-KIMSON", 2, 0, 0.0),
        (None, 7, 2, 28.6),
    ]


async def test_indicators_from_the_latest_approved_assessment(
    client: httpx.AsyncClient, fixture_data: Tokens
) -> None:
    data = await get(
        client, "indicators", fixture_data.giavien, unit="37-GIAVIEN", period="2026-11"
    )
    assert data["standard"] == "nd07-2021"
    got = {r["code"]: (r["poor"], r["near_poor"]) for r in data["rows"]}
    assert list(got) == [
        "employment",
        "dependants",
        "nutrition",
        "health_insurance",
        "adult_education",
        "child_schooling",
        "housing_quality",
        "housing_area",
        "water",
        "latrine",
        "telecom",
        "info_assets",
    ]
    assert got == {
        "employment": (1, 0),
        "dependants": (0, 0),
        "nutrition": (1, 0),
        "health_insurance": (2, 0),
        "adult_education": (0, 0),
        "child_schooling": (0, 0),
        "housing_quality": (0, 1),
        "housing_area": (1, 0),
        "water": (4, 1),
        "latrine": (2, 0),
        "telecom": (1, 0),
        "info_assets": (1, 0),
    }
    assert data["rows"][0]["name"]


async def test_indicators_of_an_earlier_period_from_the_assessments_before_its_end(
    client: httpx.AsyncClient, services: Services, fixture_data: Tokens
) -> None:
    """October: A, G and H were reassessed or decided since, so their October assessments
    count; B, F and J were not, and count as the household keeps them. C was out of poverty at
    the end and D not yet on a list."""
    async with transaction(services.sessionmaker) as db:
        await ensure_period(db, monthly(2026, 10))
    data = await get(
        client, "indicators", fixture_data.giavien, unit="37-GIAVIEN", period="2026-10"
    )
    got = {
        r["code"]: (r["poor"], r["near_poor"]) for r in data["rows"] if r["poor"] or r["near_poor"]
    }
    assert got == {
        "water": (4, 1),  # A, B, G, H; J
        "latrine": (3, 0),  # A, G, H
        "telecom": (2, 0),  # A, G
        "health_insurance": (1, 0),  # B
        "nutrition": (1, 0),  # B
        "housing_area": (1, 0),  # H
        "housing_quality": (0, 1),  # F
    }
