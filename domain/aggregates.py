"""Report figures (DOMAIN.md "Report figures") as pure functions over simple records.

Every approved decision records the household's state (status, active) just before and just after
it (storage.register.decide). A period's figures then come from two sums the database computes per
hamlet (storage.reports):

- each group's members at the period's end (a household's current state, or the state before its
  first decision after the period ended), and
- the period's flows: decisions within the period that moved a household out of or into a group.

A household is a member of a group when it is active and has that status. Leaving counts as
exited whatever the decision (exit decision, exit registration, moved out, dissolved, a near-poor
household becoming poor); entering counts as fell back when the decision is "fell_back" and as
newly otherwise (newly poor, moved in, a correction). A household that leaves and comes back within
one period counts in both. "At start" is derived, so the figures always balance:
start = end + exited − fell back − newly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

POOR, NEAR_POOR = "poor", "near_poor"
GROUPS = (POOR, NEAR_POOR)
FELL_BACK = "fell_back"


@dataclass(frozen=True)
class Block:
    """One group's movement over a period."""

    start: int = 0
    exited: int = 0
    fell_back: int = 0
    newly: int = 0
    end: int = 0

    def __add__(self, other: Block) -> Block:
        return Block(
            self.start + other.start,
            self.exited + other.exited,
            self.fell_back + other.fell_back,
            self.newly + other.newly,
            self.end + other.end,
        )

    @property
    def balanced(self) -> bool:
        return self.end == self.start - self.exited + self.fell_back + self.newly

    @classmethod
    def at_end(cls, end: int, exited: int, fell_back: int, newly: int) -> Block:
        """The block whose members at the end and flows are these; the start follows from them."""
        return cls(end + exited - fell_back - newly, exited, fell_back, newly, end)


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
    return lacking_counted(((status, deprived, 1) for status, deprived in households), codes)


def lacking_counted(
    groups: Iterable[tuple[str, tuple[str, ...], int]], codes: Iterable[str]
) -> dict[str, dict[str, int]]:
    """As `lacking`, from (status, indicators deprived, how many households) groups."""
    out: dict[str, dict[str, int]] = {c: {POOR: 0, NEAR_POOR: 0} for c in codes}
    for status, deprived, n in groups:
        if status not in GROUPS:
            continue
        for code in deprived:
            out.setdefault(code, {POOR: 0, NEAR_POOR: 0})[status] += n
    return out
