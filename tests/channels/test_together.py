"""Telegram, Zalo and the simulator in one process: one person across channels; clean stops;
settings that refuse an unsafe webhook set-up."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from bot.channels.runtime import build_channels
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from bot.settings import Settings
from storage.db import transaction
from storage.models import ChannelAccount, Person
from storage.orgtree import unit_by_code
from storage.people import create_invite
from tests.channels.conftest import live_app, telegram_settings, zalo_settings
from tests.channels.fakes import FakeTelegram, FakeZalo
from tests.support import make_invite


async def test_a_person_linked_on_both_channels_is_one_person(
    settings: Settings, clock: Any, fake_telegram: FakeTelegram, fake_zalo: FakeZalo
) -> None:
    tg, zl = fake_telegram, fake_zalo
    extra = {**telegram_settings(tg), **zalo_settings(zl)}
    async with live_app(settings, clock, **extra) as live:
        code = await make_invite(live.services, "officer", "37-GIAVIEN", "Trần Thị Bình")
        tg.queue(tg.text(f"/start {code}"))
        question = await tg.wait_for(lambda: tg.sent())
        tg.queue(tg.press("yes", message_id=question[0]["message_id"]))
        await tg.wait_for(lambda: len(tg.sent()) == 2)

        async with transaction(live.services.sessionmaker) as db:
            person = (await db.execute(select(Person))).scalar_one()
            unit = await unit_by_code(db, "37-GIAVIEN")
            assert unit is not None
            second = await create_invite(
                db,
                secret_key=live.services.settings.secret_key.get_secret_value(),
                role="officer",
                unit=unit,
                now=clock(),
                ttl=timedelta(days=1),
                person=person,
                actor="test",
            )
        zl.queue(zl.text(f"/start {second.code}"))
        await zl.wait_for(lambda: zl.sent())
        zl.queue(zl.text("1"))
        await zl.wait_for(lambda: len(zl.sent()) == 2)
        assert "Trần Thị Bình" in zl.sent()[-1]

        # The simulator runs in the same process.
        res = await live.http.post("/simulator/api/messages", json={"chat_id": "s1", "text": "/me"})
        assert res.status_code == 200

        async with live.services.sessionmaker() as db:
            accounts = (await db.execute(select(ChannelAccount))).scalars().all()
            people = (await db.execute(select(Person))).scalars().all()
        assert len(people) == 1
        assert sorted(a.channel for a in accounts) == ["telegram", "zalo"]
        assert {a.person_id for a in accounts} == {people[0].id}


async def test_stopping_ends_the_polling_loops_at_once(
    settings: Settings, clock: Any, fake_telegram: FakeTelegram, fake_zalo: FakeZalo
) -> None:
    tg, zl = fake_telegram, fake_zalo
    extra = {**telegram_settings(tg, telegram_poll_timeout=30), **zalo_settings(zl)}
    async with live_app(settings, clock, **extra) as live:
        await tg.wait_for(lambda: tg.called("getUpdates") and zl.called("getUpdates"))
        channels = live.services.channels
        telegram, zalo = channels["telegram"], channels["zalo"]
        assert isinstance(telegram, TelegramChannel) and isinstance(zalo, ZaloChannel)
        began = asyncio.get_running_loop().time()
    # Leaving the app (Ctrl-C) cancelled the long polls mid-wait and closed the HTTP sessions.
    assert asyncio.get_running_loop().time() - began < 2
    assert telegram._task is None and zalo._task is None
    assert telegram.bot.session._session is None or telegram.bot.session._session.closed
    polls = len(tg.called("getUpdates")) + len(zl.called("getUpdates"))
    await asyncio.sleep(0.3)
    assert len(tg.called("getUpdates")) + len(zl.called("getUpdates")) == polls


def test_production_refuses_a_webhook_without_a_secret() -> None:
    base = {
        "env": "production",
        "secret_key": "a-real-secret-key-of-32-characters",
        "database_url": "postgresql+asyncpg://u@h/db",
    }
    with pytest.raises(ValidationError, match="CHUNGTAY_TELEGRAM_WEBHOOK_SECRET"):
        Settings(**base, telegram_token="1:a", telegram_webhook_url="https://x.vn/w")
    with pytest.raises(ValidationError, match="CHUNGTAY_ZALO_WEBHOOK_SECRET"):
        Settings(**base, zalo_token="z", zalo_webhook_url="https://x.vn/w")
    Settings(**base, zalo_webhook_url="https://x.vn/w", zalo_webhook_secret="long-enough")
    with pytest.raises(ValidationError, match="not a valid zalo webhook secret"):
        Settings(zalo_webhook_secret="short")  # Zalo wants 8 to 256 characters
    with pytest.raises(ValidationError, match="not a valid telegram webhook secret"):
        Settings(telegram_webhook_secret="has space")


def test_channels_run_only_when_their_token_is_set() -> None:
    assert set(build_channels(Settings())) == {"simulator"}
    both = build_channels(Settings(telegram_token="1:a", zalo_token="z"))  # type: ignore[arg-type]
    assert set(both) == {"simulator", "telegram", "zalo"}
    assert not any(getattr(c, "webhook", False) for c in both.values())
