"""The list CSVs (api/lists.list_csv) write a code as the words the chat and the documents use,
in the language asked for: an officer sorting or filtering in a spreadsheet reads "Thoát cận
nghèo" and "Hộ nghèo", not exited_near_poverty and poor. The JSON lists keep the codes."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from api.lists import CODE_LABELS, _merged
from bot.services import Services
from tests.api.conftest import NOV, OCT, Register, Tokens, bearer, make_token
from tests.support import link_person


async def table(
    client: httpx.AsyncClient, name: str, token: str, **params: str
) -> list[dict[str, str]]:
    r = await client.get(f"/api/v1/exports/{name}", params=params, headers=bearer(token))
    assert r.status_code == 200, r.text
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))


async def test_submissions_and_households_in_words(
    client: httpx.AsyncClient, services: Services, fixture_data: Tokens
) -> None:
    officer = await link_person(services, "officer", "37-GIAVIEN", "Cán bộ xã", None)
    reg = Register(services, officer)
    m = await reg.household("37-GIAVIEN-01", "M")
    await reg.change(m, "newly_near_poor", "near_poor", OCT, ("water",))
    await reg.change(m, "exited_near_poverty", "average", NOV)
    token = fixture_data.giavien
    unit = {"unit": "37-GIAVIEN-01", "kind": "exited_near_poverty"}

    [vi] = await table(client, "submissions.csv", token, **unit)
    assert (vi["Loại"], vi["Trạng thái"]) == ("Thoát cận nghèo", "Đã duyệt")
    [en] = await table(client, "submissions.csv", token, **unit, lang="en")
    assert (en["Kind"], en["Status"]) == ("Exited near-poverty", "Approved")
    r = await client.get("/api/v1/submissions", params=unit, headers=bearer(token))
    [item] = r.json()["items"]
    assert (item["kind"], item["status"]) == ("exited_near_poverty", "approved")

    vi_rows = await table(client, "households.csv", token, unit="37-GIAVIEN-01")
    en_rows = await table(client, "households.csv", token, unit="37-GIAVIEN-01", lang="en")
    assert {r["Chủ hộ"]: (r["Trạng thái"], r["Khu vực"]) for r in vi_rows} == {
        "A": ("Hộ cận nghèo", "Nông thôn"),
        "B": ("Hộ nghèo", "Nông thôn"),
        "C": ("Hộ nghèo", "Nông thôn"),
        "D": ("Hộ nghèo", "Nông thôn"),
        "E": ("Chưa đánh giá", "Nông thôn"),
        "M": ("Hộ có mức sống trung bình", "Nông thôn"),
    }
    assert {r["Head of household"]: (r["Status"], r["Area"]) for r in en_rows}["B"] == (
        "Poor household",
        "Rural",
    )
    r = await client.get("/api/v1/households", params={"q": "B"}, headers=bearer(token))
    assert {(h["status"], h["area"]) for h in r.json()["items"]} == {("poor", "rural")}


async def test_roles_states_levels_and_periods_in_words(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    await link_person(services, "hamlet_head", "37-GIAVIEN-01", "Nguyễn Văn An", "h1")
    body = {"role": "officer", "unit": "37-GIAVIEN", "name": "Cán bộ mới", "expires_in_days": 7}
    r = await client.post("/api/v1/invites", json=body, headers=bearer(tokens.giavien))
    assert r.status_code == 201, r.text
    admin = await make_token(services, "admin", "37")

    people = await table(client, "people.csv", tokens.giavien)
    assert {p["Vai trò"] for p in people} == {"Trưởng thôn"}
    [invite] = await table(client, "invites.csv", tokens.giavien)
    assert (invite["Vai trò"], invite["Tình trạng"]) == ("Cán bộ xã", "Chưa sử dụng")
    [invite] = await table(client, "invites.csv", tokens.giavien, lang="en")
    assert (invite["Role"], invite["State"]) == ("Commune officer", "Not used yet")
    roles = {(k["Mã đơn vị"], k["Vai trò"]) for k in await table(client, "tokens.csv", admin)}
    assert ("37", "Cán bộ tỉnh") in roles and ("37", "Quản trị viên") in roles
    assert ("37-GIAVIEN", "Cán bộ xã") in roles
    units = await table(client, "units.csv", tokens.province, parent="37")
    assert {(u["Cấp"], u["Khu vực"]) for u in units} >= {("Xã, phường", "Nông thôn")}
    units = await table(client, "units.csv", tokens.province, parent="37", lang="en")
    assert {u["Level"] for u in units} == {"Commune"}
    body = {"kind": "annual", "code": "2026"}
    r = await client.post("/api/v1/periods", json=body, headers=bearer(tokens.province))
    assert r.status_code == 201, r.text
    [period] = await table(client, "periods.csv", tokens.province)
    assert (period["Loại"], period["Trạng thái"]) == ("Hằng năm", "Đang mở")
    [period] = await table(client, "periods.csv", tokens.province, lang="en")
    assert (period["Kind"], period["Status"]) == ("Annual", "Open")


def test_a_code_has_one_label_per_column() -> None:
    """Lists sharing a header share its labels: a code two of them labelled differently is
    refused on import; the lists' codes are disjoint."""
    assert CODE_LABELS["Status"]["poor"] == "poor household"
    assert CODE_LABELS["Status"]["approved"] == "approved"
    assert CODE_LABELS["Kind"]["monthly"] == "monthly"
    with pytest.raises(ValueError, match="two labels"):
        _merged({"open": "open"}, {"open": "opened"})
