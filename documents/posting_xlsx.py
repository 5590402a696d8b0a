"""The posting list as a workbook officers sort and sum: one flat table (a hamlet column rather
than heading rows, so that sorting and filters work), under the same NĐ 30/2020 heading as the
printed list. Every text cell goes through api.cells.put: names are user text."""

from __future__ import annotations

import io
import textwrap
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList

from api.cells import put
from domain.documents import FONT
from domain.i18n import N_, Translator

COLUMNS = (
    (N_("No."), 6),
    (N_("Name of the head of household"), 26),
    (N_("Household code"), 14),
    (N_("Hamlet"), 16),
    (N_("Members"), 9),
    (N_("Ethnic minority"), 10),
    (N_("Proposed change"), 30),
    (N_("Hamlet meeting result"), 18),
    (N_("Note"), 14),
)
KEYS = ("no", "head", "code", "hamlet", "members", "ethnic", "content", "meeting", "note")
HEADER_ROW = 7
THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BASE, BOLD = Font(name=FONT, size=12), Font(name=FONT, size=12, bold=True)
ITALIC, TITLE = Font(name=FONT, size=12, italic=True), Font(name=FONT, size=14, bold=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
# The columns of text that wrap onto more lines in their cell (the others are short codes and
# numbers). LibreOffice prints a row at the height the file gives it (the default, one line, when
# none), not at the height of its wrapped text, which then runs over the next row: a row of more
# than one line is given the height of its longest cell (`row_height`).
WRAPPED = ("head", "hamlet", "content", "meeting", "note")
LINE = 15.75  # points: one line of 12 pt text, as LibreOffice and Excel space it
PADDING = 3.0  # points above and below the lines


def lines_of(text: str, width: float) -> int:
    """How many lines `text` takes in a column `width` characters wide, wrapped at spaces. The
    width unit is a digit's width; the letters of a Vietnamese text in Times New Roman are on
    average narrower, so a line holds about `width` characters: counting one fewer errs on the
    side of one line too many, never of text printed over the next row."""
    return max(len(textwrap.wrap(text, max(int(width) - 1, 1))), 1)


def row_height(texts: dict[int, str]) -> float:
    """The height of a row of wrapped cells (column number -> text), in points."""
    lines = max((lines_of(text, COLUMNS[col - 1][1]) for col, text in texts.items()), default=1)
    return lines * LINE + PADDING


def _line(ws: Any, row: int, first: int, last: int, text: str, font: Font) -> None:
    ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    cell = put(ws, row, first, text)
    cell.font, cell.alignment = font, Alignment(horizontal="center", vertical="center")


def posting_workbook(t: Translator, context: dict[str, Any]) -> bytes:
    """The workbook for a posting context (documents.contexts.posting_context)."""
    wb = Workbook()
    wb._fonts = IndexedList([BASE])  # the default font of every cell not styled otherwise
    ws = wb.active
    assert ws is not None
    ws.title = t("Posting list")
    wb.properties.title, wb.properties.creator = t("PUBLIC POSTING LIST"), "ChungTay"
    last = len(COLUMNS)
    _line(ws, 1, 1, 3, t("PEOPLE'S COMMITTEE"), BASE)
    _line(ws, 2, 1, 3, context["commune_name"].upper(), BOLD)
    _line(ws, 1, 5, last, t("SOCIALIST REPUBLIC OF VIETNAM"), BOLD)
    _line(ws, 2, 5, last, t("Independence - Freedom - Happiness"), BOLD)
    _line(ws, 3, 5, last, context["date_line"], ITALIC)
    _line(ws, 4, 1, last, t("PUBLIC POSTING LIST"), TITLE)
    _line(ws, 5, 1, last, f"{context['round_label']} – {context['scope']}", ITALIC)
    dates = t(
        "Posted from {start} to the end of {end} ({days} working days)",
        start=context["posting_from"],
        end=context["posting_to"],
        days=context["working_days"],
    )
    _line(ws, 6, 1, last, dates, BOLD)
    for col, (name, width) in enumerate(COLUMNS, start=1):
        cell = put(ws, HEADER_ROW, col, t(name))
        cell.font, cell.alignment, cell.border = BOLD, CENTER, BORDER
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
        ws.column_dimensions[get_column_letter(col)].width = width
    headers = {col: t(name) for col, (name, _) in enumerate(COLUMNS, start=1)}
    ws.row_dimensions[HEADER_ROW].height = row_height(headers)
    row = HEADER_ROW + 1
    for group in context["groups"]:
        for item in group["rows"]:
            values = {**item, "hamlet": group["title"]}
            wrapped = {}
            for col, key in enumerate(KEYS, start=1):
                cell = put(ws, row, col, values[key] if values[key] != "" else None)
                cell.border = BORDER
                cell.alignment = Alignment(vertical="top", wrap_text=key in WRAPPED)
                if key in WRAPPED:
                    wrapped[col] = str(values[key])
            height = row_height(wrapped)
            if height > LINE + PADDING:  # a row of one line keeps the default height
                ws.row_dimensions[row].height = height
            row += 1
    total = t(
        "Total: {n} households, {members} members",
        n=context["total"],
        members=context["total_members"],
    )
    put(ws, row + 1, 2, total).font = BOLD
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 3)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(last)}{max(row - 1, HEADER_ROW)}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
