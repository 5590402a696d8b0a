"""Households: search without diacritics, by status and unit; detail with the full timeline."""

from __future__ import annotations

import csv
import io

import httpx

from bot.services import Services
from tests.api.conftest import Register, Tokens, bearer
from tests.support import link_person

LIST = "/api/v1/households"


async def _names(client: httpx.AsyncClient, token: str, **params: str) -> list[str]:
    r = await client.get(LIST, params=params, headers=bearer(token))
    assert r.status_code == 200, r.text
    return [h["head_name"] for h in r.json()["items"]]


async def test_search_by_status_unit_and_activity(
    client: httpx.AsyncClient, fixture_data: Tokens
) -> None:
    gv = fixture_data.giavien
    assert await _names(client, gv) == list("ABCDEFGHIJ")
    assert await _names(client, gv, status="poor") == ["B", "C", "D"]  # H exited on 1 Dec
    assert await _names(client, gv, status="near_poor") == ["A", "F", "J"]
    assert await _names(client, gv, status="near_poor", active="true") == ["A", "F"]
    assert await _names(client, gv, unit="37-GIAVIEN-02") == ["F", "G", "H", "I"]
    assert await _names(client, gv, active="false") == ["J"]  # moved out
    assert await _names(client, fixture_data.province, status="poor") == list("BCDKL")
    r = await client.get(LIST, params={"status": "rich"}, headers=bearer(gv))
    assert r.status_code == 422


async def test_search_ignores_diacritics_and_finds_codes(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    officer = await link_person(services, "officer", "37-GIAVIEN", "Cán bộ", None)
    reg = Register(services, officer)
    await reg.household("37-GIAVIEN-01", "Nguyễn Văn Ánh")
    await reg.household("37-GIAVIEN-02", "Trần Thị Nguyệt")
    await reg.household("37-KIMSON-01", "Nguyễn Văn Ba")
    gv = tokens.giavien
    assert await _names(client, gv, q="nguyen van") == ["Nguyễn Văn Ánh"]
    assert await _names(client, gv, q="NGUYỄN") == ["Nguyễn Văn Ánh"]
    assert await _names(client, gv, q="nguyet") == ["Trần Thị Nguyệt"]
    assert await _names(client, gv, q="h00002") == ["Trần Thị Nguyệt"]
    assert await _names(client, gv, q="100%") == []
    r = await client.get(LIST, params={"q": "nguy", "limit": 1}, headers=bearer(gv))
    assert r.json()["total"] == 2 and len(r.json()["items"]) == 1
    assert await _names(client, tokens.province, q="nguyen van") == [
        "Nguyễn Văn Ánh",
        "Nguyễn Văn Ba",
    ]


async def test_detail_has_the_full_timeline(
    client: httpx.AsyncClient, fixture_data: Tokens
) -> None:
    r = await client.get(LIST, params={"q": "C"}, headers=bearer(fixture_data.giavien))
    [c] = [h for h in r.json()["items"] if h["head_name"] == "C"]
    r = await client.get(f"{LIST}/{c['id']}", headers=bearer(fixture_data.giavien))
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "poor" and body["hamlet_name"] == "Thôn Đông"
    events = body["timeline"]
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    kinds = [e["data"]["kind"] for e in events if e["type"] == "submission"]
    assert kinds == ["newly_poor", "exited_poverty", "fell_back"]
    classes = [e["data"]["class"] for e in events if e["type"] == "assessment"]
    assert classes == ["poor", "average", "poor"]
    actions = [e["data"]["action"] for e in events if e["type"] == "audit"]
    assert actions[0] == "household.create"
    assert actions.count("submission.approve") == 3


async def test_another_communes_household_is_403_unknown_404(
    client: httpx.AsyncClient, fixture_data: Tokens
) -> None:
    r = await client.get(LIST, params={"q": "K"}, headers=bearer(fixture_data.province))
    [k] = [h for h in r.json()["items"] if h["head_name"] == "K"]
    r = await client.get(f"{LIST}/{k['id']}", headers=bearer(fixture_data.giavien))
    assert r.status_code == 403 and r.json() == {"error": "forbidden"}
    r = await client.get(f"{LIST}/{k['id']}", headers=bearer(fixture_data.kimson))
    assert r.status_code == 200
    r = await client.get(f"{LIST}/999999", headers=bearer(fixture_data.kimson))
    assert r.status_code == 404
    r = await client.get(LIST, params={"unit": "37-KIMSON"}, headers=bearer(fixture_data.giavien))
    assert r.status_code == 403


async def test_households_csv(client: httpx.AsyncClient, fixture_data: Tokens) -> None:
    r = await client.get(
        "/api/v1/exports/households.csv",
        params={"unit": "37-GIAVIEN-02"},
        headers=bearer(fixture_data.giavien),
    )
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Mã hộ",
        "Chủ hộ",
        "Mã thôn",
        "Thôn, tổ dân phố",
        "Số nhân khẩu",
        "Trạng thái",
        "Trạng thái từ ngày",
        "Khu vực",
        "Dân tộc thiểu số",
        "Đang hoạt động",
    ]
    f = rows[1]
    # The status and the area in words (the JSON keeps "near_poor" and "rural").
    assert f[1:6] == ["F", "37-GIAVIEN-02", "Thôn Tây", "4", "Hộ cận nghèo"]
    assert f[6] == "10/10/2026" and f[7] == "Nông thôn" and f[8:] == ["Có", "Có"]
    assert [row[1] for row in rows[1:]] == ["F", "G", "H", "I"]


async def test_input_postgresql_refuses_is_422_not_500(
    client: httpx.AsyncClient, tokens: Tokens
) -> None:
    pv = bearer(tokens.province)
    for path, params in (
        (LIST, {"q": "a\x00b"}),
        ("/api/v1/units", {"parent": "a\x00"}),
        ("/api/v1/submissions", {"kind": "x\x00"}),
    ):
        r = await client.get(path, params=params, headers=pv)
        assert r.status_code in (200, 404, 422), (path, r.status_code)
        assert r.headers["content-type"] == "application/json"
    for path in (f"{LIST}/99999999999", "/api/v1/invites/99999999999/revoke"):
        r = await client.request("POST" if "revoke" in path else "GET", path, headers=pv)
        assert r.status_code == 422, path
    r = await client.get("/api/v1/submissions/99999999999", headers=pv)
    assert r.status_code == 404
    r = await client.post(
        "/api/v1/invites", json={"role": "officer", "unit": "37", "person_id": 2**40}, headers=pv
    )
    assert r.status_code == 422
