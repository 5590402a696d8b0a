"""Place, date and number lines of administrative documents (Nghị định 30/2020/NĐ-CP)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.documents import date_line, day_and_month, number_line, place_name
from domain.i18n import Translator


@pytest.mark.parametrize(
    ("unit", "place"),
    [
        ("Xã Gia Viễn", "Gia Viễn"),
        ("Phường Hoa Lư", "Hoa Lư"),
        ("Tỉnh Ninh Bình", "Ninh Bình"),
        ("Thành phố Hà Nội", "Hà Nội"),
        ("Đặc khu Phú Quốc", "Phú Quốc"),
        ("Thị trấn Me", "Me"),
        ("Gia Viễn", "Gia Viễn"),  # no kind in the name: as it is
        ("Xã", "Xã"),  # nothing would be left
    ],
)
def test_place_name_drops_the_kind_of_unit(unit: str, place: str) -> None:
    assert place_name(unit) == place


@pytest.mark.parametrize(
    ("day", "parts"),
    [
        (date(2026, 12, 5), ("05", "12")),
        (date(2027, 2, 9), ("09", "02")),  # January and February take a zero
        (date(2027, 1, 15), ("15", "01")),
        (date(2027, 3, 1), ("01", "3")),  # other months do not
        (date(2026, 11, 25), ("25", "11")),
    ],
)
def test_day_and_month_as_the_decree_writes_them(day: date, parts: tuple[str, str]) -> None:
    assert day_and_month(day) == parts


def test_date_and_number_lines() -> None:
    t = Translator("vi")
    assert date_line(t, "Gia Viễn", date(2026, 12, 5)) == "Gia Viễn, ngày 05 tháng 12 năm 2026"
    assert number_line(t, "commune") == "Số: …/BC-UBND"
    assert number_line(t, "province") == "Số: …/BC-UBND"
    assert number_line(t, "hamlet") == "Số: …/BC"
