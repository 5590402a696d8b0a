"""The summary form builder alone: a unit with households in both areas is listed in both groups
(urban first, as the form orders them); subtotals come from the total row (households filed on
the unit itself count there); one font throughout."""

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
from storage.report_forms import FormRow
from storage.reports import SummaryRow

ANNUAL = ReportingPeriod(
    kind="annual", code="2026", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31)
)


def poor(households: int, start: int, end: int, em: int = 0) -> Tally:
    return Tally(households, Block(start=start, newly=end - start, end=end), Block(), em)


def form(unit: OrgUnit | None, by_area: dict[str, Tally], em_start: int = 0) -> FormRow:
    return FormRow(SummaryRow(unit, by_area), {"rural": (em_start, 0), "urban": (0, 0)})


def test_mixed_unit_is_listed_under_both_areas() -> None:
    mixed = OrgUnit(code="X", name="Xã Hỗn Hợp", level="commune", area="rural")
    town = OrgUnit(code="P", name="Phường Mới", level="commune", area="urban")
    rows = [
        form(mixed, {"rural": poor(10, 1, 2, 1), "urban": poor(20, 0, 1)}, em_start=1),
        form(town, {"rural": Tally(), "urban": Tally()}),  # nothing yet: its own area
        # 5 households filed directly on the province: only in the total row
        form(None, {"rural": poor(15, 1, 2, 1), "urban": poor(20, 0, 1)}, em_start=1),
    ]
    content = summary_workbook(
        Translator("vi"),
        unit=OrgUnit(code="T", name="Tỉnh", level="province"),
        period=ANNUAL,
        standard=get_standard("nd07-2021"),
        rows=rows,
        place="Ninh Bình",
        day=date(2026, 12, 5),
        decision="(Kèm theo Quyết định số 9/QĐ-UBND ngày 05/12/2026 của …)",
    )
    ws = load_workbook(io.BytesIO(content)).active
    assert ws is not None
    assert ws["A5"].value == "Tỉnh, kỳ báo cáo: năm 2026 (từ 01/01/2026 đến 31/12/2026)"
    assert ws["A6"].value == "(Kèm theo Quyết định số 9/QĐ-UBND ngày 05/12/2026 của …)"
    got = [[c.value for c in row][:7] for row in ws.iter_rows(12, 19, 1, 7)]
    assert got == [
        ["I", "Khu vực thành thị", None, None, None, None, None],
        [1, "Xã Hỗn Hợp", 20, 0, "0,0", 0, "0,0"],
        [2, "Phường Mới", 0, 0, None, 0, None],
        [None, "Cộng khu vực thành thị", 20, 0, "0,0", 0, "0,0"],
        ["II", "Khu vực nông thôn", None, None, None, None, None],
        [1, "Xã Hỗn Hợp", 10, 1, "10,0", 1, "10,0"],
        [None, "Cộng khu vực nông thôn", 15, 1, "6,7", 1, "6,7"],
        [None, "Tổng cộng", 35, 1, "2,9", 1, "2,9"],
    ]
    # The end of the period: poor, then the ethnic-minority poor, each with its %.
    assert [ws.cell(19, c).value for c in range(14, 18)] == [3, "8,6", 1, "2,9"]


def _province_workbook(households: int, end: int) -> bytes:
    province = OrgUnit(code="T", name="Tỉnh Ninh Bình", level="province", area="rural")
    commune = OrgUnit(code="X", name="Xã Gia Viễn", level="commune", area="rural")
    tally = poor(households, end, end)
    rows = [
        form(commune, {"rural": tally, "urban": Tally()}),
        form(None, {"rural": tally, "urban": Tally()}),
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
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.font.name == "Times New Roman", cell.coordinate
        assert ws["A4"].font.sz == 14 and ws["A4"].font.b  # the title
        assert ws["J3"].font.i and ws["J3"].value == "Ninh Bình, ngày 05 tháng 12 năm 2026"


def test_rates_with_a_decimal_comma_and_counts_with_a_thousands_dot() -> None:
    ws = load_workbook(io.BytesIO(_province_workbook(1234, 154))).active
    assert ws is not None
    # The commune's row: 154 of 1234 households = 12.48… % -> "12,5", text, right-aligned.
    assert ws["O17"].value == "12,5" and ws["O17"].alignment.horizontal == "right"
    assert ws["C17"].value == 1234  # still a number, shown "1.234" by its format
    assert ws["C17"].number_format == '[<1000]0;[<1000000]#"."##0;#"."###"."##0'


def test_counts_and_dong_show_with_dots_from_units_to_trillions() -> None:
    """A province's support runs to billions of đồng: 1.127.000.000, never "1127.000.000"."""
    from openpyxl import Workbook

    from api.xlsx import int_format
    from tests.pdf import to_pdf

    figures = [0, 7, 1_234, 6_300_000, 999_999_999, 1_127_000_000, 12_345_678_901_234]
    wb = Workbook()
    ws = wb.active
    ws.column_dimensions["A"].width = 30
    for row, value in enumerate(figures, start=1):
        ws.cell(row, 1, value).number_format = int_format("vi", value)
    out = io.BytesIO()
    wb.save(out)
    shown = to_pdf({"figures.xlsx": out.getvalue()})["figures.xlsx"].text.split()
    assert shown == [
        "0", "7", "1.234", "6.300.000", "999.999.999", "1.127.000.000", "12.345.678.901.234"
    ]  # fmt: skip
