"""The summary as the official form (DOMAIN.md "Documents (format)"): one sheet for poor and one
for near-poor households, each the table the review's summary report is made on.

As the form was read (a 2016-era form; the current Thông tư 07/2021 appendix forms could not be
opened, see docs/legal-sources.md): per unit, total households; the group's households at the
start (from the approved decision) with the ethnic-minority ones, each with a %; the period's
changes — exited, fell back, newly — each with a %; at the end, again with the ethnic-minority
ones; urban (I) before rural (II), each with its units and a subtotal, then the total; the
approving decision named under the title. Every % is of the total households (column 1).

Laid out as Nghị định 30/2020/NĐ-CP asks of a document to sign (domain/documents.py): Times New
Roman throughout, "Số: …/BC-UBND" under the issuing body, place and date under the motto, the
signature block. Counts read the Vietnamese way whatever the reader's settings (a literal dot
for thousands); rates are right-aligned text with a decimal comma ("12,5"), since no number
format can choose the decimal separator. A4 landscape, one page wide.
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
from domain.aggregates import Block, Tally, rate
from domain.documents import FONT, date_line, number_line
from domain.i18n import DEFAULT_LOCALE, N_, Translator
from domain.standards import Standard
from storage.models import OrgUnit
from storage.models_register import ReportingPeriod
from storage.report_forms import FormRow
from storage.reports import SummaryRow

# A number, B unit, C total households; D-G at start (count, %, ethnic minority count, %),
# H-M the changes (count, % each), N-Q at the end like the start.
NCOLS = 17
FIRST_FIGURE_COL = 3
PERCENT_COLS = {5, 7, 9, 11, 13, 15, 17}
GROUPS = {
    "poor": (
        N_("SUMMARY OF THE REVIEW OF POOR HOUSEHOLDS"),
        N_("Poor households at the start (per the approved decision)"),
        N_("Poor households over the period"),
        N_("Poor households at the end"),
        (N_("Exited poverty"), N_("Fell back into poverty"), N_("Newly poor")),
        N_("Poor households"),
    ),
    "near_poor": (
        N_("SUMMARY OF THE REVIEW OF NEAR-POOR HOUSEHOLDS"),
        N_("Near-poor households at the start (per the approved decision)"),
        N_("Near-poor households over the period"),
        N_("Near-poor households at the end"),
        (N_("Exited near-poverty"), N_("Fell back into near-poverty"), N_("Newly near-poor")),
        N_("Near-poor households"),
    ),
}
# The form's order: urban areas (I), then rural (II).
FORM_AREAS = ("urban", "rural")
AREA_NUMBERS = {"urban": "I", "rural": "II"}
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

TITLE_ROW, SUBTITLE_ROW, DECISION_ROW = 4, 5, 6
HEADER_ROWS = (8, 9, 10)
NUMBERS_ROW = 11
FIRST_DATA_ROW = 12

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


def _grouped(groups: int) -> str:
    """A whole number with `groups` literal dots: 0 -> '0', 2 -> '#"."###"."##0'."""
    return "0" if groups == 0 else "#" + '"."###' * (groups - 1) + '"."##0'


def int_format(locale: str, value: int | float | None) -> str:
    """Counts and đồng: "1.234" and "1.127.000.000" in any reader's locale (a literal dot;
    "#,##0" would show the reader's own separator, "1,234" in an English Excel, which a
    Vietnamese reader takes for 1,234). A format holds at most two conditions, so three ranges
    of magnitude: up to 999.999.999, or, for a larger value, the two below it and its own."""
    if locale != "vi":
        return "#,##0"
    low = max(0, (len(str(int(abs(value or 0)))) - 1) // 3 - 2)  # the fewest dots shown
    return (
        f"[<{1000 ** (low + 1)}]{_grouped(low)};[<{1000 ** (low + 2)}]{_grouped(low + 1)};"
        f"{_grouped(low + 2)}"
    )


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


def rate_text(t: Translator, value: float | None) -> str | None:
    """12.5 -> "12,5" (Vietnamese) or "12.5"; one decimal always, so the column lines up."""
    return None if value is None else t.decimal(value, 1)


def _merge(
    ws: Worksheet, row: int, first: int, last: int, value: object, font: Font, *, rows: int = 1
) -> Cell:
    if last > first or rows > 1:
        ws.merge_cells(start_row=row, start_column=first, end_row=row + rows - 1, end_column=last)
    cell = put(ws, row, first, value)
    cell.font = font
    cell.alignment = CENTER
    return cell


def _heading(
    ws: Worksheet,
    t: Translator,
    unit: OrgUnit,
    period: ReportingPeriod,
    title: str,
    decision: str | None,
    place: str,
    day: date,
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
    cell = _merge(ws, TITLE_ROW, 1, NCOLS, t(title), TITLE)
    cell.alignment = Alignment(horizontal="center", vertical="bottom", wrap_text=True)
    ws.row_dimensions[TITLE_ROW].height = 30  # the larger font, and air below the date line
    subtitle = t(
        "{unit}, reporting period: {period}", unit=unit.name, period=period_label(t, period)
    )
    _merge(ws, SUBTITLE_ROW, 1, NCOLS, subtitle, ITALIC)
    attached = decision or t("(Attached to Decision No. …/QĐ-UBND of … by …)")
    _merge(ws, DECISION_ROW, 1, NCOLS, attached, ITALIC)


def _table_header(ws: Worksheet, t: Translator, group: str) -> None:
    _, start, changes_title, end, changes, _ = GROUPS[group]
    top, mid, sub = HEADER_ROWS
    for col, text in ((1, t("No.")), (2, t("Unit")), (3, t("Total households"))):
        _merge(ws, top, col, col, text, BOLD, rows=3)
    count, share = t("Number of households"), t("Rate (%)")
    minority = t("Of which ethnic minority")
    for first, text in ((4, start), (14, end)):
        _merge(ws, top, first, first + 3, t(text), BOLD)
        _merge(ws, mid, first, first, count, BOLD, rows=2)
        _merge(ws, mid, first + 1, first + 1, share, BOLD, rows=2)
        _merge(ws, mid, first + 2, first + 3, minority, BOLD)
        _merge(ws, sub, first + 2, first + 2, count, BOLD)
        _merge(ws, sub, first + 3, first + 3, share, BOLD)
    _merge(ws, top, 8, 13, t(changes_title), BOLD)
    for i, name in enumerate(changes):
        col = 8 + 2 * i
        _merge(ws, mid, col, col + 1, t(name), BOLD)
        _merge(ws, sub, col, col, count, BOLD)
        _merge(ws, sub, col + 1, col + 1, share, BOLD)
    # The column numbers official tables carry under the headers: A, B, then 1, 2, …
    for c in range(1, NCOLS + 1):
        put(ws, NUMBERS_ROW, c, "AB"[c - 1] if c <= 2 else c - 2)
    for row in (*HEADER_ROWS, NUMBERS_ROW):
        for c in range(1, NCOLS + 1):
            cell = ws.cell(row, c)
            cell.font, cell.alignment, cell.border, cell.fill = BOLD, CENTER, BORDER, SHADE
    ws.row_dimensions[top].height = 32
    ws.row_dimensions[mid].height = 32
    ws.row_dimensions[sub].height = 30


def figures(tally: Tally, group: str, ethnic_start: int) -> list[int | float | None]:
    """One row's figures in the form's columns 1-15 (counts, and % of the households)."""
    block: Block = getattr(tally, group)
    ethnic_end = getattr(tally, f"ethnic_minority_{group}")
    n = tally.households
    out: list[int | float | None] = [n]
    for count in (block.start, ethnic_start, block.exited, block.fell_back, block.newly):
        out += [count, rate(count, n)]
    for count in (block.end, ethnic_end):
        out += [count, rate(count, n)]
    # The order of the form: start, its ethnic minority, changes, end, its ethnic minority.
    return out


def _line(
    ws: Worksheet,
    t: Translator,
    row: int,
    number: str | int,
    label: str,
    values: list[int | float | None] | None,
) -> int:
    """One table row; a heading row when `values` is None. Returns the next row number."""
    put(ws, row, 1, number).alignment = Alignment(horizontal="center")
    put(ws, row, 2, label).alignment = Alignment(wrap_text=True, vertical="center")
    for i, value in enumerate(values or ()):
        col = FIRST_FIGURE_COL + i
        if col in PERCENT_COLS:
            put(ws, row, col, rate_text(t, value)).alignment = RIGHT  # type: ignore[arg-type]
        else:
            put(ws, row, col, value).number_format = int_format(t.locale, value)
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


def _body(
    ws: Worksheet, t: Translator, standard: Standard, rows: Sequence[FormRow], group: str
) -> int:
    index = 0 if group == "poor" else 1
    units, total = [r for r in rows if r.unit is not None], rows[-1]
    row = FIRST_DATA_ROW
    for area in FORM_AREAS:
        word = area_word(t, standard, area)
        _emphasise(ws, row)
        row = _line(ws, t, row, AREA_NUMBERS[area], capitalised(t("{area} area", area=word)), None)
        listed = [u for u in units if in_area(u.row, area)]
        for n, r in enumerate(listed, start=1):
            values = figures(r.tally(area), group, r.start(area)[index])
            row = _line(ws, t, row, n, r.unit.name, values)
        # The subtotal comes from the total row, so households filed on the unit itself count.
        _emphasise(ws, row)
        values = figures(total.tally(area), group, total.start(area)[index])
        row = _line(ws, t, row, "", t("Subtotal, {area} area", area=word), values)
    _emphasise(ws, row)
    values = figures(total.tally(None), group, total.start(None)[index])
    return _line(ws, t, row, "", t("Total"), values)


def _signatures(ws: Worksheet, t: Translator, unit: OrgUnit, row: int) -> None:
    note = t("Rates (%) are of the total households (column 1).")
    put(ws, row, 1, note).font = ITALIC
    left = ((t("Prepared by"), BOLD), (t("(Signature, full name)"), ITALIC))
    signer = SIGNERS.get(unit.level, DEFAULT_SIGNER)
    sign_note = SIGN_NOTES.get(unit.level, DEFAULT_SIGN_NOTE)
    # The place and date stand at the top, under the motto (NĐ 30/2020), not above the signer.
    right = (*((t(s), BOLD) for s in signer), (t(sign_note), ITALIC))
    for i, (text, font) in enumerate(left):
        _merge(ws, row + 1 + i, 1, 5, text, font)
    for i, (text, font) in enumerate(right):
        _merge(ws, row + 1 + i, 10, NCOLS, text, font)


def _layout(ws: Worksheet) -> None:
    widths = {1: 5, 2: 24, 3: 10}
    for c in range(1, NCOLS + 1):
        ws.column_dimensions[get_column_letter(c)].width = widths.get(c, 8.5)
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
    rows: Sequence[FormRow],
    place: str,
    day: date,
    decision: str | None = None,
) -> bytes:
    """The form for `rows` (child units then the total row, as storage.report_forms gives them):
    a sheet for poor households and one for near-poor households. `standard` is the period's,
    for the words its text uses for the areas; dated `day` at `place`; `decision` names the
    approving decision ("(Kèm theo Quyết định số …)"), else a line left to fill in."""
    wb = Workbook()
    # The default font (index 0: the Normal style, every cell not styled otherwise).
    wb._fonts = IndexedList([BASE])
    title, *_ = GROUPS["poor"]
    wb.properties.title = t(title)
    wb.properties.creator = "ChungTay"
    first = wb.active
    assert first is not None
    for n, group in enumerate(GROUPS):
        ws = first if n == 0 else wb.create_sheet()
        ws.title = t(GROUPS[group][5])
        _heading(ws, t, unit, period, GROUPS[group][0], decision, place, day)
        _table_header(ws, t, group)
        after = _body(ws, t, standard, rows, group)
        _signatures(ws, t, unit, after)
        _layout(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
