"""Chung tay over the API: supporters, supports (once per key), helpers, plans, the gaps report
and the household's detail; every call scoped by the token."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from bot.services import Services
from storage.models_register import Household
from tests.api.conftest import Tokens, bearer, make_token
from tests.support import assess_household, make_household

GIAVIEN = "37-GIAVIEN"


async def _households(services: Services) -> dict[str, int]:
    """Lê Thị Mai (poor, Thôn Đông: lacks health insurance and a latrine, no capital) and
    Lý Văn Khoa (poor, Xóm Bắc of Kim Sơn: lacks water)."""
    mai = await make_household(services, "37-GIAVIEN-01", "Lê Thị Mai", 4, "poor")
    await assess_household(
        services, mai, "nd07-2021", ["health_insurance", "latrine"], ["no_capital"]
    )
    await make_household(services, "37-KIMSON-01", "Lý Văn Khoa", 3, "poor")
    async with services.sessionmaker() as db:
        rows = (await db.execute(select(Household))).scalars().all()
    return {h.head_name: h.id for h in rows}  # type: ignore[misc]


async def _post(
    client: httpx.AsyncClient, token: str, path: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.post(path, json=body, headers=bearer(token))


async def test_record_a_support_assign_a_helper_and_plan_the_way_out(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    ids = await _households(services)
    mai, gv = ids["Lê Thị Mai"], tokens.giavien
    r = await _post(
        client,
        gv,
        "/api/v1/supporters",
        {"unit": GIAVIEN, "name": "Hội Phụ nữ xã", "kind": "women_union"},
    )
    assert r.status_code == 201, r.text
    women = r.json()
    assert women["commune_code"] == GIAVIEN and women["kind"] == "women_union"
    r = await _post(client, gv, "/api/v1/supporters", {"unit": GIAVIEN, "name": "hoi phu NU xa"})
    assert r.status_code == 200 and r.json()["id"] == women["id"]  # the same, by its name

    support = {
        "household_id": mai,
        "supporter_id": women["id"],
        "kind": "cash",
        "value": 1_200_000,
        "given_on": "2026-11-20",
        "idempotency_key": "tet-2026-mai",
    }
    first = await _post(client, gv, "/api/v1/supports", support)
    assert first.status_code == 201, first.text
    again = await _post(client, gv, "/api/v1/supports", support)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert first.json()["supporter"] == "Hội Phụ nữ xã" and first.json()["value"] == 1_200_000
    # By name: a new supporter joins the commune's list; a card needs no value.
    r = await _post(
        client,
        gv,
        "/api/v1/supports",
        {
            "household_id": mai,
            "supporter_name": "Đoàn Thanh niên",
            "supporter_kind": "youth_union",
            "kind": "health_insurance_card",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["given_on"] == "2026-11-25"  # today in Hà Nội
    for body, error in (
        ({**support, "idempotency_key": None, "value": None}, "value_required"),
        ({**support, "idempotency_key": None, "kind": "job"}, "value_not_applicable"),
        ({**support, "idempotency_key": None, "given_on": "2026-12-01"}, "date_in_future"),
        ({**support, "idempotency_key": None, "supporter_id": None}, "supporter_required"),
    ):
        r = await _post(client, gv, "/api/v1/supports", body)
        assert (r.status_code, r.json()) == (422, {"error": error}), body
    r = await _post(client, gv, "/api/v1/supports", {**support, "kind": "cow"})
    assert r.status_code == 422  # not a kind of the list (the schema's enum)

    r = await client.get("/api/v1/supports", params={"household": mai}, headers=bearer(gv))
    assert [(s["kind"], s["supporter"]) for s in r.json()["items"]] == [
        ("health_insurance_card", "Đoàn Thanh niên"),
        ("cash", "Hội Phụ nữ xã"),
    ]
    r = await client.get("/api/v1/supporters", headers=bearer(gv))
    assert [s["name"] for s in r.json()["items"]] == ["Đoàn Thanh niên", "Hội Phụ nữ xã"]

    # The gaps: the card addresses health insurance; the latrine and the capital are open.
    r = await client.get("/api/v1/reports/gaps", params={"unit": GIAVIEN}, headers=bearer(gv))
    gaps = r.json()
    assert (gaps["households"], gaps["with_open_needs"], gaps["without_helper"]) == (1, 1, 1)
    [row] = gaps["items"]
    assert [(n["label"], n["kind_labels"], n["addressed_by"]) for n in row["needs"]] == [
        ("Bảo hiểm y tế", ["Thẻ BHYT"], ["support:health_insurance_card"]),
        ("Nhà tiêu hợp vệ sinh", ["Nước sạch / nhà tiêu"], []),
        ("Thiếu vốn sản xuất", ["Vốn vay ưu đãi"], []),
    ]
    assert row["open"] == 2 and row["hamlet_name"] == "Thôn Đông"

    r = await client.put(
        f"/api/v1/households/{mai}/plan",
        json={"target_year": 2028, "supports": ["preferential_loan", "water_sanitation"]},
        headers=bearer(gv),
    )
    assert r.status_code == 200, r.text
    r = await client.get("/api/v1/reports/gaps", params={"unit": GIAVIEN}, headers=bearer(gv))
    assert r.json()["items"] == []  # the plan names a kind for each open need
    r = await _post(
        client, gv, "/api/v1/assignments", {"household_id": mai, "supporter_id": women["id"]}
    )
    assert r.json() == {
        "household_id": mai,
        "supporter_id": women["id"],
        "supporter": "Hội Phụ nữ xã",
        "active": True,
        "changed": True,
    }
    r = await _post(
        client, gv, "/api/v1/assignments", {"household_id": mai, "supporter_id": women["id"]}
    )
    assert r.json()["changed"] is False

    r = await client.get(f"/api/v1/households/{mai}", headers=bearer(gv))
    detail = r.json()
    assert [s["kind"] for s in detail["supports"]] == ["cash", "health_insurance_card"]
    assert detail["plan"]["target_year"] == 2028
    assert detail["plan"]["supports"] == ["preferential_loan", "water_sanitation"]
    assert detail["helpers"] == ["Hội Phụ nữ xã"]
    types = [e["type"] for e in detail["timeline"]]
    assert types.count("support") == 2 and types.count("assignment") == 1
    assert "household.plan" in [e["data"].get("action") for e in detail["timeline"]]

    r = await _post(
        client,
        gv,
        "/api/v1/assignments",
        {"household_id": mai, "supporter_id": women["id"], "active": False},
    )
    assert (r.json()["active"], r.json()["changed"]) == (False, True)


async def test_every_call_stays_within_the_token(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    ids = await _households(services)
    mai, khoa = ids["Lê Thị Mai"], ids["Lý Văn Khoa"]
    r = await _post(
        client, tokens.kimson, "/api/v1/supporters", {"unit": "37-KIMSON", "name": "Hội Nông dân"}
    )
    kimson_farmers = r.json()["id"]
    card = {"household_id": mai, "supporter_name": "Hội Phụ nữ", "kind": "health_insurance_card"}
    assert (await _post(client, tokens.kimson, "/api/v1/supports", card)).status_code == 403
    r = await _post(client, tokens.kimson, "/api/v1/supporters", {"unit": GIAVIEN, "name": "X Y"})
    assert r.status_code == 403
    r = await client.get(
        "/api/v1/supporters", params={"unit": GIAVIEN}, headers=bearer(tokens.kimson)
    )
    assert r.status_code == 403
    r = await client.get(
        "/api/v1/supports", params={"household": mai}, headers=bearer(tokens.kimson)
    )
    assert r.status_code == 403
    r = await client.get(
        "/api/v1/reports/gaps", params={"unit": GIAVIEN}, headers=bearer(tokens.kimson)
    )
    assert r.status_code == 403
    r = await client.put(f"/api/v1/households/{mai}/plan", json={}, headers=bearer(tokens.kimson))
    assert r.status_code == 403
    # Province staff read everything below them but do not write.
    assert (await _post(client, tokens.province, "/api/v1/supports", card)).status_code == 403
    r = await client.get(
        "/api/v1/reports/gaps",
        params={"unit": "37", "all": "true"},
        headers=bearer(tokens.province),
    )
    assert [i["head_name"] for i in r.json()["items"]] == ["Lê Thị Mai", "Lý Văn Khoa"]
    # An admin may act anywhere, but a supporter helps households of its own commune only.
    admin = await make_token(services, "admin", "37")
    r = await _post(
        client,
        admin,
        "/api/v1/supports",
        {**card, "supporter_name": None, "supporter_id": kimson_farmers},
    )
    assert (r.status_code, r.json()) == (422, {"error": "supporter_elsewhere"})
    r = await _post(
        client, admin, "/api/v1/assignments", {"household_id": mai, "supporter_id": kimson_farmers}
    )
    assert (r.status_code, r.json()) == (422, {"error": "supporter_elsewhere"})
    r = await _post(
        client, admin, "/api/v1/supporters", {"unit": "37-GIAVIEN-01", "name": "Tổ liên gia"}
    )
    assert (r.status_code, r.json()) == (422, {"error": "not_a_commune"})
    r = await _post(
        client, admin, "/api/v1/assignments", {"household_id": khoa, "supporter_id": kimson_farmers}
    )
    assert r.json()["changed"] is True


async def test_a_hamlets_token_records_supports_but_adds_no_supporter_to_its_commune(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    ids = await _households(services)
    mai = ids["Lê Thị Mai"]
    hamlet = await make_token(services, "officer", "37-GIAVIEN-01")
    r = await _post(
        client, tokens.giavien, "/api/v1/supporters", {"unit": GIAVIEN, "name": "Hội CCB"}
    )
    assert r.status_code == 201
    card = {"household_id": mai, "supporter_name": "Hội CCB", "kind": "health_insurance_card"}
    assert (await _post(client, hamlet, "/api/v1/supports", card)).status_code == 201
    new = {**card, "supporter_name": "Công ty mới lạ", "idempotency_key": "k2"}
    assert (await _post(client, hamlet, "/api/v1/supports", new)).status_code == 403
    r = await client.get(
        "/api/v1/supporters", params={"unit": GIAVIEN}, headers=bearer(tokens.giavien)
    )
    assert [s["name"] for s in r.json()["items"]] == ["Hội CCB"]
