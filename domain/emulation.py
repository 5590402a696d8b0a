"""Emulation results ("thi đua") per unit and year, as pure arithmetic over counted figures.

storage.emulation counts, per unit, from the approved decisions (Submission.before_*/after_*):
households and poor households on 1 January and at the end (31 December, or today in the
current year), the year's exits from poverty and falls back, the sustainable exits, and the
support and fund contributions received. This module turns them into rates, the reduction in
percentage points against the unit's target, and the ranking. The rules (default target,
years for a sustainable exit, how a family supporter is linked to a household) are data with
their source in `emulation_data/rules.json`.

Each rate is rounded to hundredths of a point (halves away from zero), as every report shows it
and as a target is set (Target.reduction_cpp); the reduction, the margin against the target,
whether the target is met and the ranking are all worked out from those rounded rates, so a
reduction read in a report is the difference of the rates beside it (9,47 − 7,17 = 2,30, where
the exact rates would give 2,31). The target a unit is held to is its target, or its rate on
1 January when that is lower: a unit with no poor households left to take out of poverty has met
its target when its rate did not rise.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "emulation_data" / "rules.json"

# Where a unit's target comes from: its own, a unit above it, or the rules' default.
OWN, INHERITED, DEFAULT = "set", "inherited", "default"


@dataclass(frozen=True)
class Rules:
    default_target_cpp: int  # hundredths of a percentage point
    default_target_source: str  # the source's text
    sustainable_years: int
    family_prefixes: tuple[str, ...]  # folded, longest first


def load(path: Path = DATA) -> Rules:
    raw = json.loads(path.read_text(encoding="utf-8"))
    sources = {s["id"]: s["about"] for s in raw["sources"]}
    target = raw["default_target"]
    prefixes = sorted(raw["family_name_prefixes"]["prefixes"], key=len, reverse=True)
    return Rules(
        default_target_cpp=pp_to_cpp(target["reduction_pp"]),
        default_target_source=sources[target["source"]],
        sustainable_years=int(raw["sustainable_exit"]["years"]),
        family_prefixes=tuple(prefixes),
    )


@lru_cache(maxsize=1)
def rules() -> Rules:
    return load()


def pp_to_cpp(value: Decimal | str | int | float) -> int:
    """Percentage points to hundredths of a point, exactly: "1.5" -> 150. More than two
    decimals is a ValueError (a target is kept in hundredths)."""
    try:
        amount = Decimal(str(value)) * 100
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if amount != amount.to_integral_value():
        raise ValueError(f"more than two decimals: {value!r}")
    return int(amount)


def cpp_to_pp(cpp: int) -> float:
    return float(Decimal(cpp) / 100)


def hundredths(value: Fraction | None) -> float | None:
    """A rate or a difference of rates for reading: two decimals, halves away from zero."""
    cpp = to_cpp(value)
    return None if cpp is None else cpp_to_pp(cpp)


def to_cpp(value: Fraction | None) -> int | None:
    """A rate in hundredths of a point, as it is shown: halves away from zero (28.575 -> 2858)."""
    if value is None:
        return None
    scaled = abs(value) * 100
    whole = scaled.numerator // scaled.denominator
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return whole if value >= 0 else -whole


def exact_rate(part: int, whole: int) -> Fraction | None:
    """part / whole × 100; None without households."""
    return Fraction(part * 100, whole) if whole > 0 else None


@dataclass(frozen=True)
class Figures:
    """What storage counts for one unit and year."""

    households_start: int = 0
    poor_start: int = 0
    households_end: int = 0
    poor_end: int = 0
    exits: int = 0  # active poor -> active not poor, decided in the year
    sustainable_exits: int = 0  # reached the years of a sustainable exit in the year
    fell_back: int = 0  # decisions "fell_back" that made a household poor
    support_count: int = 0
    support_value: int = 0  # đồng
    fund_count: int = 0
    fund_value: int = 0  # đồng

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(self))  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class Target:
    cpp: int
    source: str  # OWN | INHERITED | DEFAULT
    unit_id: int | None  # the unit whose target it is (None: the default)


def effective_target(chain: Sequence[tuple[int, int | None]], default_cpp: int) -> Target:
    """The target of the first unit of `chain` (the unit, then the units above it, nearest
    first) that has one for the year: (unit id, its target in hundredths or None)."""
    for i, (unit_id, cpp) in enumerate(chain):
        if cpp is not None:
            return Target(cpp, OWN if i == 0 else INHERITED, unit_id)
    return Target(default_cpp, DEFAULT, None)


@dataclass(frozen=True)
class Outcome:
    """A unit's year against its target."""

    figures: Figures
    target: Target

    @property
    def rate_start(self) -> Fraction | None:
        return exact_rate(self.figures.poor_start, self.figures.households_start)

    @property
    def rate_end(self) -> Fraction | None:
        return exact_rate(self.figures.poor_end, self.figures.households_end)

    @property
    def start_cpp(self) -> int | None:
        """The rate on 1 January as shown, in hundredths of a point."""
        return to_cpp(self.rate_start)

    @property
    def end_cpp(self) -> int | None:
        return to_cpp(self.rate_end)

    @property
    def reduction(self) -> Fraction | None:
        """Percentage points the poor rate fell by (negative when it rose): the rate on
        1 January less the rate at the end, both as shown (two decimals)."""
        start, end = self.start_cpp, self.end_cpp
        return None if start is None or end is None else Fraction(start - end, 100)

    @property
    def applied_target(self) -> Fraction | None:
        """The reduction the unit is held to: its target, or its rate on 1 January (as shown)
        when that is lower, since a rate cannot fall below zero. None without that rate."""
        start = self.start_cpp
        return None if start is None else Fraction(min(self.target.cpp, start), 100)

    @property
    def margin(self) -> Fraction | None:
        """The reduction less the applied target, in percentage points: met from 0 up."""
        reduction, target = self.reduction, self.applied_target
        return None if reduction is None or target is None else reduction - target

    @property
    def met(self) -> bool | None:
        margin = self.margin
        return None if margin is None else margin >= 0


def ranks(margins: Sequence[Fraction | None]) -> list[int | None]:
    """Competition ranking ("1, 2, 2, 4") by margin, largest first; no margin, no rank. The
    margins are of the rates as shown: units showing the same margin share a rank."""
    known = [m for m in margins if m is not None]
    return [None if m is None else 1 + sum(1 for o in known if o > m) for m in margins]


def ranked_order(outcomes: Sequence[Outcome], codes: Sequence[str]) -> list[int]:
    """Indexes of the outcomes, best first: by margin, then reduction, then unit code; units
    without a rate (no households) last."""

    def key(i: int) -> tuple[bool, Fraction, Fraction, str]:
        o = outcomes[i]
        zero = Fraction(0)
        return (o.margin is None, -(o.margin or zero), -(o.reduction or zero), codes[i])

    return sorted(range(len(outcomes)), key=key)


def year_days(year: int, today: date) -> tuple[date, date]:
    """The first and last day counted: 1 January to 31 December, or to today in the current
    year. ValueError for a year that has not begun."""
    first = date(year, 1, 1)
    if first > today:
        raise ValueError(f"{year} has not begun")
    return first, min(date(year, 12, 31), today)


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier; 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def sustainable_window(first: date, last: date, years: int) -> tuple[date, date]:
    """[from, before): the days an exit was decided on for the household to reach `years` out
    of poverty between `first` and `last` (an exit on 10 March 2024 is sustainable from
    10 March 2026 on)."""
    return years_before(first, years), years_before(last, years) + timedelta(days=1)


def family_keys(name_key: str, prefixes: Sequence[str]) -> set[str]:
    """The head names a family supporter's folded name may stand for: the name itself and the
    name without a leading "gia đình ông", "hộ bà", …"""
    keys = {name_key}
    for prefix in prefixes:  # longest first: "gia đình ông …" before "gia đình …"
        if name_key.startswith(prefix + " ") and name_key[len(prefix) + 1 :].strip():
            keys.add(name_key[len(prefix) + 1 :].strip())
            break
    return keys
