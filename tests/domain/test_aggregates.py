"""Report arithmetic: blocks, rates, completeness, the indicator view.

That the database's sums give the right figures is checked against a replay of random households'
decisions in tests/storage/test_report_figures.py.
"""

from __future__ import annotations

import pytest

from domain.aggregates import Block, Tally, completeness, lacking, rate


def test_block_derives_start_so_that_it_balances() -> None:
    b = Block.at_end(end=5, exited=3, fell_back=1, newly=2)
    assert b == Block(start=5, exited=3, fell_back=1, newly=2, end=5)
    assert b.balanced
    assert Block.at_end(0, 2, 0, 0).start == 2
    assert not Block(1, 0, 0, 0, 2).balanced


def test_tallies_add_up() -> None:
    a = Tally(10, Block.at_end(3, 1, 0, 1), Block.at_end(2, 0, 0, 0), 1, 0)
    b = Tally(5, Block.at_end(1, 0, 1, 0), Block.at_end(0, 1, 0, 0), 0, 0)
    total = a + b
    assert (total.households, total.poor.end, total.poor.start) == (15, 4, 3)
    assert total.near_poor == Block(3, 1, 0, 0, 2)


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(4, 55, 7.3), (2, 55, 3.6), (1, 8, 12.5), (1, 16, 6.3), (0, 10, 0.0), (3, 0, None)],
)
def test_rate_one_decimal_half_up(part: int, whole: int, expected: float | None) -> None:
    assert rate(part, whole) == expected


def test_completeness_and_lacking() -> None:
    c = completeness(4, [True, False, True])
    assert (c.expected, c.received, c.on_time, c.late, c.missing, c.rate) == (4, 3, 2, 1, 1, 75.0)
    out = lacking(
        [("poor", ("water", "latrine")), ("near_poor", ("water",)), ("average", ("water",)),
         ("poor", ("waste",))],
        ["water", "latrine", "telecom"],
    )  # fmt: skip
    assert out == {
        "water": {"poor": 1, "near_poor": 1},
        "latrine": {"poor": 1, "near_poor": 0},
        "telecom": {"poor": 0, "near_poor": 0},
        "waste": {"poor": 1, "near_poor": 0},
    }
