"""Which list of the commune's decision a household goes on (Mẫu 02), as a table of cases."""

from __future__ import annotations

import pytest

from domain.decision_lists import (
    LIST_EXITED,
    LIST_EXITED_NEAR,
    LIST_NEAR_POOR,
    LIST_POOR,
    State,
    changes,
    expected,
)
from domain.documents import blank_date_line, day_phrase, in_sentence
from domain.i18n import Translator

POOR, NEAR, AVG = State("poor"), State("near_poor"), State("average")


@pytest.mark.parametrize(
    ("kind", "before", "result", "after", "lists"),
    [
        ("newly_poor", State("not_poor"), "poor", POOR, (LIST_POOR,)),
        ("fell_back", AVG, None, POOR, (LIST_POOR,)),
        ("newly_near_poor", AVG, "near_poor", NEAR, (LIST_NEAR_POOR,)),
        ("exited_poverty", POOR, "near_poor", NEAR, (LIST_NEAR_POOR, LIST_EXITED)),
        ("exit_registration", POOR, "average", AVG, (LIST_EXITED,)),
        ("exited_near_poverty", NEAR, "not_poor", State("not_poor"), (LIST_EXITED_NEAR,)),
        # A near-poor household becoming poor leaves the near-poor list (domain.aggregates).
        ("review_request", NEAR, "poor", POOR, (LIST_POOR, LIST_EXITED_NEAR)),
        ("moved_out", POOR, None, State("poor", False), (LIST_EXITED,)),
        ("correction", POOR, "poor", POOR, ()),
    ],
)
def test_lists_of_a_change(
    kind: str, before: State, result: str | None, after: State, lists: tuple[str, ...]
) -> None:
    assert expected(kind, before, result) == after
    assert changes(before, after) == lists


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("Xã Gia Viễn", "xã Gia Viễn"),
        ("Phường Hoa Lư", "phường Hoa Lư"),
        ("Thôn Đông", "thôn Đông"),
        ("Đặc khu Côn Đảo", "đặc khu Côn Đảo"),
        ("Gia Viễn", "Gia Viễn"),
    ],
)
def test_a_unit_inside_a_sentence(name: str, written: str) -> None:
    assert in_sentence(name) == written


def test_day_phrases() -> None:
    from datetime import date

    t = Translator("vi")
    assert day_phrase(t, date(2027, 1, 1)) == "ngày 01 tháng 01 năm 2027"
    assert day_phrase(t, None, 2026) == "ngày … tháng … năm 2026"
    assert blank_date_line(t, "Gia Viễn", 2026) == "Gia Viễn, ngày … tháng … năm 2026"
