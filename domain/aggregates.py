"""Report figures (DOMAIN.md "Report figures") as pure functions over simple records.

Every approved decision records the household's state (status, active) just before and just after
it. A period's figures then come from two small inputs, both aggregated by the database:

- the state of each household at the period's end (its current state, or the state before its
  first decision after the period ended), and
- the transitions decided within the period.

Every transition that moves a household into or out of a group is counted, so the figures always
balance, and "at start" is derived from them: start = end + exited − fell back − newly. Entering
through a "fell_back" decision counts as fell back; entering any other way (newly poor, moved in,
a correction) as newly; leaving any way (exit decision, exit registration, moved out, dissolved,
becoming poor for a near-poor household) as exited. A household that leaves and comes back within
one period counts in both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal

POOR, NEAR_POOR = "poor", "near_poor"
GROUPS = (POOR, NEAR_POOR)
FELL_BACK = "fell_back"


@dataclass(frozen=True)
class State:
    """A household's place in the register: its status and whether it is still listed."""

    status: str
    active: bool

    def member(self, group: str) -> bool:
        return self.active and self.status == group


@dataclass(frozen=True)
class EndState:
    """`count` households of one kind in the same state when the period ends."""

    state: State
    ethnic_minority: bool = False
    count: int = 1


@dataclass(frozen=True)
class Transition:
    """`count` approved decisions of one kind, each moving a household from `before` to `after`."""

    kind: str
    before: State
    after: State
    count: int = 1


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


def block(group: str, ends: Iterable[EndState], moves: Iterable[Transition]) -> Block:
    """One group's block from the states at the end and the period's transitions."""
    end = sum(e.count for e in ends if e.state.member(group))
    exited = fell_back = newly = 0
    for m in moves:
        was, now = m.before.member(group), m.after.member(group)
        if was and not now:
            exited += m.count
        elif now and not was:
            if m.kind == FELL_BACK:
                fell_back += m.count
            else:
                newly += m.count
    return Block(end + exited - fell_back - newly, exited, fell_back, newly, end)


def tally(ends: Iterable[EndState], moves: Iterable[Transition]) -> Tally:
    ends, moves = list(ends), list(moves)
    return Tally(
        households=sum(e.count for e in ends if e.state.active),
        poor=block(POOR, ends, moves),
        near_poor=block(NEAR_POOR, ends, moves),
        ethnic_minority_poor=sum(
            e.count for e in ends if e.ethnic_minority and e.state.member(POOR)
        ),
        ethnic_minority_near_poor=sum(
            e.count for e in ends if e.ethnic_minority and e.state.member(NEAR_POOR)
        ),
    )


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
