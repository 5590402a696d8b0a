"""Fixtures: the fake Bot API servers, and the real app (lifespan included) wired to them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from api.app import create_app
from bot.services import Services, build_services
from bot.settings import Settings
from storage.models import ChannelAccount, ProcessedUpdate
from tests.channels.fakes import TELEGRAM_TOKEN, ZALO_TOKEN, FakeTelegram, FakeZalo
from tests.support import seed_units


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def fake_zalo() -> AsyncIterator[FakeZalo]:
    server = FakeZalo()
    await server.start()
    yield server
    await server.stop()


def telegram_settings(fake: FakeTelegram, **extra: Any) -> dict[str, Any]:
    return {
        "telegram_token": TELEGRAM_TOKEN,
        "telegram_api_base": fake.url,
        "telegram_poll_timeout": 1,
        **extra,
    }


def zalo_settings(fake: FakeZalo, **extra: Any) -> dict[str, Any]:
    return {"zalo_token": ZALO_TOKEN, "zalo_api_base": fake.url, "zalo_poll_timeout": 1, **extra}


async def eventually(check: Callable[[], Awaitable[object]], within: float = 8.0) -> None:
    """Wait until an async check holds (the bot works in background tasks)."""
    for _ in range(int(within / 0.02)):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the condition never held")


@dataclass
class LiveApp:
    services: Services
    app: FastAPI
    http: httpx.AsyncClient  # to the app's own routes (the webhooks)

    async def count(self, model: Any, **where: Any) -> int:
        stmt = select(func.count()).select_from(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        async with self.services.sessionmaker() as db:
            return int((await db.execute(stmt)).scalar_one())

    async def account(self, channel: str, user: str) -> ChannelAccount | None:
        stmt = select(ChannelAccount).where(
            ChannelAccount.channel == channel, ChannelAccount.external_user_id == user
        )
        async with self.services.sessionmaker() as db:
            return (await db.execute(stmt)).scalar_one_or_none()

    async def processed(self) -> int:
        return await self.count(ProcessedUpdate)


@asynccontextmanager
async def live_app(settings: Settings, clock: Any, **overrides: Any) -> AsyncIterator[LiveApp]:
    """The real composition: build_services, create_app and its lifespan (polling, setWebhook)."""
    configured = Settings(**{**settings.model_dump(), **overrides})
    services = build_services(configured, clock=clock)
    await seed_units(services)
    app = create_app(services, own_services=False)
    transport = httpx.ASGITransport(app=app)
    before = asyncio.all_tasks()
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://bot") as http,
        ):
            yield LiveApp(services, app, http)
    finally:
        # What the app left running (a notice being delivered) stops before its database goes:
        # a task cancelled after the engine is disposed can keep the event loop from closing.
        for _ in range(5):
            left = asyncio.all_tasks() - before - {asyncio.current_task()}
            if not left:
                break
            for task in left:
                task.cancel()
            await asyncio.wait(left, timeout=5)
        await services.aclose()
