"""The emulation ranking as an .xlsx workbook in the layout of the summary (api/xlsx.py): the
issuing body and the motto, the title with the unit and the year, two header rows with merged
group headings and a row of column numbers, one row per child unit best first, the total row, the
signature block — Nghị định 30/2020/NĐ-CP's document to sign. Also the CSV's columns.

What is recorded at the unit itself (a province's own fund contributions) has a row of its own
before the total, so each count column adds up to the total; a note under the table says how the
reduction, the margin and "met" are worked out (domain.emulation).

Counts and đồng with a literal dot for thousands; rates and percentage points as right-aligned
text with a decimal comma ("28,57"), as the summary writes its rates. A pure function of
storage.emulation's Emulation; text goes through api.cells.put (formula-injection safe).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.worksheet import Worksheet

from api.cells import put
from api.xlsx import (
    BASE,
    BOLD,
    BORDER,
    CENTER,
    DEFAULT_SIGN_NOTE,
    DEFAULT_SIGNER,
    HEADING,
    HEADING_ITALIC,
    HEADING_PLAIN,
    ITALIC,
    RIGHT,
    SHADE,
    SIGN_NOTES,
    SIGNERS,
    TITLE,
    int_format,
)
from domain.documents import date_line, number_line
from domain.emulation import Figures, cpp_to_pp, hundredths
from domain.i18n import N_, Translator
from storage.emulation import Emulation, EmulationRow

# CSV columns (header msgids), in the order of csv_row.
HEADERS = (
    N_("Rank"),
    N_("Unit code"),
    N_("Unit"),
    N_("Target (percentage points)"),
    N_("Poverty rate on 1 January (%)"),
    N_("Poverty rate at end (%)"),
    N_("Reduction (percentage points)"),
    N_("Against target (percentage points)"),
    N_("Target met"),
    N_("Households on 1 January"),
    N_("Poor on 1 January"),
    N_("Households at end"),
    N_("Poor at end"),
    N_("Exited poverty"),
    N_("Sustainable exits"),
    N_("Fell back into poverty"),
    N_("Support given (times)"),
    N_("Support value (VND)"),
    N_("Fund contributions"),
    N_("Fund contributions (VND)"),
    N_("Applied target (percentage points)"),
)
# The row of what is recorded at the unit itself, by the unit's level.
DIRECT_LABELS = {
    "province": N_("Province level (recorded directly)"),
    "commune": N_("Commune level (recorded directly)"),
}
DEFAULT_DIRECT_LABEL = N_("Recorded at the unit itself")
NOTE = N_(
    "Note: the reduction is the rate on 1 January less the rate at the end, as shown. A unit "
    "has met its target when the reduction reaches the target, or its rate on 1 January when "
    "that is lower (a unit with no poor households left to reduce, whose rate did not rise); "
    "against target = the reduction less that applied target."
)


def _met(t: Translator, met: bool | None) -> str:
    return "" if met is None else t("Yes") if met else t("No")


def direct_label(t: Translator, level: str) -> str:
    return t(DIRECT_LABELS.get(level, DEFAULT_DIRECT_LABEL))


def has_direct(e: Emulation) -> bool:
    """Whether anything is recorded at the unit itself (then it has a row of its own)."""
    return e.direct != Figures()


def _flows(f: Figures) -> list[object]:
    """The year's movements and the help mobilised, as the table's last columns show them."""
    return [
        f.exits,
        f.sustainable_exits,
        f.fell_back,
        f.support_count,
        f.support_value,
        f.fund_count,
        f.fund_value,
    ]


def _counts(f: Figures) -> list[object]:
    return [f.households_start, f.poor_start, f.households_end, f.poor_end, *_flows(f)]


def csv_rows(t: Translator, e: Emulation) -> list[list[object]]:
    """The CSV's lines: the child units best first, what is recorded at the unit itself (when
    anything is), the total."""
    *units, total = e.rows
    rows = [csv_row(t, r) for r in units]
    if has_direct(e):
        label = direct_label(t, e.unit.level)
        rows.append([None, e.unit.code, label, *[None] * 6, *_counts(e.direct), None])
    return [*rows, csv_row(t, total)]


def csv_row(t: Translator, r: EmulationRow) -> list[object]:
    o, f = r.outcome, r.outcome.figures
    code, name = (r.unit.code, r.unit.name) if r.unit is not None else ("", t("Total"))
    return [
        r.rank,
        code,
        name,
        cpp_to_pp(o.target.cpp),
        hundredths(o.rate_start),
        hundredths(o.rate_end),
        hundredths(o.reduction),
        hundredths(o.margin),
        _met(t, o.met),
        *_counts(f),
        hundredths(o.applied_target),
    ]


# Columns: A rank, B unit, C-D rate, E-F reduction and target, G against target, H met,
# I-K exits, L-M support, N-O fund.
GROUPS: tuple[tuple[str | None, tuple[str, ...]], ...] = (
    (N_("Poverty rate (%)"), (N_("1 January"), N_("At end"))),
    (N_("Reduction (percentage points)"), (N_("Achieved"), N_("Target"))),
    (None, (N_("Against target (percentage points)"),)),
    (None, (N_("Target met"),)),
    (
        N_("Change in poor households"),
        (N_("Exited poverty"), N_("Sustainable exits"), N_("Fell back")),
    ),
    (N_("Support mobilised"), (N_("Times"), N_("Value (VND)"))),
    (N_("“For the Poor” fund"), (N_("Contributions"), N_("Value (VND)"))),
)
FIRST_FIGURE_COL = 3
NCOLS = FIRST_FIGURE_COL - 1 + sum(len(cols) for _, cols in GROUPS)  # 15
TEXT_COLS = {3, 4, 5, 6, 7}  # rates and points, written as text with a decimal comma
CENTERED = {8}
TITLE_ROW, SUBTITLE_ROW = 4, 5
HEADER_ROWS = (7, 8)
NUMBERS_ROW = 9
FIRST_DATA_ROW = 10


def _merge(ws: Worksheet, row: int, first: int, last: int, value: object, font: Font) -> None:
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    cell = put(ws, row, first, value)
    cell.font = font
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _heading(ws: Worksheet, t: Translator, e: Emulation, place: str, day: date) -> None:
    unit = e.unit
    body = (
        ((unit.name.upper(), HEADING),)
        if unit.level == "hamlet"
        else ((t("PEOPLE'S COMMITTEE"), HEADING_PLAIN), (unit.name.upper(), HEADING))
    )
    left = (*body, (number_line(t, unit.level), HEADING_PLAIN))
    right = (
        (t("SOCIALIST REPUBLIC OF VIETNAM"), HEADING),
        (t("Independence - Freedom - Happiness"), HEADING),
        (date_line(t, place, day), HEADING_ITALIC),
    )
    for i, (text, font) in enumerate(left):
        _merge(ws, 1 + i, 1, 5, text, font)
    for i, (text, font) in enumerate(right):
        _merge(ws, 1 + i, 9, NCOLS, text, font)
    title = t("RESULTS OF THE POVERTY REDUCTION EMULATION, YEAR {year}", year=e.window.year)
    _merge(ws, TITLE_ROW, 1, NCOLS, title, TITLE)
    ws.row_dimensions[TITLE_ROW].height = 30
    subtitle = t(
        "{unit}, from {start} to {end}",
        unit=unit.name,
        start=t.date(e.window.first),
        end=t.date(e.window.last),
    )
    _merge(ws, SUBTITLE_ROW, 1, NCOLS, subtitle, ITALIC)


def _table_header(ws: Worksheet, t: Translator) -> None:
    top, sub = HEADER_ROWS
    for col, text in ((1, t("Rank")), (2, t("Unit"))):
        ws.merge_cells(start_row=top, start_column=col, end_row=sub, end_column=col)
        put(ws, top, col, text)
    col = FIRST_FIGURE_COL
    for group, names in GROUPS:
        if group is None:  # one column headed over both rows
            ws.merge_cells(start_row=top, start_column=col, end_row=sub, end_column=col)
            put(ws, top, col, t(names[0]))
        else:
            ws.merge_cells(
                start_row=top, start_column=col, end_row=top, end_column=col + len(names) - 1
            )
            put(ws, top, col, t(group))
            for i, name in enumerate(names):
                put(ws, sub, col + i, t(name))
        col += len(names)
    for c in range(1, NCOLS + 1):
        put(ws, NUMBERS_ROW, c, "AB"[c - 1] if c <= 2 else c - 2)
    for row in (top, sub, NUMBERS_ROW):
        for c in range(1, NCOLS + 1):
            cell = ws.cell(row, c)
            cell.font, cell.alignment, cell.border, cell.fill = BOLD, CENTER, BORDER, SHADE
    ws.row_dimensions[sub].height = 45


MINUS = "\u2212"


def points(t: Translator, value: float | None) -> str | None:
    """28.57 -> "28,57" (Vietnamese) or "28.57": two decimals always, so the column lines up;
    a negative one with the minus sign, which no spreadsheet takes for the start of a formula
    (api.cells would keep "-5,71" inert as "'-5,71")."""
    if value is None:
        return None
    text = t.decimal(abs(value), 2)
    return MINUS + text if value < 0 else text


def _line(ws: Worksheet, t: Translator, row: int, r: EmulationRow) -> int:
    o = r.outcome
    label = r.unit.name if r.unit is not None else t("Total")
    rates = (
        points(t, hundredths(o.rate_start)),
        points(t, hundredths(o.rate_end)),
        points(t, hundredths(o.reduction)),
        points(t, cpp_to_pp(o.target.cpp)),
        points(t, hundredths(o.margin)),
        _met(t, o.met),
    )
    return _write(ws, t, row, (r.rank, label), rates, o.figures, bold=r.unit is None)


def _write(
    ws: Worksheet,
    t: Translator,
    row: int,
    heading: tuple[int | None, str],
    rates: Sequence[object],
    f: Figures,
    *,
    bold: bool,
) -> int:
    rank, label = heading
    put(ws, row, 1, rank).alignment = Alignment(horizontal="center")
    put(ws, row, 2, label).alignment = Alignment(wrap_text=True, vertical="center")
    figures: Sequence[object] = (*rates, *_flows(f))
    for i, value in enumerate(figures):
        col = FIRST_FIGURE_COL + i
        cell = put(ws, row, col, value)
        if col in TEXT_COLS:
            cell.alignment = RIGHT
        elif col in CENTERED:
            cell.alignment = Alignment(horizontal="center")
        else:
            cell.number_format = int_format(t.locale, value)
    for c in range(1, NCOLS + 1):
        ws.cell(row, c).border = BORDER
        if bold:
            ws.cell(row, c).font = BOLD
    return row + 1


def _note(ws: Worksheet, t: Translator, row: int) -> int:
    """The note under the table, over its width; the row after it."""
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=NCOLS)
    cell = put(ws, row, 1, t(NOTE))
    cell.font = ITALIC
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[row].height = 45
    return row + 1


def _signatures(ws: Worksheet, t: Translator, level: str, row: int) -> None:
    left = ((t("Prepared by"), BOLD), (t("(Signature, full name)"), ITALIC))
    signer = SIGNERS.get(level, DEFAULT_SIGNER)
    note = SIGN_NOTES.get(level, DEFAULT_SIGN_NOTE)
    right = (*((t(s), BOLD) for s in signer), (t(note), ITALIC))
    for i, (text, font) in enumerate(left):
        _merge(ws, row + i, 1, 5, text, font)
    for i, (text, font) in enumerate(right):
        _merge(ws, row + i, 9, NCOLS, text, font)


def _layout(ws: Worksheet) -> None:
    widths = {1: 7, 2: 28, 14: 12}
    for c in range(1, NCOLS + 1):
        ws.column_dimensions[get_column_letter(c)].width = widths.get(c, 11)
    for c in (13, 15):  # đồng
        ws.column_dimensions[get_column_letter(c)].width = 15
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, FIRST_FIGURE_COL)
    ws.print_title_rows = f"{HEADER_ROWS[0]}:{NUMBERS_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4


def emulation_workbook(t: Translator, e: Emulation, *, place: str, day: date) -> bytes:
    """The workbook of the ranking `e` (child units best first, then the total), dated `day` at
    `place` (domain.documents.place_name of the issuing unit)."""
    wb = Workbook()
    wb._fonts = IndexedList([BASE])  # the default font: Times New Roman, as the summary's
    ws = wb.active
    assert ws is not None
    ws.title = t("Emulation")
    wb.properties.title = t(
        "RESULTS OF THE POVERTY REDUCTION EMULATION, YEAR {year}", year=e.window.year
    )
    wb.properties.creator = "ChungTay"
    _heading(ws, t, e, place, day)
    _table_header(ws, t)
    row = FIRST_DATA_ROW
    *units, total = e.rows
    for r in units:
        row = _line(ws, t, row, r)
    if has_direct(e):  # the child rows and this one add up to the total
        label = direct_label(t, e.unit.level)
        row = _write(ws, t, row, (None, label), (None,) * 6, e.direct, bold=False)
    row = _line(ws, t, row, total)
    row = _note(ws, t, row + 1)
    _signatures(ws, t, e.unit.level, row + 1)
    _layout(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
