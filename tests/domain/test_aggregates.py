"""Report arithmetic: period figures from the states at the end and the period's transitions.

The reference is a direct replay of each household's decisions (`Replay` below): the figures
computed from end states and transitions, as the database aggregates them, must equal it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.aggregates import (
    Block,
    EndState,
    State,
    Transition,
    block,
    completeness,
    lacking,
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


@dataclass(frozen=True)
class Change:
    at: datetime
    kind: str
    status: str | None  # None: left as it was
    active: bool | None = True


@dataclass(frozen=True)
class Replay:
    """One household: its state before its first decision, then its decisions in order."""

    status: str
    active: bool
    changes: tuple[Change, ...] = ()
    ethnic_minority: bool = False

    def steps(self) -> list[tuple[Change, State, State]]:
        state, out = State(self.status, self.active), []
        for c in self.changes:
            after = State(
                c.status if c.status is not None else state.status,
                c.active if c.active is not None else state.active,
            )
            out.append((c, state, after))
            state = after
        return out

    def state_at(self, moment: datetime) -> State:
        state = State(self.status, self.active)
        for c, _, after in self.steps():
            if c.at < moment:
                state = after
        return state

    def movement(self, group: str) -> Block:
        """The direct definition: walk through the period counting entries and exits."""
        member = self.state_at(START).member(group)
        at_start, exited, fell_back, newly = int(member), 0, 0, 0
        for c, _, after in self.steps():
            if not START <= c.at < END:
                continue
            now = after.member(group)
            if member and not now:
                exited += 1
            elif now and not member:
                fell_back, newly = (
                    (fell_back + 1, newly) if c.kind == "fell_back" else (fell_back, newly + 1)
                )
            member = now
        return Block(at_start, exited, fell_back, newly, int(member))

    # What the database hands the domain for this household:
    def end_state(self) -> EndState:
        return EndState(self.state_at(END), self.ethnic_minority)

    def transitions(self) -> list[Transition]:
        return [Transition(c.kind, b, a) for c, b, a in self.steps() if START <= c.at < END]


def figures(households: list[Replay], group: str) -> Block:
    return block(
        group,
        [h.end_state() for h in households],
        [m for h in households for m in h.transitions()],
    )


@pytest.mark.parametrize(
    ("household", "poor", "near"),
    [
        # no decisions: the register row is the state throughout
        (Replay("poor", True), Block(1, 0, 0, 0, 1), Block()),
        (Replay("poor", False), Block(), Block()),
        # exits to near-poor in the period
        (
            Replay("poor", True, (Change(DURING, "exited_poverty", "near_poor"),)),
            Block(1, 1, 0, 0, 0),
            Block(0, 0, 0, 1, 1),
        ),
        # newly poor, then a decision after the period that must not count
        (
            Replay("unknown", True, (
                Change(DURING, "newly_poor", "poor"), Change(AFTER, "exited_poverty", "average"),
            )),
            Block(0, 0, 0, 1, 1),
            Block(),
        ),
        # state at start comes from decisions before the period
        (
            Replay("unknown", True, (
                Change(BEFORE, "newly_poor", "poor"),
                Change(DURING, "exited_poverty", "average"),
                Change(LATER, "fell_back", "poor"),
            )),
            Block(1, 1, 1, 0, 1),
            Block(),
        ),
        # moving out leaves the group; a second "newly poor" for a poor household changes nothing
        (
            Replay("poor", True, (
                Change(DURING, "newly_poor", "poor"), Change(LATER, "moved_out", None, False),
            )),
            Block(1, 1, 0, 0, 0),
            Block(),
        ),
        # a near-poor household that becomes poor leaves near-poverty
        (
            Replay("near_poor", True, (Change(DURING, "newly_poor", "poor"),)),
            Block(0, 0, 0, 1, 1),
            Block(1, 1, 0, 0, 0),
        ),
    ],
)  # fmt: skip
def test_figures_of_one_household(household: Replay, poor: Block, near: Block) -> None:
    assert figures([household], "poor") == poor == household.movement("poor")
    assert figures([household], "near_poor") == near == household.movement("near_poor")
    assert poor.balanced and near.balanced


STATUSES = st.sampled_from(["unknown", "poor", "near_poor", "average", "not_poor"])
KINDS = st.sampled_from(
    ["newly_poor", "newly_near_poor", "fell_back", "exited_poverty", "exit_registration",
     "correction", "moved_out", "dissolved", "moved_in"]
)  # fmt: skip
CHANGES = st.builds(
    Change,
    at=st.integers(0, 120).map(lambda d: BEFORE + timedelta(days=d)),
    kind=KINDS,
    status=st.one_of(st.none(), STATUSES),
    active=st.one_of(st.none(), st.booleans()),
)
HOUSEHOLDS = st.builds(
    Replay,
    status=STATUSES,
    active=st.booleans(),
    changes=st.lists(CHANGES, max_size=6).map(lambda cs: tuple(sorted(cs, key=lambda c: c.at))),
    ethnic_minority=st.booleans(),
)


@given(st.lists(HOUSEHOLDS, max_size=8))
def test_figures_from_end_states_and_transitions_equal_a_replay(households: list[Replay]) -> None:
    for group in ("poor", "near_poor"):
        expected = sum((h.movement(group) for h in households), Block())
        assert figures(households, group) == expected
        assert expected.balanced


def test_tally_sums_households_and_ethnic_minority_at_end() -> None:
    households = [
        Replay("poor", True, ethnic_minority=True),
        Replay("near_poor", True, ethnic_minority=True),
        Replay("poor", True, (Change(DURING, "moved_out", None, False),)),
        Replay("unknown", True),
    ]
    t = tally([h.end_state() for h in households], [m for h in households for m in h.transitions()])
    assert t.households == 3
    assert t.poor == Block(2, 1, 0, 0, 1)
    assert t.near_poor == Block(1, 0, 0, 0, 1)
    assert (t.ethnic_minority_poor, t.ethnic_minority_near_poor) == (1, 1)


def test_counts_weigh_grouped_rows() -> None:
    """The database groups identical rows; a count of n must weigh like n single rows."""
    poor, near = State("poor", True), State("near_poor", True)
    grouped = block(
        "poor", [EndState(poor, count=5)], [Transition("exited_poverty", poor, near, 3)]
    )
    single = block("poor", [EndState(poor)] * 5, [Transition("exited_poverty", poor, near)] * 3)
    assert grouped == single == Block(8, 3, 0, 0, 5)


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
