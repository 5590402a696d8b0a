"""The workbook builder alone: a unit with households in both areas is listed in both groups;
subtotals come from the total row (households filed on the unit itself count there)."""

from __future__ import annotations

import io
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
    )
    ws = load_workbook(io.BytesIO(content)).active
    assert ws is not None
    assert ws["A5"].value == "Tỉnh, kỳ báo cáo: năm 2026 (từ 01/01/2026 đến 31/12/2026)"
    got = [[c.value for c in row][:9] for row in ws.iter_rows(10, 17, 1, 9)]
    assert got == [
        ["I", "Khu vực nông thôn", None, None, None, None, None, None, None],
        [1, "Xã Hỗn Hợp", 10, 1, 0, 0, 1, 2, 20],
        [None, "Cộng khu vực nông thôn", 15, 1, 0, 0, 1, 2, 13.3],
        ["II", "Khu vực thành thị", None, None, None, None, None, None, None],
        [1, "Xã Hỗn Hợp", 20, 0, 0, 0, 1, 1, 5],
        [2, "Phường Mới", 0, 0, 0, 0, 0, 0, None],
        [None, "Cộng khu vực thành thị", 20, 0, 0, 0, 1, 1, 5],
        [None, "Tổng cộng", 35, 1, 0, 0, 2, 3, 8.6],
    ]
