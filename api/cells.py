"""Spreadsheet cells from user text, made inert (OWASP "CSV Injection").

A household head, unit or person name is typed by whoever uses the bot; Excel and LibreOffice read
a cell starting with `=`, `+`, `-` or `@` (and, in a CSV, a tab or carriage return before one) as a
formula, so `=HYPERLINK("http://evil.invalid";"x")` in a name would come out live in the officer's
spreadsheet. Every CSV and XLSX export writes its cells through `inert()`.
"""

from __future__ import annotations

from openpyxl.cell import Cell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(value: object) -> object:
    """Text a spreadsheet would run gets a leading `'`; numbers, dates and None stay as they are
    (-3 is a figure, and must stay a number cell)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def put(ws: Worksheet, row: int, col: int, value: object) -> Cell:
    """Writes `value` at (row, col): text always as a string cell, whatever it looks like, without
    the control characters XML cannot hold (openpyxl would raise IllegalCharacterError)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = ws.cell(row, col)
    cell.value = inert(value)
    if isinstance(value, str):
        # openpyxl guesses the type from the text: "=…" becomes a formula, "#N/A" an error.
        cell.data_type = "s"
    return cell
