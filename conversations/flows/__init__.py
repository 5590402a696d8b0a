"""All flow definitions the engine knows."""

from __future__ import annotations

from conversations.flows.assign import ASSIGN
from conversations.flows.complaint import COMPLAINT
from conversations.flows.exit import EXIT
from conversations.flows.exit_review import EXIT_REVIEW
from conversations.flows.exit_status import STATUS
from conversations.flows.meeting import MEETING
from conversations.flows.onboarding import JOIN, ONBOARDING, WHOAMI
from conversations.flows.period_report import PERIOD_REPORT
from conversations.flows.progress import PROGRESS
from conversations.flows.report import REPORT
from conversations.flows.request import REQUEST
from conversations.flows.review import REVIEW
from conversations.flows.round import ROUND
from conversations.flows.support import SUPPORT
from conversations.model import Flow

FLOWS: tuple[Flow, ...] = (
    ONBOARDING,
    JOIN,  # a stranger's first menu line
    WHOAMI,
    PERIOD_REPORT,  # before REPORT: "báo cáo kỳ" would otherwise match REPORT's "báo cáo"
    REPORT,
    REVIEW,
    ROUND,
    PROGRESS,
    EXIT,
    REQUEST,
    STATUS,
    COMPLAINT,
    EXIT_REVIEW,
    MEETING,
    SUPPORT,
    ASSIGN,
)
