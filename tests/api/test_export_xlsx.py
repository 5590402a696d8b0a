"""The summary workbook, opened with openpyxl and checked cell by cell against the hand-computed
fixture in tests/api/conftest.py (the same figures as tests/api/test_reports.py)."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

import httpx
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from tests.api.conftest import Tokens, bearer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = [
    ["STT", "Đơn vị", "Tổng số hộ dân cư", "Hộ nghèo", *[None] * 5, "Hộ cận nghèo", *[None] * 5,
     "Hộ dân tộc thiểu số", None],
    [None, None, None, "Đầu kỳ", "Thoát nghèo", "Tái nghèo", "Nghèo phát sinh", "Cuối kỳ",
     "Tỷ lệ (%)", "Đầu kỳ", "Thoát cận nghèo", "Tái cận nghèo", "Cận nghèo phát sinh", "Cuối kỳ",
     "Tỷ lệ (%)", "Hộ nghèo", "Hộ cận nghèo"],
    ["A", "B", *range(1, 16)],
]  # fmt: skip
HEADER_MERGES = {"A7:A8", "B7:B8", "C7:C8", "D7:I7", "J7:O7", "P7:Q7"}
TOP_MERGES = {"A1:E1", "A2:E2", "A3:E3", "J1:Q1", "J2:Q2", "J3:Q3", "A4:Q4", "A5:Q5"}
NONE = [None] * 15
# Counts with a literal dot for thousands, whatever the reader's locale: 1.234, 1.234.567.
VI_COUNT = '[<1000]0;[<1000000]#"."##0;#"."###"."##0'


async def workbook(
    client: httpx.AsyncClient, token: str, unit: str, **params: str
) -> tuple[Worksheet, httpx.Response]:
    r = await client.get(
        "/api/v1/exports/summary.xlsx",
        params={"unit": unit, "period": "2026-11", **params},
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    return ws, r


def values(ws: Worksheet, first: int, last: int) -> list[list[Any]]:
    return [[c.value for c in row] for row in ws.iter_rows(first, last, 1, 17)]


def merges(ws: Worksheet) -> set[str]:
    return {str(m) for m in ws.merged_cells.ranges}


async def test_commune_summary_workbook(client: httpx.AsyncClient, fixture_data: Tokens) -> None:
    ws, r = await workbook(client, fixture_data.giavien, "37-GIAVIEN")
    assert r.headers["content-type"] == XLSX
    name = "Tổng hợp Xã Gia Viễn 2026-11.xlsx"
    assert r.headers["content-disposition"] == (
        'attachment; filename="Tong_hop_Xa_Gia_Vien_2026-11.xlsx"; '
        f"filename*=UTF-8''{quote(name, safe='')}"
    )
    assert ws.title == "Tổng hợp"
    assert (ws["A1"].value, ws["A2"].value) == ("ỦY BAN NHÂN DÂN", "XÃ GIA VIỄN")
    assert (ws["J1"].value, ws["J2"].value) == (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    )
    # NĐ 30/2020: number and symbol under the issuing body, place and date under the motto
    # (the test clock's day, 25/11/2026 in Hà Nội).
    assert ws["A3"].value == "Số: …/BC-UBND"
    assert ws["J3"].value == "Gia Viễn, ngày 25 tháng 11 năm 2026"
    assert ws["A4"].value == "TỔNG HỢP HỘ NGHÈO, HỘ CẬN NGHÈO"
    assert ws["A5"].value == (
        "Xã Gia Viễn, kỳ báo cáo: tháng 11/2026 (từ 01/11/2026 đến 30/11/2026)"
    )
    assert values(ws, 7, 9) == HEADER
    assert values(ws, 10, 17) == [
        ["I", "Khu vực nông thôn", *NONE],
        [1, "Thôn Đông", 5, 2, 1, 1, 1, 3, "60,0", 0, 0, 0, 1, 1, "20,0", 2, 0],
        # Thôn Tây entered 50 households; H's exit on 1 Dec (Hà Nội) is not November's.
        [2, "Thôn Tây", 50, 2, 1, 0, 0, 1, "2,0", 1, 0, 0, 0, 1, "2,0", 0, 1],
        # Thôn Trung: no households left, so no rate.
        [3, "Thôn Trung", 0, 0, 0, 0, 0, 0, None, 1, 1, 0, 0, 0, None, 0, 0],
        [None, "Cộng khu vực nông thôn", 55, 4, 2, 1, 1, 4, "7,3", 2, 1, 0, 1, 2, "3,6", 2, 1],
        ["II", "Khu vực thành thị", *NONE],
        [None, "Cộng khu vực thành thị", 0, 0, 0, 0, 0, 0, None, 0, 0, 0, 0, 0, None, 0, 0],
        [None, "Tổng cộng", 55, 4, 2, 1, 1, 4, "7,3", 2, 1, 0, 1, 2, "3,6", 2, 1],
    ]
    assert values(ws, 18, 21) == [
        [None] * 17,
        ["Người lập biểu", *[None] * 8, "TM. ỦY BAN NHÂN DÂN", *[None] * 7],
        ["(Ký, ghi rõ họ tên)", *[None] * 8, "CHỦ TỊCH", *[None] * 7],
        [*[None] * 9, "(Ký, đóng dấu, ghi rõ họ tên)", *[None] * 7],
    ]
    assert ws.max_row == 21
    signature_merges = {"A19:E19", "J19:Q19", "A20:E20", "J20:Q20", "J21:Q21"}
    assert merges(ws) == TOP_MERGES | HEADER_MERGES | signature_merges
    assert ws["A4"].font.b and ws["B17"].font.b and ws["C17"].font.b and not ws["C11"].font.b
    assert ws["C11"].number_format == VI_COUNT and ws["P14"].number_format == VI_COUNT
    assert ws["I11"].alignment.horizontal == "right" and ws["O14"].data_type == "s"
    assert ws["D7"].alignment.horizontal == "center" and ws["D8"].alignment.wrap_text
    assert ws["A10"].border.top.style == "thin" and ws["Q17"].border.bottom.style == "thin"


async def test_workbook_layout_for_print(client: httpx.AsyncClient, fixture_data: Tokens) -> None:
    ws, _ = await workbook(client, fixture_data.giavien, "37-GIAVIEN")
    assert ws.freeze_panes == "C10"  # headers and unit names stay on screen
    assert ws.print_title_rows == "$7:$9"  # and on every printed page
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.column_dimensions["B"].width == 30 and ws.column_dimensions["D"].width == 11


async def test_province_workbook_splits_rural_and_urban(
    client: httpx.AsyncClient, fixture_data: Tokens
) -> None:
    ws, r = await workbook(client, fixture_data.province, "37")
    assert ws["A2"].value == "TỈNH NINH BÌNH"
    assert 'filename="Tong_hop_Tinh_Ninh_Binh_2026-11.xlsx"' in r.headers["content-disposition"]
    assert values(ws, 10, 17) == [
        ["I", "Khu vực nông thôn", *NONE],
        [1, "Xã Gia Viễn", 55, 4, 2, 1, 1, 4, "7,3", 2, 1, 0, 1, 2, "3,6", 2, 1],
        [2, "Xã Kim Sơn", 1, 1, 0, 0, 0, 1, "100,0", 0, 0, 0, 0, 0, "0,0", 0, 0],
        [None, "Cộng khu vực nông thôn", 56, 5, 2, 1, 1, 5, "8,9", 2, 1, 0, 1, 2, "3,6", 2, 1],
        ["II", "Khu vực thành thị", *NONE],
        [1, "Phường Hoa Lư", 1, 1, 0, 0, 0, 1, "100,0", 0, 0, 0, 0, 0, "0,0", 0, 0],
        [None, "Cộng khu vực thành thị", 1, 1, 0, 0, 0, 1, "100,0", 0, 0, 0, 0, 0, "0,0", 0, 0],
        [None, "Tổng cộng", 57, 6, 2, 1, 1, 6, "10,5", 2, 1, 0, 1, 2, "3,5", 2, 1],
    ]
    assert ws["J19"].value == "TM. ỦY BAN NHÂN DÂN"
    assert (ws["A3"].value, ws["J3"].value) == (
        "Số: …/BC-UBND",
        "Ninh Bình, ngày 25 tháng 11 năm 2026",
    )


async def test_hamlet_workbook_is_signed_by_the_hamlet_head(
    client: httpx.AsyncClient, fixture_data: Tokens
) -> None:
    ws, _ = await workbook(client, fixture_data.giavien, "37-GIAVIEN-01")
    # A hamlet issues no UBND document; its report is dated at its commune.
    assert (ws["A1"].value, ws["A2"].value, ws["A3"].value) == ("THÔN ĐÔNG", "Số: …/BC", None)
    assert ws["J3"].value == "Gia Viễn, ngày 25 tháng 11 năm 2026"
    assert [row[:3] for row in values(ws, 10, 15)] == [
        ["I", "Khu vực nông thôn", None],
        [1, "Thôn Đông", 5],
        [None, "Cộng khu vực nông thôn", 5],
        ["II", "Khu vực thành thị", None],
        [None, "Cộng khu vực thành thị", 0],
        [None, "Tổng cộng", 5],
    ]
    assert [ws.cell(r, 10).value for r in range(17, 19)] == ["TRƯỞNG THÔN", "(Ký, ghi rõ họ tên)"]
    assert ws.max_row == 18


async def test_workbook_in_english(client: httpx.AsyncClient, fixture_data: Tokens) -> None:
    ws, _ = await workbook(client, fixture_data.giavien, "37-GIAVIEN", lang="en")
    assert ws["A4"].value == "SUMMARY OF POOR AND NEAR-POOR HOUSEHOLDS"
    assert ws["A5"].value == (
        "Xã Gia Viễn, reporting period: month 11/2026 (from 01/11/2026 to 30/11/2026)"
    )
    assert [ws["D7"].value, ws["D8"].value, ws["B17"].value] == [
        "Poor households",
        "At start",
        "Total",
    ]
    assert ws["J19"].value == "ON BEHALF OF THE PEOPLE'S COMMITTEE"
    assert ws["I17"].value == "7.3" and ws["C17"].number_format == "#,##0"
    assert (ws["A3"].value, ws["J3"].value) == (
        "No.: …/BC-UBND",
        "Gia Viễn, day 25 month 11 year 2026",
    )


async def test_workbook_names_the_areas_as_the_period_standard_does(
    client: httpx.AsyncClient, fixture_data: Tokens
) -> None:
    r = await client.patch(
        "/api/v1/periods/2026-11",
        params={"kind": "monthly"},
        json={"standard": "nd351-2025"},
        headers=bearer(fixture_data.province),
    )
    assert r.status_code == 200, r.text
    ws, _ = await workbook(client, fixture_data.giavien, "37-GIAVIEN")
    labels = [ws.cell(row, 2).value for row in range(10, ws.max_row + 1)]
    assert "Khu vực đô thị" in labels and "Cộng khu vực đô thị" in labels
    assert not any("thành thị" in str(label) for label in labels)
    ws, _ = await workbook(client, fixture_data.giavien, "37-GIAVIEN", lang="en")
    labels = [ws.cell(row, 2).value for row in range(10, ws.max_row + 1)]
    assert "Urban area" in labels and "Subtotal, urban area" in labels


async def test_workbook_scope(client: httpx.AsyncClient, fixture_data: Tokens) -> None:
    url, params = "/api/v1/exports/summary.xlsx", {"unit": "37-GIAVIEN", "period": "2026-11"}
    r = await client.get(url, params=params, headers=bearer(fixture_data.kimson))
    assert (r.status_code, r.json()) == (403, {"error": "forbidden"})
    r = await client.get(url, params=params)
    assert (r.status_code, r.json()) == (401, {"error": "unauthorized"})
    r = await client.get(
        url, params={**params, "period": "2031-01"}, headers=bearer(fixture_data.giavien)
    )
    assert (r.status_code, r.json()) == (404, {"error": "not_found"})
