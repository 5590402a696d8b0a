"""Reminder rules as data, and the pure arithmetic of when each one fires.

Every rule fires at a local time (Asia/Ho_Chi_Minh) on days counted from a period's hamlet
deadline; the scheduler asks which firings fall in a window and who they are for. Quiet hours
defer a message, never drop it; firings missed by more than the grace window are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from domain.calendar import local_day
from domain.i18n import LOCAL_TZ

BEFORE = "before"  # hamlet heads who still owe, N days before the deadline
OVERDUE = "overdue"  # hamlet heads who still owe, daily after the deadline
ESCALATION = "escalation"  # commune officers: the hamlets still missing
DIGEST = "digest"  # commune officers, weekly: pending reviews, missing reports, registrations


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    days: int = 0  # BEFORE: days before the deadline; ESCALATION: days after it
    at: time = time(8, 0)
    max_days: int = 0  # OVERDUE: daily for this many days after the deadline
    weekday: int = 0  # DIGEST: 0 = Monday


# Per period kind; an officer changing a rule edits data, not code.
RULES: dict[str, tuple[Rule, ...]] = {
    "monthly": (
        Rule("before-3", BEFORE, days=3),
        Rule("before-1", BEFORE, days=1),
        Rule("due-day", BEFORE, days=0),
        Rule("overdue", OVERDUE, max_days=5),
        Rule("escalation", ESCALATION, days=1),
    ),
    "annual": (
        Rule("before-7", BEFORE, days=7),
        Rule("before-3", BEFORE, days=3),
        Rule("before-1", BEFORE, days=1),
        Rule("due-day", BEFORE, days=0),
        Rule("overdue", OVERDUE, max_days=7),
        Rule("escalation", ESCALATION, days=1),
    ),
}
WEEKLY_DIGEST = Rule("digest", DIGEST, weekday=0)


@dataclass(frozen=True)
class QuietHours:
    start: time = time(21, 0)
    end: time = time(7, 0)

    def contains(self, moment: datetime) -> bool:
        t = moment.astimezone(LOCAL_TZ).time()
        return t >= self.start or t < self.end

    def defer(self, moment: datetime) -> datetime:
        """The same moment, or the next end of quiet hours when it falls inside them."""
        if not self.contains(moment):
            return moment
        local = moment.astimezone(LOCAL_TZ)
        day = local.date() if local.time() < self.end else local.date() + timedelta(days=1)
        return datetime.combine(day, self.end, LOCAL_TZ).astimezone(UTC)


@dataclass(frozen=True)
class Firing:
    rule: Rule
    key: str  # the rule id plus, for daily rules, which day: "overdue-2"
    at: datetime  # UTC


def _at(day: date, when: time) -> datetime:
    return datetime.combine(day, when, LOCAL_TZ).astimezone(UTC)


def firings(rule: Rule, deadline: datetime) -> Iterator[Firing]:
    """Every firing of a deadline rule, in time order."""
    day = local_day(deadline)
    if rule.kind == BEFORE:
        yield Firing(rule, rule.id, _at(day - timedelta(days=rule.days), rule.at))
    elif rule.kind == OVERDUE:
        for n in range(1, rule.max_days + 1):
            yield Firing(rule, f"{rule.id}-{n}", _at(day + timedelta(days=n), rule.at))
    elif rule.kind == ESCALATION:
        yield Firing(rule, rule.id, _at(day + timedelta(days=rule.days), rule.at))


def digest_firings(start: datetime, end: datetime, rule: Rule = WEEKLY_DIGEST) -> Iterator[Firing]:
    """Weekly digests whose time lies in (start, end]; the key names the local date."""
    day = local_day(start) - timedelta(days=1)
    while _at(day, rule.at) <= end:
        moment = _at(day, rule.at)
        if day.weekday() == rule.weekday and start < moment:
            yield Firing(rule, f"{rule.id}-{day.isoformat()}", moment)
        day += timedelta(days=1)


@dataclass(frozen=True)
class Decision:
    send_at: datetime | None  # None: skipped
    reason: str  # "due", "deferred_quiet_hours", "missed"


def decide(
    firing: Firing, now: datetime, *, grace: timedelta, quiet: QuietHours
) -> Decision | None:
    """None while the firing is in the future; then send (maybe deferred) or skip if too old."""
    if firing.at > now:
        return None
    if now - firing.at > grace:
        return Decision(None, "missed")
    send_at = quiet.defer(now)
    return Decision(send_at, "due" if send_at == now else "deferred_quiet_hours")


# Reminders that follow the review rounds (QĐ 24/2021): the hamlet's agenda for its meeting,
# the end of the public posting, the commune's decision coming due.
AGENDA = "agenda"  # hamlet heads, weekly: households waiting for the hamlet meeting
POSTING_OVER = "posting_over"  # commune officers, the working day after the posting ends
DECISION_DUE = "decision_due"  # commune officers, N days before the round's decision is due
ROUND_RULES: tuple[Rule, ...] = (
    Rule("agenda", AGENDA, weekday=0),
    Rule("posting-over", POSTING_OVER, days=1),
    Rule("decision-due", DECISION_DUE, days=3),
)


def day_firing(rule: Rule, day: date) -> Firing:
    """A one-off firing of a round rule on a given local day."""
    return Firing(rule, rule.id, _at(day, rule.at))


# "Chung tay" (issue 16): once a month the contact of every supporter assigned to a household
# hears which households it helps; `days` is the day of the month.
HELPER_NUDGE = "helper_nudge"
SUPPORT_RULES: tuple[Rule, ...] = (Rule("helper-nudge", HELPER_NUDGE, days=1),)


def monthly_firings(start: datetime, end: datetime, rule: Rule) -> Iterator[Firing]:
    """Monthly firings whose time lies in (start, end]; the key names the month."""
    first = local_day(start).replace(day=1)
    month = (first.year, first.month)
    while True:
        day = date(month[0], month[1], min(rule.days, 28) or 1)
        moment = _at(day, rule.at)
        if moment > end:
            return
        if start < moment:
            yield Firing(rule, f"{rule.id}-{day:%Y-%m}", moment)
        month = (month[0] + month[1] // 12, month[1] % 12 + 1)
