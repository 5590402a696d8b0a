"""The emulation ranking as XLSX (opened with openpyxl) and CSV, against the hand-computed
history of tests/api/emulation_fixture.py (tests/api/test_emulation.py has the same figures as
JSON). One backend: the figures are the JSON report's, tested on both."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import update

from bot.services import Services
from storage.db import transaction
from storage.models import OrgUnit
from tests.api.conftest import Tokens, bearer
from tests.api.emulation_fixture import Data, write_all

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
VI_COUNT = '[<1000]0;[<1000000]#"."##0;#"."###"."##0'


@pytest.fixture
async def emulation_data(services: Services, client: httpx.AsyncClient, tokens: Tokens) -> Data:
    return await write_all(services, client, tokens)


async def workbook(client: httpx.AsyncClient, token: str, **params: Any) -> Worksheet:
    r = await client.get("/api/v1/exports/emulation.xlsx", params=params, headers=bearer(token))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    return ws


def values(ws: Worksheet, first: int, last: int) -> list[list[Any]]:
    return [[c.value for c in row] for row in ws.iter_rows(first, last, 1, 15)]


async def test_the_commune_ranking_as_a_document(
    client: httpx.AsyncClient, emulation_data: Data
) -> None:
    ws = await workbook(client, emulation_data.tokens.giavien, unit="37-GIAVIEN", year=2026)
    assert ws.title == "Thi đua"
    assert [ws.cell(r, 1).value for r in (1, 2, 3)] == [
        "ỦY BAN NHÂN DÂN",
        "XÃ GIA VIỄN",
        "Số: …/BC-UBND",
    ]
    assert [ws.cell(r, 9).value for r in (1, 2, 3)] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Gia Viễn, ngày 25 tháng 11 năm 2026",
    ]
    assert ws.cell(4, 1).value == "KẾT QUẢ THI ĐUA GIẢM NGHÈO NĂM 2026"
    assert ws.cell(5, 1).value == "Xã Gia Viễn, từ ngày 01/01/2026 đến ngày 25/11/2026"
    assert values(ws, 7, 9) == [
        ["Xếp hạng", "Đơn vị", "Tỷ lệ hộ nghèo (%)", None, "Mức giảm (điểm %)", None,
         "So với chỉ tiêu (điểm %)", "Đạt chỉ tiêu", "Biến động hộ nghèo", None, None,
         "Hỗ trợ huy động", None, "Quỹ “Vì người nghèo”", None],
        [None, None, "Đầu năm", "Cuối kỳ", "Thực hiện", "Chỉ tiêu", None, None, "Thoát nghèo",
         "Thoát nghèo bền vững", "Tái nghèo", "Số lượt", "Giá trị (đồng)", "Số lượt",
         "Giá trị (đồng)"],
        ["A", "B", *range(1, 14)],
    ]  # fmt: skip
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert {
        "A7:A8",
        "B7:B8",
        "C7:D7",
        "E7:F7",
        "G7:G8",
        "H7:H8",
        "I7:K7",
        "L7:M7",
        "N7:O7",
    } <= merged
    # Rates and points with a decimal comma, two decimals; counts and đồng as numbers. Đông's
    # reduction is the difference of the rates shown, 28,57 − 14,29 = 14,28 (it read 14,29,
    # rounded from the exact rates). The fund contribution received by the commune itself has
    # its own row, so the fund columns add up to the total (it was in the total only).
    assert values(ws, 10, 14) == [
        [1, "Thôn Đông", "28,57", "14,29", "14,28", "20,00", "\u22125,72", "Không", 1, 2, 0, 3,
         6_100_000, 0, 0],
        [2, "Thôn Tây", "40,00", "50,00", "\u221210,00", "20,00", "\u221230,00", "Không", 1, 0, 1, 2,
         200_000, 0, 0],
        [None, "Thôn Trung", None, None, None, "20,00", None, None, 0, 0, 0, 0, 0, 0, 0],
        [None, "Cấp xã (ghi nhận trực tiếp)", None, None, None, None, None, None, 0, 0, 0, 0, 0,
         1, 10_000_000],
        [None, "Tổng cộng", "33,33", "27,27", "6,06", "20,00", "\u221213,94", "Không", 2, 2, 1, 5,
         6_300_000, 1, 10_000_000],
    ]  # fmt: skip
    assert ws.cell(10, 13).number_format == VI_COUNT
    assert ws.cell(14, 2).font.b and not ws.cell(13, 2).font.b
    assert ws.cell(16, 1).value.startswith("Ghi chú: mức giảm là tỷ lệ hộ nghèo đầu năm trừ")
    assert "A16:O16" in {str(m) for m in ws.merged_cells.ranges}
    assert ws.cell(18, 1).value == "Người lập biểu"
    assert ws.cell(18, 9).value == "TM. ỦY BAN NHÂN DÂN"


async def test_the_province_ranking_in_english(
    client: httpx.AsyncClient, emulation_data: Data
) -> None:
    ws = await workbook(client, emulation_data.tokens.province, unit="37", year=2026, lang="en")
    assert ws.cell(4, 1).value == "RESULTS OF THE POVERTY REDUCTION EMULATION, YEAR 2026"
    assert [r[:8] for r in values(ws, 10, 14)] == [
        [1, "Xã Kim Sơn", "50.00", "25.00", "25.00", "1.20", "23.80", "Yes"],
        [2, "Xã Gia Viễn", "33.33", "27.27", "6.06", "20.00", "\u221213.94", "No"],
        [None, "Phường Hoa Lư", None, None, None, "1.20", None, None],
        [None, "Province level (recorded directly)", None, None, None, None, None, None],
        [None, "Total", "37.50", "26.67", "10.83", "1.20", "9.63", "Yes"],
    ]
    assert ws.cell(16, 1).value.startswith("Note: the reduction is the rate on 1 January")


async def test_the_province_counts_add_up_to_its_total(
    client: httpx.AsyncClient, emulation_data: Data
) -> None:
    """The province's own fund contribution (50.000.000 from Ngân hàng Nông nghiệp) was in the
    total only: the communes' 1 contribution of 10.000.000 did not add up to its 2 of
    60.000.000. Its row "Cấp tỉnh" makes every count column add up."""
    ws = await workbook(client, emulation_data.tokens.province, unit="37", year=2026)
    rows = values(ws, 10, 14)
    assert [r[1] for r in rows] == [
        "Xã Kim Sơn", "Xã Gia Viễn", "Phường Hoa Lư", "Cấp tỉnh (ghi nhận trực tiếp)", "Tổng cộng"
    ]  # fmt: skip
    assert rows[3][8:] == [0, 0, 0, 0, 0, 1, 50_000_000]
    *parts, total = rows
    for col in range(8, 15):  # exits … fund value
        assert sum(r[col] for r in parts) == total[col], col
    assert total[13:] == [2, 60_000_000]


async def test_a_unit_name_is_never_a_formula(
    services: Services, client: httpx.AsyncClient, emulation_data: Data
) -> None:
    async with transaction(services.sessionmaker) as db:
        await db.execute(
            update(OrgUnit).where(OrgUnit.code == "37-GIAVIEN-01").values(name="=1+1")  # type: ignore[arg-type]
        )
    ws = await workbook(client, emulation_data.tokens.giavien, unit="37-GIAVIEN")
    cell = ws.cell(10, 2)
    assert (cell.value, cell.data_type) == ("'=1+1", "s")
    r = await client.get(
        "/api/v1/exports/emulation.csv",
        params={"unit": "37-GIAVIEN"},
        headers=bearer(emulation_data.tokens.giavien),
    )
    assert "'=1+1" in r.text


async def test_the_ranking_as_csv(client: httpx.AsyncClient, emulation_data: Data) -> None:
    r = await client.get(
        "/api/v1/exports/emulation.csv",
        params={"unit": "37-GIAVIEN", "year": 2026},
        headers=bearer(emulation_data.tokens.giavien),
    )
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="emulation-37-GIAVIEN-2026.csv"' in r.headers["content-disposition"]
    assert r.text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert rows[0][:9] == [
        "Xếp hạng", "Mã đơn vị", "Đơn vị", "Chỉ tiêu giảm (điểm %)", "Tỷ lệ hộ nghèo đầu năm (%)",
        "Tỷ lệ hộ nghèo cuối kỳ (%)", "Mức giảm (điểm %)", "So với chỉ tiêu (điểm %)",
        "Đạt chỉ tiêu",
    ]  # fmt: skip
    assert rows[0][-1] == "Chỉ tiêu áp dụng (điểm %)"
    # As the XLSX: Đông's reduction 28.57 − 14.29 = 14.28 (it read 14.29); a line for the
    # commune's own fund contribution, so the columns add up to the total; last, the target
    # applied (the target, or the rate on 1 January when lower), which the margin is against.
    assert rows[1:] == [
        ["1", "37-GIAVIEN-01", "Thôn Đông", "20.0", "28.57", "14.29", "14.28", "-5.72", "Không",
         "7", "2", "7", "1", "1", "2", "0", "3", "6100000", "0", "0", "20.0"],
        ["2", "37-GIAVIEN-02", "Thôn Tây", "20.0", "40.0", "50.0", "-10.0", "-30.0", "Không",
         "5", "2", "4", "2", "1", "0", "1", "2", "200000", "0", "0", "20.0"],
        ["", "37-GIAVIEN-03", "Thôn Trung", "20.0", "", "", "", "", "", "0", "0", "0", "0",
         "0", "0", "0", "0", "0", "0", "0", ""],
        ["", "37-GIAVIEN", "Cấp xã (ghi nhận trực tiếp)", "", "", "", "", "", "", "0", "0", "0",
         "0", "0", "0", "0", "0", "0", "1", "10000000", ""],
        ["", "", "Tổng cộng", "20.0", "33.33", "27.27", "6.06", "-13.94", "Không", "12", "4",
         "11", "3", "2", "2", "1", "5", "6300000", "1", "10000000", "20.0"],
    ]  # fmt: skip
