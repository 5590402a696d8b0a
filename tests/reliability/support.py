"""Helpers shared by the reliability tests."""

from __future__ import annotations

import socket

from bot.services import Services
from storage.db import transaction
from storage.models import ChannelAccount
from tests.support import link_person

BUSY = "Hệ thống đang bận, vui lòng thử lại sau."


async def link_chat(services: Services, channel: str, user: str, unit: str, name: str) -> int:
    """A hamlet head whose `channel` chat `user` is already linked (as after onboarding)."""
    person = await link_person(services, "hamlet_head", unit, name, None)
    async with transaction(services.sessionmaker) as db:
        db.add(
            ChannelAccount(channel=channel, external_user_id=user, chat_id=user, person_id=person)
        )
    return person


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
