"""All flow definitions the engine knows."""

from __future__ import annotations

from conversations.flows.onboarding import ONBOARDING, WHOAMI
from conversations.model import Flow

FLOWS: tuple[Flow, ...] = (ONBOARDING, WHOAMI)
