"""The review procedure of QĐ 24/2021/QĐ-TTg: rounds, the hamlet meeting's rule, public posting,
the commune's decision, and the stage a submission has reached.

The numbers (share of votes, posting days, deadlines, calendar) are data with their article in
`procedure_data/qd24-2021.json`; this module only computes with them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

import holidays

from domain.changes import CHANGE_KINDS, EXIT_REGISTRATION

DATA = Path(__file__).resolve().parent / "procedure_data" / "qd24-2021.json"

REGULAR = "regular"  # rà soát thường xuyên, monthly
PERIODIC = "periodic"  # rà soát định kỳ, 1/9 – 14/12
ROUND_KINDS = (REGULAR, PERIODIC)
OPEN, POSTING, CLOSED = "open", "posting", "closed"
ROUND_STATUSES = (OPEN, POSTING, CLOSED)

REVIEW_REQUEST = "review_request"  # Mẫu 01: the household asks to be reviewed

# Submission states of the procedure, and the stage each shows in the pending list.
MEETING_PASSED = "meeting_passed"
MEETING_FAILED = "meeting_failed"
ACCEPTED = "accepted"  # the commune put it on the round's preliminary list
POSTED = "posted"  # on the posted list until the decision
AWAITING_MEETING = "awaiting_meeting"
AWAITING_REVIEW = "awaiting_review"
AWAITING_POSTING = "awaiting_posting"
STAGE_POSTING = "posting"
STAGE_COMPLAINT = "complaint"
STAGES = (AWAITING_MEETING, AWAITING_REVIEW, AWAITING_POSTING, STAGE_POSTING, STAGE_COMPLAINT)
# States still in the procedure (not yet decided, returned, rejected or failed at the meeting).
ACTIVE_STATES = ("submitted", "hamlet_reviewed", MEETING_PASSED, ACCEPTED, POSTED)
KINDS = (*CHANGE_KINDS, EXIT_REGISTRATION, REVIEW_REQUEST)


@dataclass(frozen=True)
class Procedure:
    meeting_share: Fraction
    meeting_strict: bool
    meeting_article: str
    posting_days: int
    posting_article: str
    decision_days: int
    decision_article: str
    regular_start_day: int
    periodic_start: tuple[int, int]
    periodic_end: tuple[int, int]
    periodic_hamlet_end: tuple[int, int]
    periodic_commune_end: tuple[int, int]
    periodic_article: str
    report_day: int
    report_months: tuple[int, ...]
    province_preliminary: tuple[int, int]
    province_official: tuple[int, int]
    reports_article: str
    meeting_kinds: frozenset[str]
    provisional: bool


def _pair(v: Any) -> tuple[int, int]:
    return int(v[0]), int(v[1])


def load(path: Path = DATA) -> Procedure:
    raw = json.loads(path.read_text(encoding="utf-8"))
    m, p, d, r, per, rep = (
        raw["meeting"],
        raw["posting"],
        raw["decision"],
        raw["regular"],
        raw["periodic"],
        raw["reports"],
    )
    return Procedure(
        meeting_share=Fraction(int(m["share"][0]), int(m["share"][1])),
        meeting_strict=bool(m["strictly_more"]),
        meeting_article=m["article"],
        posting_days=int(p["working_days"]),
        posting_article=p["article"],
        decision_days=int(d["regular_days"]),
        decision_article=d["article"],
        regular_start_day=int(r["start_day"]),
        periodic_start=_pair(per["start"]),
        periodic_end=_pair(per["end"]),
        periodic_hamlet_end=_pair(per["hamlet_end"]),
        periodic_commune_end=_pair(per["commune_end"]),
        periodic_article=per["article"],
        report_day=int(rep["commune_monthly_day"]),
        report_months=tuple(int(x) for x in rep["commune_monthly_months"]),
        province_preliminary=_pair(rep["province_preliminary"]),
        province_official=_pair(rep["province_official"]),
        reports_article=rep["article"],
        meeting_kinds=frozenset(raw["meeting_kinds"]),
        provisional=bool(raw.get("provisional", False)),
    )


@lru_cache(maxsize=1)
def procedure() -> Procedure:
    return load()


def needs_meeting(kind: str, rules: Procedure | None = None) -> bool:
    """Whether a change of this kind needs the hamlet meeting (becoming poor, exiting, …); moves,
    dissolutions and corrections of the register do not."""
    return kind in (rules or procedure()).meeting_kinds


def meeting_passes(votes_for: int, present: int, rules: Procedure | None = None) -> bool:
    """The hamlet meeting's rule: at least the share of those present (more than it, where the
    data says `strict`), computed exactly, no rounding."""
    rules = rules or procedure()
    if present <= 0 or votes_for < 0 or votes_for > present:
        raise ValueError(f"votes in favour must be 0..{present}, got {votes_for}")
    share = Fraction(votes_for, present)
    return share > rules.meeting_share if rules.meeting_strict else share >= rules.meeting_share


def votes_needed(present: int, rules: Procedure | None = None) -> int:
    """The fewest votes in favour that pass with this many present."""
    return next(v for v in range(present + 1) if meeting_passes(v, present, rules))


@lru_cache(maxsize=16)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("VN", years=[year]).keys())


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a public holiday of Vietnam (the `holidays` library's list)."""
    return day.weekday() < 5 and day not in _holidays(day.year)


def working_days_from(start: date, n: int) -> date:
    """The n-th working day counting from `start` (itself, when a working day, is the first)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    day, counted = start, 0
    while True:
        if is_working_day(day):
            counted += 1
            if counted == n:
                return day
        day += timedelta(days=1)


def posting_ends(start: date, rules: Procedure | None = None) -> date:
    return working_days_from(start, (rules or procedure()).posting_days)


@dataclass(frozen=True)
class RoundSpec:
    kind: str
    code: str
    starts_on: date
    ends_on: date
    lists_year: int  # the year whose lists the round produces


def round_for(day: date, rules: Procedure | None = None) -> RoundSpec:
    """The round under way on a day: the periodic review in its season, else that month's."""
    rules = rules or procedure()
    start, end = date(day.year, *rules.periodic_start), date(day.year, *rules.periodic_end)
    if start <= day <= end:
        return RoundSpec(PERIODIC, f"{day.year:04d}", start, end, day.year + 1)
    return regular_round(day.year, day.month)


def regular_round(year: int, month: int) -> RoundSpec:
    first = date(year, month, 1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return RoundSpec(REGULAR, f"{year:04d}-{month:02d}", first, last, year)


def periodic_round(year: int, rules: Procedure | None = None) -> RoundSpec:
    rules = rules or procedure()
    start, end = date(year, *rules.periodic_start), date(year, *rules.periodic_end)
    return RoundSpec(PERIODIC, f"{year:04d}", start, end, year + 1)


def spec_for(kind: str, code: str, rules: Procedure | None = None) -> RoundSpec:
    """The round of this kind and code ("2026" periodic, "2026-11" regular); ValueError if bad."""
    try:
        if kind == PERIODIC and len(code) == 4:
            return periodic_round(int(code), rules)
        if kind == REGULAR and len(code) == 7 and code[4] == "-":
            return regular_round(int(code[:4]), int(code[5:]))
    except ValueError:
        pass
    raise ValueError(f"no {kind} round {code!r}")


def lists_day(spec: RoundSpec) -> date:
    """The day whose standard the round's lists fall under: a periodic round decides the next
    year's lists (precedent: the review from 1/9/2021 used NĐ 07/2021 for the 2022 lists)."""
    return date(spec.lists_year, 1, 1) if spec.kind == PERIODIC else spec.starts_on


def decision_due(spec: RoundSpec, rules: Procedure | None = None) -> date:
    """By when the commune decides: the regular review's days counted from its start (the
    15th of the month), or the periodic review's end."""
    rules = rules or procedure()
    if spec.kind == PERIODIC:
        return spec.ends_on
    start = spec.starts_on.replace(day=min(rules.regular_start_day, 28))
    return start + timedelta(days=rules.decision_days)


def stage(kind: str, status: str, *, open_complaint: bool = False) -> str | None:
    """Where a submission stands in the procedure; None once it is out of it."""
    if status in ("submitted", "hamlet_reviewed"):
        return AWAITING_MEETING if needs_meeting(kind) else AWAITING_REVIEW
    if status == MEETING_PASSED:
        return AWAITING_REVIEW
    if status == ACCEPTED:
        return AWAITING_POSTING
    if status == POSTED:
        return STAGE_COMPLAINT if open_complaint else STAGE_POSTING
    return None
