"""Report arithmetic: replaying a household's decisions into the period's movement."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.aggregates import (
    Block,
    Change,
    History,
    completeness,
    lacking,
    movement,
    rate,
    tally,
)

START, END = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
BEFORE, DURING, LATER, AFTER = (
    datetime(2026, 10, 5, tzinfo=UTC),
    datetime(2026, 11, 5, tzinfo=UTC),
    datetime(2026, 11, 20, tzinfo=UTC),
    datetime(2026, 12, 5, tzinfo=UTC),
)


def ch(at: datetime, kind: str, status: str | None, active: bool | None = True) -> Change:
    return Change(at, kind, status, active)


@pytest.mark.parametrize(
    ("history", "poor", "near"),
    [
        # no decisions: the register row is the state throughout
        (History("poor", True), Block(1, 0, 0, 0, 1), Block()),
        (History("poor", False), Block(), Block()),
        # exits to near-poor in the period
        (
            History("poor", True, changes=(ch(DURING, "exited_poverty", "near_poor"),)),
            Block(1, 1, 0, 0, 0),
            Block(0, 0, 0, 1, 1),
        ),
        # newly poor, then a decision after the period that must not count
        (
            History("unknown", True, changes=(
                ch(DURING, "newly_poor", "poor"), ch(AFTER, "exited_poverty", "average"),
            )),
            Block(0, 0, 0, 1, 1),
            Block(),
        ),
        # state at start comes from decisions before the period
        (
            History("unknown", True, changes=(
                ch(BEFORE, "newly_poor", "poor"),
                ch(DURING, "exited_poverty", "average"),
                ch(LATER, "fell_back", "poor"),
            )),
            Block(1, 1, 1, 0, 1),
            Block(),
        ),
        # moving out leaves the group; a second "newly poor" for a poor household changes nothing
        (
            History("poor", True, changes=(
                ch(DURING, "newly_poor", "poor"), ch(LATER, "moved_out", None, False),
            )),
            Block(1, 1, 0, 0, 0),
            Block(),
        ),
        # a near-poor household that becomes poor leaves near-poverty
        (
            History("near_poor", True, changes=(ch(DURING, "newly_poor", "poor"),)),
            Block(0, 0, 0, 1, 1),
            Block(1, 1, 0, 0, 0),
        ),
    ],
)  # fmt: skip
def test_movement(history: History, poor: Block, near: Block) -> None:
    assert movement(history, "poor", START, END) == poor
    assert movement(history, "near_poor", START, END) == near
    assert poor.balanced and near.balanced


def test_tally_sums_households_and_ethnic_minority_at_end() -> None:
    histories = [
        History("poor", True, ethnic_minority=True),
        History("near_poor", True, ethnic_minority=True),
        History("poor", True, changes=(ch(DURING, "moved_out", None, False),)),
        History("unknown", True),
    ]
    t = tally(histories, START, END)
    assert t.households == 3
    assert t.poor == Block(2, 1, 0, 0, 1)
    assert t.near_poor == Block(1, 0, 0, 0, 1)
    assert (t.ethnic_minority_poor, t.ethnic_minority_near_poor) == (1, 1)


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
