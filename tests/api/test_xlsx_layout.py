"""The workbook builder alone: a unit with households in both areas is listed in both groups;
subtotals come from the total row (households filed on the unit itself count there)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

from openpyxl import load_workbook

from api.xlsx import summary_workbook
from domain.aggregates import Block, Tally
from domain.i18n import Translator
from domain.standards import get_standard
from storage.models import OrgUnit
from storage.models_register import ReportingPeriod
from storage.reports import SummaryRow


def poor(households: int, start: int, end: int) -> Tally:
    return Tally(households, Block(start=start, newly=end - start, end=end))


def test_mixed_unit_is_listed_under_both_areas() -> None:
    mixed = OrgUnit(code="X", name="Xã Hỗn Hợp", level="commune", area="rural")
    town = OrgUnit(code="P", name="Phường Mới", level="commune", area="urban")
    rows = [
        SummaryRow(mixed, {"rural": poor(10, 1, 2), "urban": poor(20, 0, 1)}),
        SummaryRow(town, {"rural": Tally(), "urban": Tally()}),  # nothing yet: its own area
        # 5 households filed directly on the province: only in the total row
        SummaryRow(None, {"rural": poor(15, 1, 2), "urban": poor(20, 0, 1)}),
    ]
    period = ReportingPeriod(
        kind="annual", code="2026", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31)
    )
    content = summary_workbook(
        Translator("vi"),
        unit=OrgUnit(code="T", name="Tỉnh", level="province"),
        period=period,
        standard=get_standard("nd07-2021"),
        rows=rows,
        place="Ninh Bình",
        day=date(2026, 12, 5),
    )
    ws = load_workbook(io.BytesIO(content)).active
    assert ws is not None
    assert ws["A5"].value == "Tỉnh, kỳ báo cáo: năm 2026 (từ 01/01/2026 đến 31/12/2026)"
    got = [[c.value for c in row][:9] for row in ws.iter_rows(10, 17, 1, 9)]
    assert got == [
        ["I", "Khu vực nông thôn", None, None, None, None, None, None, None],
        [1, "Xã Hỗn Hợp", 10, 1, 0, 0, 1, 2, "20,0"],
        [None, "Cộng khu vực nông thôn", 15, 1, 0, 0, 1, 2, "13,3"],
        ["II", "Khu vực thành thị", None, None, None, None, None, None, None],
        [1, "Xã Hỗn Hợp", 20, 0, 0, 0, 1, 1, "5,0"],
        [2, "Phường Mới", 0, 0, 0, 0, 0, 0, None],
        [None, "Cộng khu vực thành thị", 20, 0, 0, 0, 1, 1, "5,0"],
        [None, "Tổng cộng", 35, 1, 0, 0, 2, 3, "8,6"],
    ]


def _province_workbook(households: int, end: int) -> bytes:
    province = OrgUnit(code="T", name="Tỉnh Ninh Bình", level="province", area="rural")
    commune = OrgUnit(code="X", name="Xã Gia Viễn", level="commune", area="rural")
    tally = poor(households, end, end)
    rows = [
        SummaryRow(commune, {"rural": tally, "urban": Tally()}),
        SummaryRow(None, {"rural": tally, "urban": Tally()}),
    ]
    period = ReportingPeriod(
        kind="monthly", code="2026-11", starts_on=date(2026, 11, 1), ends_on=date(2026, 11, 30)
    )
    return summary_workbook(
        Translator("vi"),
        unit=province,
        period=period,
        standard=get_standard("nd07-2021"),
        rows=rows,
        place="Ninh Bình",
        day=date(2026, 12, 5),
    )


def test_times_new_roman_throughout_the_workbook() -> None:
    """NĐ 30/2020: one font. Every cell and the workbook's default font (an empty cell an
    officer types into) are Times New Roman; no other font is in the file at all."""
    content = _province_workbook(1234, 154)
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        styles = z.read("xl/styles.xml").decode()
    fonts = re.findall(r'<name val="([^"]+)"', styles)
    assert fonts and set(fonts) == {"Times New Roman"}, fonts
    wb = load_workbook(io.BytesIO(content))
    ws = wb.active
    assert ws is not None
    for row in ws.iter_rows():
        for cell in row:
            assert cell.font.name == "Times New Roman", cell.coordinate
    assert ws["A4"].font.sz == 14 and ws["A4"].font.b  # the title
    assert ws["J3"].font.i and ws["J3"].value == "Ninh Bình, ngày 05 tháng 12 năm 2026"


def test_rates_with_a_decimal_comma_and_counts_with_a_thousands_dot() -> None:
    ws = load_workbook(io.BytesIO(_province_workbook(1234, 154))).active
    assert ws is not None
    # Thôn row: 154 of 1234 households = 12.48… % -> "12,5", text, right-aligned.
    assert ws["I11"].value == "12,5" and ws["I11"].alignment.horizontal == "right"
    assert ws["C11"].value == 1234  # still a number, shown "1.234" by its format
    assert ws["C11"].number_format == '[<1000]0;[<1000000]#"."##0;#"."###"."##0'
