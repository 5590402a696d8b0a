"""Every action a flow may stop at, by name."""

from __future__ import annotations

from handlers import actions, exit_actions, period_actions, report_actions, review_actions
from handlers.actions import Action

ACTIONS: dict[str, Action] = {
    **actions.ACTIONS,
    **report_actions.ACTIONS,
    **review_actions.ACTIONS,
    **period_actions.ACTIONS,
    **exit_actions.ACTIONS,
}
