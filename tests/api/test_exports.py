"""CSV exports: UTF-8 with a BOM, translated headers, the same figures as the JSON."""

from __future__ import annotations

import csv
import io

import httpx

from tests.api.conftest import Tokens, bearer


async def export(
    client: httpx.AsyncClient, name: str, token: str, **params: str
) -> list[list[str]]:
    r = await client.get(f"/api/v1/exports/{name}", params=params, headers=bearer(token))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert name.split(".")[0] in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))


async def test_summary_csv_in_vietnamese(client: httpx.AsyncClient, fixture_data: Tokens) -> None:
    rows = await export(
        client, "summary.csv", fixture_data.giavien, unit="37-GIAVIEN", period="2026-11"
    )
    assert rows[0][:10] == [
        "Mã đơn vị",
        "Đơn vị",
        "Khu vực",
        "Tổng số hộ dân cư",
        "Hộ nghèo đầu kỳ",
        "Thoát nghèo",
        "Tái nghèo",
        "Nghèo phát sinh",
        "Hộ nghèo cuối kỳ",
        "Tỷ lệ hộ nghèo (%)",
    ]
    assert len(rows[0]) == 18
    assert len(rows) == 1 + 4 * 3  # three hamlets and the total, each all / rural / urban
    assert rows[1] == [
        "37-GIAVIEN-01", "Thôn Đông", "Chung", "5", "2", "1", "1", "1", "3", "60.0",
        "0", "0", "0", "1", "1", "20.0", "2", "0",
    ]  # fmt: skip
    assert rows[-3][:4] == ["", "Tổng cộng", "Chung", "55"]
    assert rows[-3][8:10] == ["4", "7.3"]
    assert [r[2] for r in rows[-3:]] == ["Chung", "Nông thôn", "Thành thị"]
    assert rows[7][3] == "0" and rows[7][9] == ""  # Thôn Trung: no households, no rate


async def test_summary_csv_names_the_areas_as_the_period_standard_does(
    client: httpx.AsyncClient, fixture_data: Tokens
) -> None:
    # NĐ 351/2025 says "đô thị" where NĐ 07/2021 (in force in 2026) says "thành thị".
    r = await client.patch(
        "/api/v1/periods/2026-11",
        params={"kind": "monthly"},
        json={"standard": "nd351-2025"},
        headers=bearer(fixture_data.province),
    )
    assert r.status_code == 200, r.text
    rows = await export(
        client, "summary.csv", fixture_data.giavien, unit="37-GIAVIEN", period="2026-11"
    )
    assert [r[2] for r in rows[-3:]] == ["Chung", "Nông thôn", "Đô thị"]
    english = await export(
        client, "summary.csv", fixture_data.giavien, unit="37-GIAVIEN", period="2026-11", lang="en"
    )
    assert [r[2] for r in english[-3:]] == ["All", "Rural", "Urban"]


async def test_summary_csv_in_english(client: httpx.AsyncClient, fixture_data: Tokens) -> None:
    rows = await export(
        client, "summary.csv", fixture_data.giavien, unit="37-GIAVIEN", period="2026-11", lang="en"
    )
    assert rows[0][:4] == ["Unit code", "Unit", "Area", "Total households"]
    assert rows[-3][1] == "Total"


async def test_completeness_and_indicators_csv(
    client: httpx.AsyncClient, fixture_data: Tokens
) -> None:
    rows = await export(
        client, "completeness.csv", fixture_data.giavien, unit="37-GIAVIEN", period="2026-11"
    )
    assert rows == [
        ["Mã đơn vị", "Đơn vị", "Số báo cáo phải nộp", "Đã nhận", "Đúng hạn", "Trễ hạn",
         "Chưa nộp", "Tỷ lệ báo cáo (%)"],
        ["37-GIAVIEN-01", "Thôn Đông", "1", "1", "1", "0", "0", "100.0"],
        ["37-GIAVIEN-02", "Thôn Tây", "1", "1", "0", "1", "0", "100.0"],
        ["37-GIAVIEN-03", "Thôn Trung", "1", "0", "0", "0", "1", "0.0"],
        ["", "Tổng cộng", "3", "2", "1", "1", "1", "66.7"],
    ]  # fmt: skip
    rows = await export(
        client, "indicators.csv", fixture_data.giavien, unit="37-GIAVIEN", period="2026-11"
    )
    assert rows[0] == [
        "Mã chỉ số",
        "Chỉ số",
        "Số hộ nghèo thiếu hụt",
        "Số hộ cận nghèo thiếu hụt",
    ]
    water = next(r for r in rows if r[0] == "water")
    assert water[2:] == ["4", "1"]
    assert len(rows) == 13


async def test_exports_need_a_token(client: httpx.AsyncClient, fixture_data: Tokens) -> None:
    r = await client.get(
        "/api/v1/exports/completeness.csv", params={"unit": "37-GIAVIEN", "period": "2026-11"}
    )
    assert r.status_code == 401
    assert r.json() == {"error": "unauthorized"}
