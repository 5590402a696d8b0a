"""Administrative documents as Nghị định 30/2020/NĐ-CP lays them out: the place name, the date
line, the number and symbol, the font. Data and pure functions; the XLSX builder uses them."""

from __future__ import annotations

from datetime import date

from domain.i18n import N_, Translator, nfc

# NĐ 30/2020, Phụ lục I: every part of an administrative document in Times New Roman.
FONT = "Times New Roman"

# The place name on a document is the unit's name without its kind: "Xã Gia Viễn" -> "Gia Viễn"
# (NĐ 30/2020, Phụ lục I, part I.4). Longest first, so "Thành phố" wins over a shorter match.
UNIT_KINDS = (
    "Tổ dân phố",
    "Thành phố",
    "Thị trấn",
    "Đặc khu",
    "Thị xã",
    "Phường",
    "Huyện",
    "Quận",
    "Tỉnh",
    "Thôn",
    "Xóm",
    "Bản",
    "Ấp",
    "Xã",
)

# Number and symbol: a report ("BC") of the people's committee ("UBND"); a hamlet is not an
# administrative unit and issues no UBND document, its head's report carries the kind only.
REPORT = "BC"
ISSUERS: dict[str, str | None] = {"hamlet": None}
DEFAULT_ISSUER = "UBND"

DATE_LINE = N_("{place}, day {day} month {month} year {year}")
NUMBER_LINE = N_("No.: …/{symbol}")


def place_name(unit_name: str) -> str:
    """The unit's name without its kind ("Phường Hoa Lư" -> "Hoa Lư")."""
    name = nfc(unit_name).strip()
    for kind in UNIT_KINDS:
        if name.lower().startswith(kind.lower() + " ") and name[len(kind) :].strip():
            return name[len(kind) :].strip()
    return name


def day_and_month(day: date) -> tuple[str, str]:
    """NĐ 30/2020: days below 10 and the months January and February take a leading zero
    ("ngày 05 tháng 02"), other months do not ("tháng 3", "tháng 12")."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{day.day:02d}", month


def date_line(t: Translator, place: str, day: date) -> str:
    """'Gia Viễn, ngày 05 tháng 12 năm 2026'."""
    d, m = day_and_month(day)
    return t(DATE_LINE, place=place, day=d, month=m, year=day.year)


def number_line(t: Translator, level: str) -> str:
    """'Số: …/BC-UBND': the number is left blank for the office's register."""
    issuer = ISSUERS.get(level, DEFAULT_ISSUER)
    return t(NUMBER_LINE, symbol=f"{REPORT}-{issuer}" if issuer else REPORT)


DAY_PHRASE = N_("day {day} month {month} year {year}")
BLANK = "…"  # a field the officer fills in by hand


def in_sentence(unit_name: str) -> str:
    """The unit's name inside a sentence: its kind in lower case ("Xã Gia Viễn" -> "xã Gia
    Viễn"), as Vietnamese writes it after "trên địa bàn", "Ủy ban nhân dân"."""
    name = nfc(unit_name).strip()
    for kind in UNIT_KINDS:
        if name.lower().startswith(kind.lower() + " ") and name[len(kind) :].strip():
            return kind.lower() + name[len(kind) :]
    return name


def day_phrase(t: Translator, day: date | None, year: int | None = None) -> str:
    """'ngày 05 tháng 12 năm 2026'; without a day, blanks to fill in ('ngày … tháng … năm 2026')."""
    if day is None:
        return t(DAY_PHRASE, day=BLANK, month=BLANK, year=year or BLANK)
    d, m = day_and_month(day)
    return t(DAY_PHRASE, day=d, month=m, year=day.year)


def blank_date_line(t: Translator, place: str, year: int) -> str:
    """'Gia Viễn, ngày … tháng … năm 2026': a draft, dated when it is signed."""
    return t(DATE_LINE, place=place, day=BLANK, month=BLANK, year=year)
