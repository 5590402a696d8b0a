"""The composition root: everything a running process holds, built from Settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.channels.base import Channel
from bot.channels.relay import Relay
from bot.channels.runtime import build_channels, close
from bot.delivery import Sender
from bot.settings import Settings
from conversations.engine import Engine
from conversations.flows import FLOWS
from documents.service import Documents
from documents.templating import Templates
from domain.standards import load_standards
from handlers.inbound import Conversations, utc_now
from storage.db import make_engine, make_sessionmaker


@dataclass
class Services:
    settings: Settings
    db_engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    conversations: Conversations
    clock: Callable[[], datetime] = field(default=utc_now)
    channels: dict[str, Channel] = field(default_factory=dict)  # by name: simulator, telegram…
    documents: Documents | None = None  # the procedure's documents, for the API and the chat
    # The report and export endpoints' database (CHUNGTAY_REPORTS_DATABASE_URL), if not this one.
    reports_engine: AsyncEngine | None = None
    relay: Relay = field(init=False)
    report_sessions: async_sessionmaker[AsyncSession] = field(init=False)
    sender: Sender = field(init=False)

    def __post_init__(self) -> None:
        self.relay = Relay(self.conversations, self.sessionmaker)
        self.sender = Sender(
            self.sessionmaker,
            self.channels,
            rate_per_s=self.settings.send_rate_per_s,
            clock=self.clock,
        )
        # Notices of a turn (decisions, status changes) go out right after it commits.
        self.conversations.deliver = self.sender.kick
        self.report_sessions = (
            make_sessionmaker(self.reports_engine) if self.reports_engine else self.sessionmaker
        )

    async def aclose(self) -> None:
        await self.sender.aclose()
        await close(self.channels)
        await self.db_engine.dispose()
        if self.reports_engine is not None:
            await self.reports_engine.dispose()


def build_services(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    db_engine: AsyncEngine | None = None,
) -> Services:
    db_engine = db_engine or make_engine(settings.database_url)
    factory = make_sessionmaker(db_engine)
    standards = load_standards(Path(settings.standards_dir) if settings.standards_dir else None)
    documents = Documents(
        factory,
        Templates.load(Path(settings.templates_dir) if settings.templates_dir else None),
        standards=standards,
        secret_key=settings.secret_key.get_secret_value(),
        public_url=settings.base_url,
        link_ttl=timedelta(hours=settings.document_link_hours),
        clock=clock,
    )
    engine = Engine(
        FLOWS, ttl=timedelta(hours=settings.session_ttl_hours), env={"standards": standards}
    )
    conversations = Conversations(
        factory,
        engine,
        secret_key=settings.secret_key.get_secret_value(),
        invite_failures_per_hour=settings.invite_failures_per_hour,
        default_locale=settings.default_locale,
        clock=clock,
        reply_lease=timedelta(seconds=settings.reply_lease_seconds),
    )
    return Services(
        settings,
        db_engine,
        factory,
        conversations,
        clock,
        channels=build_channels(settings, files=documents),
        documents=documents,
        # Reports are few and long: a small pool per worker.
        reports_engine=(
            make_engine(settings.reports_database_url, pool_size=5)
            if settings.reports_database_url
            else None
        ),
    )
