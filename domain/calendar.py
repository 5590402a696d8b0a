"""Reporting calendar (QĐ 24/2021/QĐ-TTg): monthly regular review and the annual periodic review.

Deadlines are the end of the named day in Hà Nội time, returned in UTC for storage.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from domain.i18n import LOCAL_TZ

MONTHLY = "monthly"
ANNUAL = "annual"
HAMLET_DAY = 25  # hamlets answer by the 25th
COMMUNE_DAY = 5  # communes report upward on the 5th of the next month
ANNUAL_START = (9, 1)  # periodic review: 1 September ...
ANNUAL_END = (12, 14)  # ... to 14 December
ANNUAL_HAMLET_END = (11, 30)


@dataclass(frozen=True)
class PeriodSpec:
    kind: str
    code: str
    starts_on: date
    ends_on: date
    hamlet_deadline: datetime
    commune_deadline: datetime


def end_of_day(day: date) -> datetime:
    """23:59:59 local on `day`, in UTC."""
    return datetime.combine(day, time(23, 59, 59), LOCAL_TZ).astimezone(UTC)


def local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def monthly(
    year: int, month: int, *, hamlet_day: int = HAMLET_DAY, commune_day: int = COMMUNE_DAY
) -> PeriodSpec:
    last = calendar.monthrange(year, month)[1]
    nxt = date(year, month, last) + timedelta(days=1)
    return PeriodSpec(
        kind=MONTHLY,
        code=f"{year:04d}-{month:02d}",
        starts_on=date(year, month, 1),
        ends_on=date(year, month, last),
        hamlet_deadline=end_of_day(date(year, month, min(hamlet_day, last))),
        commune_deadline=end_of_day(date(nxt.year, nxt.month, commune_day)),
    )


def monthly_for(moment: datetime) -> PeriodSpec:
    day = local_day(moment)
    return monthly(day.year, day.month)


def annual(year: int) -> PeriodSpec:
    return PeriodSpec(
        kind=ANNUAL,
        code=f"{year:04d}",
        starts_on=date(year, *ANNUAL_START),
        ends_on=date(year, *ANNUAL_END),
        hamlet_deadline=end_of_day(date(year, *ANNUAL_HAMLET_END)),
        commune_deadline=end_of_day(date(year, *ANNUAL_END)),
    )


def on_time(submitted_at: datetime, deadline: datetime) -> bool:
    return submitted_at <= deadline


_DAY = re.compile(r"^\s*([0-9]{1,2})\s*[/.-]\s*([0-9]{1,2})(?:\s*[/.-]\s*([0-9]{2}|[0-9]{4}))?\s*$")


def parse_day(text: str, today: date) -> date | None:
    """A day typed as people write it: "30/11/2026", "30/11/26", "30-11", "30.11" (this year).
    None when it is not a date."""
    m = _DAY.match(text)
    if not m:
        return None
    day, month, year = int(m.group(1)), int(m.group(2)), m.group(3)
    full = today.year if year is None else int(year) + (2000 if len(year) == 2 else 0)
    try:
        return date(full, month, day)
    except ValueError:
        return None
