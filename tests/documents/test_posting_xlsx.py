"""The posting list as a workbook, printed by LibreOffice: a row with text wrapped onto more
lines is as tall as its text, so that no line is printed over the next row."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

import tests.pdf
from documents.posting_xlsx import HEADER_ROW, LINE, lines_of, posting_workbook
from domain.i18n import Translator
from tests.pdf import a4, placeholders, to_pdf

VI = Translator("vi")
# What the demo data's monthly round posts: the proposed changes of two lines were printed over
# the next row.
CHANGES = (
    "Tái nghèo",
    "Thoát nghèo (thành hộ cận nghèo)",
    "Thoát nghèo (thành hộ có mức sống trung bình)",
    "Cận nghèo phát sinh",
    "Thoát cận nghèo (thành hộ có mức sống trung bình)",
    "Nghèo phát sinh",
)
NAMES = (
    "Nguyễn Văn Long",
    "Nguyễn Thị Thanh Hằng Nguyễn Phương",
    "Ngô Thị Chi",
    "Lương Thu Yến",
    "Đinh Văn Giang",
    "Hoàng Thu Liên",
    "Bùi Đức Long",
    "Nguyễn Minh Giang",
)


def context() -> dict[str, Any]:
    rows = [
        {
            "no": n,
            "head": name,
            "code": f"H{n:05d}",
            "members": 4,
            "ethnic": "x" if n % 3 == 0 else "",
            "content": CHANGES[(n - 1) % len(CHANGES)],
            "meeting": "35/37 (Thông qua)",
            "note": "",
        }
        for n, name in enumerate(NAMES, start=1)
    ]
    return {
        "commune_name": "Xã Gia Viễn",
        "date_line": "Gia Viễn, ngày 24 tháng 4 năm 2026",
        "round_label": "Đợt rà soát thường xuyên tháng 05/2026",
        "scope": "xã Gia Viễn",
        "posting_from": "24/04/2026",
        "posting_to": "29/04/2026",
        "working_days": 3,
        "groups": [
            {"title": "Thôn Tây", "rows": rows[:4]},
            {"title": "Tổ dân phố Nam Thành Công", "rows": rows[4:]},
        ],
        "total": len(rows),
        "total_members": 4 * len(rows),
    }


WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def overprinted(pdf: Path) -> list[tuple[str, str]]:
    """Pairs of words drawn over each other on a page (their boxes cross by more than a third
    of a line's height): what a row too short for its wrapped text leaves on paper."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    found = []
    for page in out.split("<page ")[1:]:
        words = [(*map(float, w[:4]), w[4]) for w in WORD.findall(page)]
        for i, (x0, y0, x1, y1, a) in enumerate(words):
            for u0, v0, u1, v1, b in words[i + 1 :]:
                across = min(x1, u1) - max(x0, u0)
                down = min(y1, v1) - max(y0, v0)
                if across > 0.5 and down > min(y1 - y0, v1 - v0) / 3:
                    found.append((a, b))
    return found


def test_a_row_of_wrapped_text_is_as_tall_as_its_lines() -> None:
    ws = load_workbook(io.BytesIO(posting_workbook(VI, context()))).active
    assert ws is not None
    heights = {
        ws.cell(r, 2).value: ws.row_dimensions[r].height
        for r in range(HEADER_ROW + 1, HEADER_ROW + 1 + len(NAMES))
    }
    assert heights["Nguyễn Văn Long"] is None  # one line ("Tái nghèo"): the default height
    assert heights["Nguyễn Thị Thanh Hằng Nguyễn Phương"] >= 2 * LINE  # a long name
    assert heights["Ngô Thị Chi"] >= 2 * LINE  # "Thoát nghèo (… có mức sống trung bình)"
    assert heights["Đinh Văn Giang"] >= 2 * LINE  # "Thoát cận nghèo (… trung bình)"
    assert heights["Hoàng Thu Liên"] >= 2 * LINE  # in "Tổ dân phố Nam Thành Công"
    assert ws.row_dimensions[HEADER_ROW].height >= 2 * LINE  # "Số nhân khẩu", "Dân tộc thiểu số"
    assert lines_of("Tái nghèo", 30) == 1
    assert lines_of("Thoát cận nghèo (thành hộ có mức sống trung bình)", 30) == 2


def test_libreoffice_prints_no_row_over_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tests.pdf, "KEEP", str(tmp_path))  # the PDF itself, for its boxes
    pdf = to_pdf({"posting-list.xlsx": posting_workbook(VI, context())})["posting-list.xlsx"]
    assert placeholders(pdf) == []
    assert a4(pdf, landscape=True), pdf.sizes
    assert overprinted(pdf.path) == []
    text = " ".join(pdf.text.split())
    assert all(name in pdf.flat() for name in NAMES)
    assert "Đợt rà soát thường xuyên tháng 05/2026 – xã Gia Viễn" in text
    # Each wrapped cell's lines follow each other, not another row's.
    layout = [" ".join(line.split()) for line in pdf.text.splitlines()]
    first = next(i for i, line in enumerate(layout) if "Ngô Thị Chi" in line)
    assert "Thoát nghèo (thành hộ có mức sống" in layout[first]
    assert layout[first + 1] == "trung bình)"
