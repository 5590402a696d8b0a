"""The fake Bot API servers of the channel tests, shared here."""

from __future__ import annotations

from tests.channels.conftest import fake_telegram, fake_zalo

__all__ = ["fake_telegram", "fake_zalo"]
