"""Reporting calendar (QĐ 24/2021/QĐ-TTg): monthly regular review and the annual periodic review.

Deadlines are the end of the named day in Hà Nội time, returned in UTC for storage. The days are
the procedure's data (domain/procedure_data/qd24-2021.json: `periodic`, `reports`), so a
province's own deadlines are a change of that file, not of this code.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from domain.i18n import LOCAL_TZ
from domain.procedure import procedure

MONTHLY = "monthly"
ANNUAL = "annual"
HAMLET_DAY = 25  # hamlets answer by the 25th (the commune's own deadline, before its report)
COMMUNE_DAY = procedure().report_day  # communes report upward on the 5th of the next month


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
    """The periodic review (1/9 – 14/12): hamlets answer by `periodic.hamlet_end`, the commune
    completes by `periodic.commune_end` (both the commune's or province's own deadlines)."""
    p = procedure()
    return PeriodSpec(
        kind=ANNUAL,
        code=f"{year:04d}",
        starts_on=date(year, *p.periodic_start),
        ends_on=date(year, *p.periodic_end),
        hamlet_deadline=end_of_day(date(year, *p.periodic_hamlet_end)),
        commune_deadline=end_of_day(date(year, *p.periodic_commune_end)),
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
