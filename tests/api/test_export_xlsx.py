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
COUNT, SHARE, MINORITY = "Số hộ", "Tỷ lệ (%)", "Trong đó hộ DTTS"
HEADER = [
    ["STT", "Đơn vị", "Tổng số hộ dân cư",
     "Số hộ nghèo đầu kỳ (theo Quyết định đã phê duyệt)", None, None, None,
     "Diễn biến hộ nghèo trong kỳ", *[None] * 5, "Số hộ nghèo cuối kỳ", None, None, None],
    [None, None, None, COUNT, SHARE, MINORITY, None, "Thoát nghèo", None, "Tái nghèo", None,
     "Nghèo phát sinh", None, COUNT, SHARE, MINORITY, None],
    [None, None, None, None, None, *[COUNT, SHARE] * 4, None, None, COUNT, SHARE],
    ["A", "B", *range(1, 16)],
]  # fmt: skip
HEADER_MERGES = {
    "A8:A10", "B8:B10", "C8:C10", "D8:G8", "H8:M8", "N8:Q8", "D9:D10", "E9:E10", "F9:G9",
    "H9:I9", "J9:K9", "L9:M9", "N9:N10", "O9:O10", "P9:Q9",
}  # fmt: skip
TOP_MERGES = {"A1:E1", "A2:E2", "A3:E3", "J1:Q1", "J2:Q2", "J3:Q3", "A4:Q4", "A5:Q5", "A6:Q6"}
NONE = [None] * 15
EMPTY = [0, 0, None, 0, None, 0, None, 0, None, 0, None, 0, None, 0, None]
# Counts with a literal dot for thousands, whatever the reader's locale: 1.234, 1.234.567.
VI_COUNT = '[<1000]0;[<1000000]#"."##0;#"."###"."##0'


async def workbook(
    client: httpx.AsyncClient, token: str, unit: str, sheet: int = 0, **params: str
) -> tuple[Worksheet, httpx.Response]:
    r = await client.get(
        "/api/v1/exports/summary.xlsx",
        params={"unit": unit, "period": "2026-11", **params},
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text
    ws = load_workbook(io.BytesIO(r.content)).worksheets[sheet]
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
    assert [s.title for s in ws.parent.worksheets] == ["Hộ nghèo", "Hộ cận nghèo"]
    assert (ws["A1"].value, ws["A2"].value) == ("ỦY BAN NHÂN DÂN", "XÃ GIA VIỄN")
    assert (ws["J1"].value, ws["J2"].value) == (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    )
    # NĐ 30/2020: number and symbol under the issuing body, place and date under the motto
    # (the test clock's day, 25/11/2026 in Hà Nội).
    assert ws["A3"].value == "Số: …/BC-UBND"
    assert ws["J3"].value == "Gia Viễn, ngày 25 tháng 11 năm 2026"
    assert ws["A4"].value == "TỔNG HỢP KẾT QUẢ RÀ SOÁT HỘ NGHÈO"
    assert ws["A5"].value == (
        "Xã Gia Viễn, kỳ báo cáo: tháng 11/2026 (từ 01/11/2026 đến 30/11/2026)"
    )
    # No decision of the commune in November: the line is left to fill in.
    assert ws["A6"].value == "(Kèm theo Quyết định số …/QĐ-UBND ngày … của …)"
    assert values(ws, 8, 11) == HEADER
    # The form's order: urban areas (I) first, then rural (II); every % is of column 1.
    assert values(ws, 12, 19) == [
        ["I", "Khu vực thành thị", *NONE],
        [None, "Cộng khu vực thành thị", *EMPTY],
        ["II", "Khu vực nông thôn", *NONE],
        # B (minority) poor since October; A exits, C falls back, D (minority) newly poor.
        [1, "Thôn Đông", 5, 2, "40,0", 1, "20,0", 1, "20,0", 1, "20,0", 1, "20,0", 3, "60,0",
         2, "40,0"],
        # Thôn Tây entered 50 households; H's exit on 1 Dec (Hà Nội) is not November's.
        [2, "Thôn Tây", 50, 2, "4,0", 0, "0,0", 1, "2,0", 0, "0,0", 0, "0,0", 1, "2,0", 0, "0,0"],
        # Thôn Trung: no households left, so no rate.
        [3, "Thôn Trung", *EMPTY],
        [None, "Cộng khu vực nông thôn", 55, 4, "7,3", 1, "1,8", 2, "3,6", 1, "1,8", 1, "1,8",
         4, "7,3", 2, "3,6"],
        [None, "Tổng cộng", 55, 4, "7,3", 1, "1,8", 2, "3,6", 1, "1,8", 1, "1,8", 4, "7,3", 2,
         "3,6"],
    ]  # fmt: skip
    assert values(ws, 20, 23) == [
        ["Tỷ lệ (%) tính trên tổng số hộ dân cư (cột 1).", *[None] * 16],
        ["Người lập biểu", *[None] * 8, "TM. ỦY BAN NHÂN DÂN", *[None] * 7],
        ["(Ký, ghi rõ họ tên)", *[None] * 8, "CHỦ TỊCH", *[None] * 7],
        [*[None] * 9, "(Ký, đóng dấu, ghi rõ họ tên)", *[None] * 7],
    ]
    assert ws.max_row == 23
    signature_merges = {"A21:E21", "J21:Q21", "A22:E22", "J22:Q22", "J23:Q23"}
    assert merges(ws) == TOP_MERGES | HEADER_MERGES | signature_merges
    assert ws["A4"].font.b and ws["B19"].font.b and ws["C19"].font.b and not ws["C15"].font.b
    assert ws["C15"].number_format == VI_COUNT and ws["P18"].number_format == VI_COUNT
    assert ws["E15"].alignment.horizontal == "right" and ws["Q18"].data_type == "s"
    assert ws["D8"].alignment.horizontal == "center" and ws["D8"].alignment.wrap_text
    assert ws["A12"].border.top.style == "thin" and ws["Q19"].border.bottom.style == "thin"


async def test_near_poor_sheet(client: httpx.AsyncClient, fixture_data: Tokens) -> None:
    ws, _ = await workbook(client, fixture_data.giavien, "37-GIAVIEN", sheet=1)
    assert ws["A4"].value == "TỔNG HỢP KẾT QUẢ RÀ SOÁT HỘ CẬN NGHÈO"
    assert ws["H9"].value == "Thoát cận nghèo" and ws["D8"].value.startswith("Số hộ cận nghèo")
    assert values(ws, 15, 19) == [
        # A exited poverty to near-poor: newly near-poor in Thôn Đông.
        [1, "Thôn Đông", 5, 0, "0,0", 0, "0,0", 0, "0,0", 0, "0,0", 1, "20,0", 1, "20,0", 0,
         "0,0"],
        # F (minority) near-poor since October.
        [2, "Thôn Tây", 50, 1, "2,0", 1, "2,0", 0, "0,0", 0, "0,0", 0, "0,0", 1, "2,0", 1, "2,0"],
        # J near-poor since October, moved out in November: exited.
        [3, "Thôn Trung", 0, 1, None, 0, None, 1, None, 0, None, 0, None, 0, None, 0, None],
        [None, "Cộng khu vực nông thôn", 55, 2, "3,6", 1, "1,8", 1, "1,8", 0, "0,0", 1, "1,8",
         2, "3,6", 1, "1,8"],
        [None, "Tổng cộng", 55, 2, "3,6", 1, "1,8", 1, "1,8", 0, "0,0", 1, "1,8", 2, "3,6", 1,
         "1,8"],
    ]  # fmt: skip


async def test_ethnic_minority_at_start_is_the_previous_period_end(
    client: httpx.AsyncClient, dashboard_data: Tokens
) -> None:
    """The minority households at November's start are October's at its end (the summary API)."""
    r = await client.get(
        "/api/v1/reports/summary",
        params={"unit": "37-GIAVIEN", "period": "2026-10"},
        headers=bearer(dashboard_data.giavien),
    )
    october = r.json()["rows"][-1]["all"]
    poor, _ = await workbook(client, dashboard_data.giavien, "37-GIAVIEN")
    near, _ = await workbook(client, dashboard_data.giavien, "37-GIAVIEN", sheet=1)
    assert poor["F19"].value == october["ethnic_minority_poor"] == 1
    assert near["F19"].value == october["ethnic_minority_near_poor"] == 1


async def test_workbook_layout_for_print(client: httpx.AsyncClient, fixture_data: Tokens) -> None:
    for sheet in (0, 1):
        ws, _ = await workbook(client, fixture_data.giavien, "37-GIAVIEN", sheet=sheet)
        assert ws.freeze_panes == "C12"  # headers and unit names stay on screen
        assert ws.print_title_rows == "$8:$11"  # and on every printed page
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        assert ws.column_dimensions["B"].width == 24 and ws.column_dimensions["D"].width == 8.5


async def test_province_workbook_splits_urban_and_rural(
    client: httpx.AsyncClient, fixture_data: Tokens
) -> None:
    ws, r = await workbook(client, fixture_data.province, "37")
    assert ws["A2"].value == "TỈNH NINH BÌNH"
    assert 'filename="Tong_hop_Tinh_Ninh_Binh_2026-11.xlsx"' in r.headers["content-disposition"]
    assert [row[:5] for row in values(ws, 12, 20)] == [
        ["I", "Khu vực thành thị", None, None, None],
        [1, "Phường Hoa Lư", 1, 1, "100,0"],
        [None, "Cộng khu vực thành thị", 1, 1, "100,0"],
        ["II", "Khu vực nông thôn", None, None, None],
        [1, "Xã Gia Viễn", 55, 4, "7,3"],
        [2, "Xã Kim Sơn", 1, 1, "100,0"],
        [None, "Cộng khu vực nông thôn", 56, 5, "8,9"],
        [None, "Tổng cộng", 57, 6, "10,5"],
        ["Tỷ lệ (%) tính trên tổng số hộ dân cư (cột 1).", None, None, None, None],
    ]
    assert ws["N19"].value == 6 and ws["O19"].value == "10,5"  # poor at the end
    assert ws["J21"].value == "TM. ỦY BAN NHÂN DÂN"
    assert ws["A6"].value == "(Kèm theo Quyết định số …/QĐ-UBND ngày … của …)"
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
    assert [row[:3] for row in values(ws, 12, 17)] == [
        ["I", "Khu vực thành thị", None],
        [None, "Cộng khu vực thành thị", 0],
        ["II", "Khu vực nông thôn", None],
        [1, "Thôn Đông", 5],
        [None, "Cộng khu vực nông thôn", 5],
        [None, "Tổng cộng", 5],
    ]
    assert [ws.cell(r, 10).value for r in range(19, 21)] == ["TRƯỞNG THÔN", "(Ký, ghi rõ họ tên)"]
    assert ws.max_row == 20


async def test_workbook_in_english(client: httpx.AsyncClient, fixture_data: Tokens) -> None:
    ws, _ = await workbook(client, fixture_data.giavien, "37-GIAVIEN", lang="en")
    assert ws["A4"].value == "SUMMARY OF THE REVIEW OF POOR HOUSEHOLDS"
    assert ws["A5"].value == (
        "Xã Gia Viễn, reporting period: month 11/2026 (from 01/11/2026 to 30/11/2026)"
    )
    assert [ws["H8"].value, ws["H9"].value, ws["B19"].value] == [
        "Poor households over the period",
        "Exited poverty",
        "Total",
    ]
    assert ws["J21"].value == "ON BEHALF OF THE PEOPLE'S COMMITTEE"
    assert ws["O19"].value == "7.3" and ws["C19"].number_format == "#,##0"
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
    labels = [ws.cell(row, 2).value for row in range(12, ws.max_row + 1)]
    assert "Khu vực đô thị" in labels and "Cộng khu vực đô thị" in labels
    assert not any("thành thị" in str(label) for label in labels)
    ws, _ = await workbook(client, fixture_data.giavien, "37-GIAVIEN", lang="en")
    labels = [ws.cell(row, 2).value for row in range(12, ws.max_row + 1)]
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
