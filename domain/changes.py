"""The kinds of household change a hamlet head reports, and the household's own request."""

from __future__ import annotations

CHANGE_KINDS = (
    "newly_poor",
    "newly_near_poor",
    "exited_poverty",
    "exited_near_poverty",
    "fell_back",
    "moved_in",
    "moved_out",
    "dissolved",
    "correction",
)
EXIT_REGISTRATION = "exit_registration"
