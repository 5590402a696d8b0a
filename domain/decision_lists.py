"""The lists of the commune's decision (QĐ 24/2021, Mẫu số 02): poor, near-poor, exited poverty,
exited near-poverty — which a household goes on, from its state before and after the round.

A posted change has not been applied yet: `expected` says what the decision will make of it, by
the rule storage.register applies on approval (a reported kind fixes the status, otherwise the
classification decides; a move-out or dissolution leaves the register). A decided change carries
its real before and after states. Membership follows domain.aggregates: a household is in a
group when it is active with that status; leaving a group counts as exiting it, whatever the
decision.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.aggregates import NEAR_POOR, POOR

# The rule storage.register applies on approval (through `expected`).
KIND_STATUS = {"newly_poor": POOR, "newly_near_poor": NEAR_POOR, "fell_back": POOR}
CLOSING_KINDS = ("moved_out", "dissolved")

# The decision's lists, in the order Mẫu 02 names them.
LIST_POOR, LIST_NEAR_POOR = "poor", "near_poor"
LIST_EXITED, LIST_EXITED_NEAR = "exited_poverty", "exited_near_poverty"
LISTS = (LIST_POOR, LIST_NEAR_POOR, LIST_EXITED, LIST_EXITED_NEAR)


@dataclass(frozen=True)
class State:
    status: str
    active: bool = True

    def member(self, group: str) -> bool:
        return self.active and self.status == group


def expected(kind: str, before: State, result_class: str | None) -> State:
    """The state a change leaves the household in once the decision approves it."""
    if kind in CLOSING_KINDS:
        return State(before.status, False)
    return State(KIND_STATUS.get(kind) or result_class or before.status, True)


def changes(before: State, after: State) -> tuple[str, ...]:
    """The lists a change puts the household on: entered poor or near-poor, left either."""
    out = []
    if after.member(POOR) and not before.member(POOR):
        out.append(LIST_POOR)
    if after.member(NEAR_POOR) and not before.member(NEAR_POOR):
        out.append(LIST_NEAR_POOR)
    if before.member(POOR) and not after.member(POOR):
        out.append(LIST_EXITED)
    if before.member(NEAR_POOR) and not after.member(NEAR_POOR):
        out.append(LIST_EXITED_NEAR)
    return tuple(out)


def full_lists(kind: str) -> bool:
    """The annual (periodic) review recognises the whole poor and near-poor lists of the next
    year; a monthly (regular) review recognises the households it changed."""
    return kind == "periodic"
