"""The procedure's rules as data (QĐ 24/2021): the meeting's vote, working days, rounds, stages."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from domain import procedure as proc
from domain.calendar import parse_day


@pytest.mark.parametrize(
    ("votes", "present", "passed"),
    [(5, 10, True), (4, 10, False), (4, 7, True), (3, 7, False), (1, 2, True), (0, 1, False)],
)
def test_the_meeting_passes_with_at_least_half_of_those_present(
    votes: int, present: int, passed: bool
) -> None:
    # Điều 4 khoản 3: "ít nhất 50% tổng số người tham dự cuộc họp"
    assert proc.meeting_passes(votes, present) is passed


def test_the_rule_is_data_and_impossible_votes_are_refused(tmp_path: Path) -> None:
    raw = json.loads(proc.DATA.read_text(encoding="utf-8"))
    raw["meeting"]["strictly_more"] = True  # a province reading "trên 50%"
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    strict = proc.load(path)
    assert not proc.meeting_passes(5, 10, strict) and proc.meeting_passes(6, 10, strict)
    assert proc.votes_needed(10) == 5 and proc.votes_needed(10, strict) == 6
    for votes, present in ((11, 10), (-1, 10), (0, 0)):
        with pytest.raises(ValueError):
            proc.meeting_passes(votes, present)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 11, 25), date(2026, 11, 27)),  # Wed → Fri
        (date(2026, 11, 27), date(2026, 12, 1)),  # Fri, Mon, Tue
        (date(2026, 11, 21), date(2026, 11, 26)),  # a Saturday; Tue 24/11 is Vietnam Culture Day
        (date(2026, 8, 28), date(2026, 9, 4)),  # 31/8 (swapped day off), 1–2/9 National Day
        (date(2027, 2, 3), date(2027, 2, 12)),  # Tết 2027 (4–10/2)
    ],
)
def test_posting_counts_working_days_skipping_weekends_and_holidays(start: date, end: date) -> None:
    assert proc.posting_ends(start) == end


def test_the_round_under_way_and_the_lists_it_decides() -> None:
    annual = proc.round_for(date(2026, 11, 25))
    assert (annual.kind, annual.code, annual.lists_year) == ("periodic", "2026", 2027)
    assert proc.lists_day(annual) == date(2027, 1, 1)  # NĐ 351/2025's period
    assert proc.decision_due(annual) == date(2026, 12, 14)
    december = proc.round_for(date(2026, 12, 15))
    assert (december.kind, december.code) == ("regular", "2026-12")
    assert proc.lists_day(december) == date(2026, 12, 1)
    # Điều 5 khoản 2: 15 days from the regular review's start on the 15th.
    assert proc.decision_due(december) == date(2026, 12, 30)
    assert proc.round_for(date(2026, 8, 31)).code == "2026-08"
    assert proc.spec_for("regular", "2027-02").ends_on == date(2027, 2, 28)
    for kind, code in (("regular", "2026"), ("periodic", "2026-11"), ("regular", "2026-13")):
        with pytest.raises(ValueError):
            proc.spec_for(kind, code)


@pytest.mark.parametrize(
    ("kind", "status", "complaint", "stage"),
    [
        ("newly_poor", "submitted", False, "awaiting_meeting"),
        ("exit_registration", "hamlet_reviewed", False, "awaiting_meeting"),
        ("review_request", "submitted", False, "awaiting_meeting"),
        ("moved_out", "submitted", False, "awaiting_review"),
        ("fell_back", "meeting_passed", False, "awaiting_review"),
        ("exited_poverty", "accepted", False, "awaiting_posting"),
        ("exited_poverty", "posted", False, "posting"),
        ("exited_poverty", "posted", True, "complaint"),
        ("newly_poor", "meeting_failed", False, None),
        ("newly_poor", "approved", False, None),
    ],
)
def test_stage(kind: str, status: str, complaint: bool, stage: str | None) -> None:
    assert proc.stage(kind, status, open_complaint=complaint) == stage


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("30/11/2026", date(2026, 11, 30)),
        ("30/11/26", date(2026, 11, 30)),
        (" 1-12 ", date(2026, 12, 1)),
        ("2.12.2026", date(2026, 12, 2)),
        ("31/11/2026", None),
        ("ngày mai", None),
        ("2026-11-30", None),
    ],
)
def test_a_typed_day(text: str, day: date | None) -> None:
    assert parse_day(text, date(2026, 11, 25)) == day
