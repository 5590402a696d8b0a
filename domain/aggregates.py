"""Report figures (DOMAIN.md "Report figures") as pure functions over simple records.

A household's history is its state before its first approved decision plus every approved change
after it, in decision order. Replaying it gives the state at any moment, so "poor at start" is the
state just before the period begins and "poor at end" the state when it ends.

Every change that moves a household into or out of a group is counted, so the figures always
balance: end = start − exited + fell back + newly. Entering through a "fell_back" decision counts
as fell back; entering any other way (newly poor, moved in, a correction) as newly; leaving any
way (exit decision, exit registration, moved out, dissolved, becoming poor for a near-poor
household) as exited. A household that leaves and comes back within one period counts in both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

POOR, NEAR_POOR = "poor", "near_poor"
GROUPS = (POOR, NEAR_POOR)
FELL_BACK = "fell_back"


@dataclass(frozen=True)
class Change:
    """One approved decision: the status and active flag it leaves (None: left as it was)."""

    at: datetime
    kind: str
    status: str | None
    active: bool | None


@dataclass(frozen=True)
class History:
    status: str  # before the first change below
    active: bool
    ethnic_minority: bool = False
    changes: tuple[Change, ...] = ()

    def state_before(self, moment: datetime) -> tuple[str, bool]:
        status, active = self.status, self.active
        for c in self.changes:
            if c.at >= moment:
                break
            status = c.status if c.status is not None else status
            active = c.active if c.active is not None else active
        return status, active


def _in(group: str, status: str, active: bool) -> bool:
    return active and status == group


@dataclass(frozen=True)
class Block:
    """One group's movement over a period."""

    start: int = 0
    exited: int = 0
    fell_back: int = 0
    newly: int = 0
    end: int = 0

    def __add__(self, other: Block) -> Block:
        return Block(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def balanced(self) -> bool:
        return self.end == self.start - self.exited + self.fell_back + self.newly


@dataclass(frozen=True)
class Tally:
    """Households counted in the register (active at the end), and each group's movement."""

    households: int = 0
    poor: Block = field(default_factory=Block)
    near_poor: Block = field(default_factory=Block)
    ethnic_minority_poor: int = 0
    ethnic_minority_near_poor: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.households + other.households,
            self.poor + other.poor,
            self.near_poor + other.near_poor,
            self.ethnic_minority_poor + other.ethnic_minority_poor,
            self.ethnic_minority_near_poor + other.ethnic_minority_near_poor,
        )


def movement(h: History, group: str, start: datetime, end: datetime) -> Block:
    """The household's part in one group's block for the period [start, end)."""
    status, active = h.state_before(start)
    member = _in(group, status, active)
    at_start, exited, fell_back, newly = int(member), 0, 0, 0
    for c in h.changes:
        if c.at < start:
            continue
        if c.at >= end:
            break
        status = c.status if c.status is not None else status
        active = c.active if c.active is not None else active
        now_member = _in(group, status, active)
        if member and not now_member:
            exited += 1
        elif now_member and not member:
            if c.kind == FELL_BACK:
                fell_back += 1
            else:
                newly += 1
        member = now_member
    return Block(at_start, exited, fell_back, newly, int(member))


def tally(histories: Iterable[History], start: datetime, end: datetime) -> Tally:
    total = Tally()
    for h in histories:
        _, active = h.state_before(end)
        poor, near = movement(h, POOR, start, end), movement(h, NEAR_POOR, start, end)
        total += Tally(
            households=int(active),
            poor=poor,
            near_poor=near,
            ethnic_minority_poor=poor.end if h.ethnic_minority else 0,
            ethnic_minority_near_poor=near.end if h.ethnic_minority else 0,
        )
    return total


def with_households(t: Tally, households: int) -> Tally:
    """The same movement over a household total entered by the hamlet instead of counted."""
    return Tally(
        households, t.poor, t.near_poor, t.ethnic_minority_poor, t.ethnic_minority_near_poor
    )


def rate(part: int, whole: int) -> float | None:
    """part / whole × 100, one decimal, halves rounded up; None when there is no whole."""
    if whole <= 0:
        return None
    pct = Decimal(part) * 100 / Decimal(whole)
    return float(pct.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Completeness:
    expected: int
    received: int
    on_time: int

    @property
    def late(self) -> int:
        return self.received - self.on_time

    @property
    def missing(self) -> int:
        return self.expected - self.received

    @property
    def rate(self) -> float | None:
        return rate(self.received, self.expected)

    def __add__(self, other: Completeness) -> Completeness:
        return Completeness(
            self.expected + other.expected,
            self.received + other.received,
            self.on_time + other.on_time,
        )


def completeness(expected: int, on_time_flags: Iterable[bool]) -> Completeness:
    """From the hamlets expected and one on-time flag per received current report."""
    flags = list(on_time_flags)
    return Completeness(expected, len(flags), sum(1 for f in flags if f))


def lacking(
    households: Iterable[tuple[str, tuple[str, ...]]], codes: Iterable[str]
) -> dict[str, dict[str, int]]:
    """Per indicator code: poor and near-poor households deprived on it.

    `households` are (status at the period's end, indicators deprived on the latest approved
    assessment); codes not in `codes` are added after them.
    """
    out: dict[str, dict[str, int]] = {c: {POOR: 0, NEAR_POOR: 0} for c in codes}
    for status, deprived in households:
        if status not in GROUPS:
            continue
        for code in deprived:
            out.setdefault(code, {POOR: 0, NEAR_POOR: 0})[status] += 1
    return out
