"""The composition root: everything a running process holds, built from Settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.settings import Settings
from conversations.engine import Engine
from conversations.flows import FLOWS
from handlers.inbound import Conversations, utc_now
from storage.db import make_engine, make_sessionmaker


@dataclass
class Services:
    settings: Settings
    db_engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    conversations: Conversations
    clock: Callable[[], datetime] = field(default=utc_now)

    async def aclose(self) -> None:
        await self.db_engine.dispose()


def build_services(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    db_engine: AsyncEngine | None = None,
) -> Services:
    db_engine = db_engine or make_engine(settings.database_url)
    factory = make_sessionmaker(db_engine)
    engine = Engine(FLOWS, ttl=timedelta(hours=settings.session_ttl_hours))
    conversations = Conversations(
        factory,
        engine,
        secret_key=settings.secret_key.get_secret_value(),
        invite_failures_per_hour=settings.invite_failures_per_hour,
        default_locale=settings.default_locale,
        clock=clock,
    )
    return Services(settings, db_engine, factory, conversations, clock)
