"""The summary as an .xlsx workbook in the officers' layout (DOMAIN.md "Report figures").

A pure function of the rows storage.reports.summary() returns: national heading, title with the
unit and the period, two header rows with merged group headings, rural and urban groups (heading
row, the child units with figures in that area, a subtotal), the total row, the signature block.

Laid out as Nghị định 30/2020/NĐ-CP asks of a document to sign (domain/documents.py): Times New
Roman throughout (the workbook's default font too), the number and symbol ("Số: …/BC-UBND") under
the issuing body, the place and date ("Gia Viễn, ngày 05 tháng 12 năm 2026") under the motto.
Numbers read the Vietnamese way whatever the reader's own settings: counts with a dot for
thousands (a number format with a literal dot), rates with a decimal comma ("12,5"), written as
right-aligned text since no number format can choose the decimal separator. The CSV and JSON
reports keep rates as numbers.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.worksheet import Worksheet

from api.cells import put
from api.reports import figures_public
from domain.aggregates import Tally
from domain.documents import FONT, date_line, number_line
from domain.i18n import DEFAULT_LOCALE, N_, Translator
from domain.standards import Standard
from storage.models import OrgUnit
from storage.models_register import ReportingPeriod
from storage.reports import AREAS, SummaryRow

# Columns: A number, B unit, C total households, D-I poor, J-O near-poor, P-Q ethnic minority.
FIRST_FIGURE_COL = 3
BLOCK = (
    N_("At start"),
    None,  # exited, per group
    None,  # fell back, per group
    None,  # newly, per group
    N_("At end"),
    N_("Rate (%)"),
)
GROUPS = (
    (N_("Poor households"), (N_("Exited poverty"), N_("Fell back into poverty"), N_("Newly poor"))),
    (
        N_("Near-poor households"),
        (N_("Exited near-poverty"), N_("Fell back into near-poverty"), N_("Newly near-poor")),
    ),
)
ETHNIC_GROUP = N_("Ethnic minority households")
ETHNIC_COLUMNS = (N_("Poor households"), N_("Near-poor households"))
NCOLS = FIRST_FIGURE_COL + 2 * len(BLOCK) + len(ETHNIC_COLUMNS)  # 17
RATE_COLS = {FIRST_FIGURE_COL + 1 + 6 * g + 5 for g in range(2)}  # I and O

AREA_NUMBERS = {"rural": "I", "urban": "II"}
AREA_WORDS = {"rural": N_("rural"), "urban": N_("urban")}


def area_word(t: Translator, standard: Standard, area: str) -> str:
    """The area in the words of the period's standard: NĐ 351/2025 says "đô thị", NĐ 07/2021
    "thành thị". Those words are Vietnamese data, like the indicator names; another language
    says the area in its own word."""
    return standard.area_name(area) if t.locale == DEFAULT_LOCALE else t(AREA_WORDS[area])


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


# Who signs for the unit: an administrative unit's people's committee (TM. = on behalf of) and its
# chairman; a hamlet is not an administrative unit, its head signs.
SIGNERS: dict[str, tuple[str, ...]] = {"hamlet": (N_("HAMLET HEAD"),)}
DEFAULT_SIGNER = (N_("ON BEHALF OF THE PEOPLE'S COMMITTEE"), N_("CHAIRMAN"))
SIGN_NOTES = {"hamlet": N_("(Signature, full name)")}
DEFAULT_SIGN_NOTE = N_("(Signature, seal, full name)")

# Row numbers of the fixed part of the sheet.
TITLE_ROW, SUBTITLE_ROW = 4, 5
HEADER_ROWS = (7, 8)
NUMBERS_ROW = 9
FIRST_DATA_ROW = 10

THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
SIZE, HEADING_SIZE, TITLE_SIZE = 12, 13, 14
BASE = Font(name=FONT, size=SIZE)
BOLD = Font(name=FONT, size=SIZE, bold=True)
ITALIC = Font(name=FONT, size=SIZE, italic=True)
HEADING = Font(name=FONT, size=HEADING_SIZE, bold=True)
HEADING_ITALIC = Font(name=FONT, size=HEADING_SIZE, italic=True)
HEADING_PLAIN = Font(name=FONT, size=HEADING_SIZE)
TITLE = Font(name=FONT, size=TITLE_SIZE, bold=True)
SHADE = PatternFill("solid", fgColor="F2F2F2")
# Counts: "1.234" and "1.234.567" in any reader's locale (a literal dot; "#,##0" would show the
# reader's own separator, "1,234" in an English Excel, which a Vietnamese reader takes for 1,234).
INT_FORMATS = {
    "vi": '[<1000]0;[<1000000]#"."##0;#"."###"."##0',
    "en": "#,##0",
}
RIGHT = Alignment(horizontal="right")


def period_label(t: Translator, period: ReportingPeriod) -> str:
    start, end = period.starts_on, period.ends_on
    if period.kind == "monthly":
        name = t("month {month}/{year}", month=f"{start.month:02d}", year=start.year)
    elif period.kind == "annual":
        name = t("year {year}", year=start.year)
    else:
        name = period.code
    return t("{period} (from {start} to {end})", period=name, start=t.date(start), end=t.date(end))


def _merge(ws: Worksheet, row: int, first: int, last: int, value: object, font: Font) -> Cell:
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    cell = put(ws, row, first, value)
    cell.font = font
    cell.alignment = Alignment(horizontal="center", vertical="center")
    return cell


def _heading(
    ws: Worksheet, t: Translator, unit: OrgUnit, period: ReportingPeriod, place: str, day: date
) -> None:
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
        _merge(ws, 1 + i, 10, NCOLS, text, font)
    title = _merge(ws, TITLE_ROW, 1, NCOLS, t("SUMMARY OF POOR AND NEAR-POOR HOUSEHOLDS"), TITLE)
    title.alignment = Alignment(horizontal="center", vertical="bottom", wrap_text=True)
    ws.row_dimensions[TITLE_ROW].height = 30  # the larger font, and air below the date line
    subtitle = t(
        "{unit}, reporting period: {period}",
        unit=unit.name,
        period=period_label(t, period),
    )
    _merge(ws, SUBTITLE_ROW, 1, NCOLS, subtitle, ITALIC)


def _table_header(ws: Worksheet, t: Translator) -> None:
    top, sub = HEADER_ROWS
    for col, text in ((1, t("No.")), (2, t("Unit")), (3, t("Total households"))):
        ws.merge_cells(start_row=top, start_column=col, end_row=sub, end_column=col)
        put(ws, top, col, text)
    col = FIRST_FIGURE_COL + 1
    for group, changes in GROUPS:
        ws.merge_cells(start_row=top, start_column=col, end_row=top, end_column=col + 5)
        put(ws, top, col, t(group))
        names = (BLOCK[0], *changes, *BLOCK[4:])
        for i, name in enumerate(names):
            put(ws, sub, col + i, t(name))  # type: ignore[arg-type]
        col += len(BLOCK)
    ws.merge_cells(start_row=top, start_column=col, end_row=top, end_column=NCOLS)
    put(ws, top, col, t(ETHNIC_GROUP))
    for i, name in enumerate(ETHNIC_COLUMNS):
        put(ws, sub, col + i, t(name))
    # The column numbers official tables carry under the headers: A, B, then 1, 2, …
    for c in range(1, NCOLS + 1):
        put(ws, NUMBERS_ROW, c, "AB"[c - 1] if c <= 2 else c - 2)
    for row in (top, sub, NUMBERS_ROW):
        for c in range(1, NCOLS + 1):
            cell = ws.cell(row, c)
            cell.font, cell.alignment, cell.border = BOLD, CENTER, BORDER
            cell.fill = SHADE
    ws.row_dimensions[sub].height = 45  # the sub-headings wrap onto two or three lines


def rate_text(t: Translator, rate: float | None) -> str | None:
    """12.5 -> "12,5" (Vietnamese) or "12.5"; one decimal always, so the column lines up."""
    return None if rate is None else t.decimal(rate, 1)


def _line(
    ws: Worksheet, t: Translator, row: int, number: str | int, label: str, tally: Tally | None
) -> int:
    """One table row; a heading row when `tally` is None. Returns the next row number."""
    put(ws, row, 1, number).alignment = Alignment(horizontal="center")
    put(ws, row, 2, label).alignment = Alignment(wrap_text=True, vertical="center")
    if tally is not None:
        for i, value in enumerate(figures_public(tally).as_row()):
            col = FIRST_FIGURE_COL + i
            if col in RATE_COLS:
                put(ws, row, col, rate_text(t, value)).alignment = RIGHT
            else:
                put(ws, row, col, value).number_format = INT_FORMATS.get(t.locale, "#,##0")
    for c in range(1, NCOLS + 1):
        ws.cell(row, c).border = BORDER
    return row + 1


def _emphasise(ws: Worksheet, row: int) -> None:
    for c in range(1, NCOLS + 1):
        ws.cell(row, c).font = BOLD


def in_area(row: SummaryRow, area: str) -> bool:
    """A unit is listed under an area when it has figures there, or it is that area's and has none."""
    if row.by_area.get(area, Tally()) != Tally():
        return True
    return row.unit is not None and row.unit.area == area and row.all == Tally()


def _body(ws: Worksheet, t: Translator, standard: Standard, rows: Sequence[SummaryRow]) -> int:
    units, total = [r for r in rows if r.unit is not None], rows[-1]
    row = FIRST_DATA_ROW
    for area in AREAS:
        word = area_word(t, standard, area)
        _emphasise(ws, row)
        heading = capitalised(t("{area} area", area=word))
        row = _line(ws, t, row, AREA_NUMBERS[area], heading, None)
        listed = [u for u in units if in_area(u, area)]
        for n, r in enumerate(listed, start=1):
            row = _line(ws, t, row, n, r.unit.name, r.by_area.get(area, Tally()))  # type: ignore[union-attr]
        # The subtotal comes from the total row, so households filed on the unit itself count.
        _emphasise(ws, row)
        subtotal = t("Subtotal, {area} area", area=word)
        row = _line(ws, t, row, "", subtotal, total.by_area.get(area, Tally()))
    _emphasise(ws, row)
    return _line(ws, t, row, "", t("Total"), total.all)


def _signatures(ws: Worksheet, t: Translator, unit: OrgUnit, row: int) -> None:
    left = ((t("Prepared by"), BOLD), (t("(Signature, full name)"), ITALIC))
    signer = SIGNERS.get(unit.level, DEFAULT_SIGNER)
    note = SIGN_NOTES.get(unit.level, DEFAULT_SIGN_NOTE)
    # The place and date stand at the top, under the motto (NĐ 30/2020), not above the signer.
    right = (*((t(s), BOLD) for s in signer), (t(note), ITALIC))
    for i, (text, font) in enumerate(left):
        _merge(ws, row + i, 1, 5, text, font)
    for i, (text, font) in enumerate(right):
        _merge(ws, row + i, 10, NCOLS, text, font)


def _layout(ws: Worksheet) -> None:
    widths = {1: 6, 2: 30, 3: 12}
    for c in range(1, NCOLS + 1):
        ws.column_dimensions[get_column_letter(c)].width = widths.get(c, 11)
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, FIRST_FIGURE_COL)
    ws.print_title_rows = f"{HEADER_ROWS[0]}:{NUMBERS_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4


def summary_workbook(
    t: Translator,
    *,
    unit: OrgUnit,
    period: ReportingPeriod,
    standard: Standard,
    rows: Sequence[SummaryRow],
    place: str,
    day: date,
) -> bytes:
    """The workbook for `rows`: child units then the total row, as storage.reports.summary().
    `standard` is the period's, for the words its text uses for the areas; dated `day` at `place`
    (domain.documents.place_name of the issuing unit)."""
    wb = Workbook()
    # The default font (index 0: the Normal style, every cell not styled otherwise).
    wb._fonts = IndexedList([BASE])
    ws = wb.active
    assert ws is not None
    ws.title = t("Summary")
    wb.properties.title = t("SUMMARY OF POOR AND NEAR-POOR HOUSEHOLDS")
    wb.properties.creator = "ChungTay"
    _heading(ws, t, unit, period, place, day)
    _table_header(ws, t)
    after = _body(ws, t, standard, rows)
    _signatures(ws, t, unit, after + 1)
    _layout(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
