"""The emulation arithmetic (domain/emulation.py) and its rules file, as tables of cases."""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from domain.emulation import (
    DEFAULT,
    INHERITED,
    OWN,
    Figures,
    Outcome,
    Target,
    cpp_to_pp,
    effective_target,
    family_keys,
    hundredths,
    load,
    pp_to_cpp,
    ranked_order,
    ranks,
    rules,
    sustainable_window,
    to_cpp,
    year_days,
    years_before,
)


def test_rules_cite_their_source() -> None:
    r = rules()
    assert r.default_target_cpp == 150 and r.sustainable_years == 2
    assert "1-1.5 percentage points" in r.default_target_source
    assert r.family_prefixes[0] == "gia dinh ong"  # longest first


def test_a_rule_without_a_known_source_fails_to_load(tmp_path: Path) -> None:
    raw = json.loads(Path("domain/emulation_data/rules.json").read_text(encoding="utf-8"))
    raw["default_target"]["source"] = "nowhere"
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(KeyError):
        load(path)


@pytest.mark.parametrize(
    ("value", "cpp"), [("1.5", 150), (1.2, 120), (0, 0), ("20", 2000), ("0.05", 5)]
)
def test_points_to_hundredths(value: object, cpp: int) -> None:
    assert pp_to_cpp(value) == cpp  # type: ignore[arg-type]
    assert cpp_to_pp(cpp) == float(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["1.234", "x", 0.001])
def test_more_than_two_decimals_or_no_number_is_refused(value: object) -> None:
    with pytest.raises(ValueError):
        pp_to_cpp(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "shown"),
    [(Fraction(200, 7), 28.57), (Fraction(100, 7), 14.29), (Fraction(-1, 200), -0.01),
     (Fraction(1, 200), 0.01), (None, None)],
)  # fmt: skip
def test_hundredths_round_halves_away_from_zero(value: Fraction | None, shown: float) -> None:
    assert hundredths(value) == shown


def test_outcome_against_target() -> None:
    o = Outcome(Figures(households_start=7, poor_start=2, households_end=7, poor_end=1),
                Target(2000, INHERITED, 1))  # fmt: skip
    assert (o.rate_start, o.rate_end) == (Fraction(200, 7), Fraction(100, 7))
    # The rates read 28.57 and 14.29: the reduction is their difference, 14.28 (the exact
    # 100/7 = 14.2857… would read 14.29, one hundredth off the rates beside it).
    assert (o.start_cpp, o.end_cpp) == (2857, 1429)
    assert o.reduction == Fraction(1428, 100)
    assert o.applied_target == 20
    assert hundredths(o.margin) == -5.72 and o.met is False
    exact = Outcome(Figures(100, 10, 100, 8), Target(200, OWN, 1))
    assert exact.margin == 0 and exact.met is True  # meeting the target exactly counts
    empty = Outcome(Figures(), Target(150, DEFAULT, None))
    assert (empty.rate_start, empty.reduction, empty.margin, empty.met) == (None, None, None, None)


@pytest.mark.parametrize(
    ("value", "cpp"),
    [(Fraction(200, 7), 2857), (Fraction(28575, 1000), 2858), (Fraction(-28575, 1000), -2858),
     (Fraction(0), 0), (Fraction(1, 300), 0), (Fraction(1, 200), 1), (None, None)],
)  # fmt: skip
def test_rates_in_hundredths_as_shown(value: Fraction | None, cpp: int | None) -> None:
    assert to_cpp(value) == cpp
    assert hundredths(value) == (None if cpp is None else cpp / 100)


def test_the_reduction_is_the_difference_of_the_rates_as_shown() -> None:
    """9.474 % → 7.165 % reads 9.47 → 7.17: the reduction reads 2.30, not the exact 2.309 →
    2.31, and the margin against a 2.31 target is short by a hundredth."""
    f = Figures(households_start=100_000, poor_start=9_474, households_end=100_000, poor_end=7_165)
    o = Outcome(f, Target(231, OWN, 1))
    assert (hundredths(o.rate_start), hundredths(o.rate_end)) == (9.47, 7.17)
    assert hundredths(o.rate_start - o.rate_end) == 2.31  # type: ignore[operator]
    assert hundredths(o.reduction) == 2.30
    assert hundredths(o.margin) == -0.01 and o.met is False


@pytest.mark.parametrize(
    ("poor_start", "poor_end", "applied", "margin", "met"),
    [
        (0, 0, 0, 0, True),  # nothing to reduce, no rise: met (it was "not met", ranked last)
        (0, 10, 0, Fraction(-1), False),  # from 0 % to 1 %: a rise misses any target
        (8, 0, Fraction(8, 10), 0, True),  # 0.80 % below the 1.50 target, all out: met
        (8, 1, Fraction(8, 10), Fraction(-1, 10), False),  # 0.80 → 0.10: short of 0.80
        (200, 50, Fraction(3, 2), Fraction(27, 2), True),  # 20 % → 5 %: the target as set
    ],
)
def test_the_target_applied_is_at_most_the_rate_on_1_january(
    poor_start: int, poor_end: int, applied: Fraction, margin: Fraction, met: bool
) -> None:
    o = Outcome(Figures(1000, poor_start, 1000, poor_end), Target(150, DEFAULT, None))
    assert (o.applied_target, o.margin, o.met) == (applied, margin, met)


def test_a_unit_with_nothing_to_reduce_ranks_with_the_units_that_met_their_target() -> None:
    target = Target(150, DEFAULT, None)
    outcomes = [
        Outcome(Figures(1000, 50, 1000, 40), target),  # 5 → 4: down 1.00, missed by 0.50
        Outcome(Figures(1000, 0, 1000, 0), target),  # 0 → 0: met, margin 0
        Outcome(Figures(1000, 50, 1000, 30), target),  # 5 → 3: down 2.00, 0.50 over
        Outcome(Figures(1000, 50, 1000, 35), target),  # 5 → 3.5: met exactly
    ]
    margins = [o.margin for o in outcomes]
    assert margins == [Fraction(-1, 2), 0, Fraction(1, 2), 0]
    assert ranks(margins) == [4, 2, 1, 2]
    # Equal margins: the larger reduction first, then the code.
    assert ranked_order(outcomes, ["A", "B", "C", "D"]) == [2, 3, 1, 0]


def test_effective_target_nearest_first() -> None:
    assert effective_target([(3, None), (2, 2000), (1, 120)], 150) == Target(2000, INHERITED, 2)
    assert effective_target([(3, 90), (2, 2000)], 150) == Target(90, OWN, 3)
    assert effective_target([(3, None), (1, None)], 150) == Target(150, DEFAULT, None)


def test_competition_ranking() -> None:
    assert ranks([Fraction(1), None, Fraction(3), Fraction(1), Fraction(-2)]) == [2, None, 1, 2, 4]


@pytest.mark.parametrize(
    ("year", "today", "days"),
    [(2026, date(2026, 11, 25), (date(2026, 1, 1), date(2026, 11, 25))),
     (2025, date(2026, 11, 25), (date(2025, 1, 1), date(2025, 12, 31))),
     (2026, date(2026, 1, 1), (date(2026, 1, 1), date(2026, 1, 1)))],
)  # fmt: skip
def test_year_days(year: int, today: date, days: tuple[date, date]) -> None:
    assert year_days(year, today) == days


def test_a_year_not_begun() -> None:
    with pytest.raises(ValueError):
        year_days(2027, date(2026, 12, 31))


@pytest.mark.parametrize(
    ("first", "last", "window"),
    [
        # exits decided 1 Jan - 25 Nov 2024 reach two years in 2026 by 25 November
        (date(2026, 1, 1), date(2026, 11, 25), (date(2024, 1, 1), date(2024, 11, 26))),
        # an exit on 29 Feb 2028 has no anniversary in 2030: it counts from 1 March
        (date(2030, 1, 1), date(2030, 2, 28), (date(2028, 1, 1), date(2028, 2, 29))),
        (date(2030, 1, 1), date(2030, 3, 1), (date(2028, 1, 1), date(2028, 3, 2))),
    ],
)
def test_sustainable_window(first: date, last: date, window: tuple[date, date]) -> None:
    assert sustainable_window(first, last, 2) == window


def test_years_before_a_leap_day() -> None:
    assert years_before(date(2028, 2, 29), 2) == date(2026, 2, 28)
    assert years_before(date(2026, 11, 25), 2) == date(2024, 11, 25)


@pytest.mark.parametrize(
    ("name", "keys"),
    [("gia dinh ong nguyen van dung", {"gia dinh ong nguyen van dung", "nguyen van dung"}),
     ("ho ba le thi hoa", {"ho ba le thi hoa", "le thi hoa"}),
     ("nguyen van an", {"nguyen van an"}),
     ("ho van an", {"ho van an"}),  # Hồ is a family name, not "hộ"
     ("gia dinh", {"gia dinh"})],
)  # fmt: skip
def test_family_supporter_names(name: str, keys: set[str]) -> None:
    assert family_keys(name, rules().family_prefixes) == keys
