"""Every action a flow may stop at, by name, and who may run it.

The flows already offer a task only to the roles it is for, but an action must not rely on how
its flow was reached: a session outlives the identity that started it (a group chat, a removed
account). So the host checks each action against this table before running it, and an action
missing from the table is refused (fail closed)."""

from __future__ import annotations

from typing import Any

from handlers import (
    actions,
    complaint_actions,
    exit_actions,
    meeting_actions,
    period_actions,
    report_actions,
    request_actions,
    review_actions,
    round_actions,
    support_actions,
)
from handlers.actions import Action

ACTIONS: dict[str, Action] = {
    **actions.ACTIONS,
    **report_actions.ACTIONS,
    **review_actions.ACTIONS,
    **period_actions.ACTIONS,
    **exit_actions.ACTIONS,
    **request_actions.ACTIONS,
    **complaint_actions.ACTIONS,
    **round_actions.ACTIONS,
    **meeting_actions.ACTIONS,
    **support_actions.ACTIONS,
}

ANYONE = None  # open without an invite: linking a chat, a household's own registration, request
HAMLET = ("hamlet_head",)
COMMUNE = ("officer",)
REVIEWERS = ("officer", "admin")
HAMLET_OR_COMMUNE = ("hamlet_head", "officer")
# Roles whose every action is bound to their own unit; only an admin may act everywhere.
ROLES: dict[str, tuple[str, ...] | None] = {
    "invite.check": ANYONE,
    "invite.redeem": ANYONE,
    "exit.start": ANYONE,
    "exit.communes": ANYONE,
    "exit.hamlets": ANYONE,
    "exit.begin": ANYONE,
    "exit.match": ANYONE,
    "exit.submit": ANYONE,
    "exit.status": ANYONE,
    "request.start": ANYONE,
    "request.match": ANYONE,
    "request.submit": ANYONE,
    "request.status": ANYONE,
    "complaint.start": ANYONE,
    "complaint.posted": ANYONE,
    "complaint.submit": ANYONE,
    "report.begin": HAMLET,
    "report.load": HAMLET,
    "report.submit": HAMLET,
    "household.search": HAMLET,
    "period_report.begin": HAMLET,
    "period_report.submit": HAMLET,
    "exit.review_list": HAMLET,
    "exit.review_load": HAMLET,
    "exit.review_decide": HAMLET,
    "meeting.begin": HAMLET,
    "meeting.open": HAMLET,
    "meeting.next": HAMLET,
    "meeting.vote": HAMLET,
    "meeting.close": HAMLET,
    "progress.show": COMMUNE,
    "progress.approve": COMMUNE,
    "review.list": REVIEWERS,
    "review.open": REVIEWERS,
    "review.decide": REVIEWERS,
    "round.status": COMMUNE,
    "round.post": COMMUNE,
    "round.standard": COMMUNE,
    "round.decide": COMMUNE,
    "round.document": COMMUNE,
    "complaint.list": COMMUNE,
    "complaint.load": COMMUNE,
    "complaint.answer": COMMUNE,
    "support.begin": HAMLET_OR_COMMUNE,
    "support.search": HAMLET_OR_COMMUNE,
    "support.record": HAMLET_OR_COMMUNE,
    "assign.list": COMMUNE,
    "assign.household": COMMUNE,
    "assign.save": COMMUNE,
}


def permitted(name: str, user: dict[str, Any]) -> bool:
    """Whether this chat's user may run the action: an open one, or a linked person with one of
    its roles and a unit to be scoped to (an admin without a unit acts everywhere)."""
    if name not in ROLES:
        return False
    roles = ROLES[name]
    if roles is None:
        return True
    role = user.get("role")
    if not user.get("linked") or user.get("person_id") is None or role not in roles:
        return False
    return user.get("unit_id") is not None or role == "admin"
