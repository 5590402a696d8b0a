"""Two `chungtay scheduler` processes on one PostgreSQL database: every reminder reaches the
fake Telegram Bot API exactly once."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.services import Services
from domain.calendar import PeriodSpec, end_of_day, local_day
from storage.db import transaction
from storage.models import ChannelAccount
from storage.models_outbox import OutboxMessage
from storage.periods import ensure_period
from tests.channels.fakes import TELEGRAM_TOKEN, FakeTelegram
from tests.support import link_person, seed_units

CHUNGTAY = Path(sys.executable).with_name("chungtay")
HEADS = [
    ("37-GIAVIEN-01", "Nguyễn Văn An"),
    ("37-GIAVIEN-02", "Phạm Thị Dung"),
    ("37-GIAVIEN-03", "Bùi Văn Khánh"),
    ("37-KIMSON-01", "Đỗ Văn Giang"),
    ("37-KIMSON-02", "Ngô Thị Lan"),
    ("37-HOALU-01", "Vũ Thị Hoa"),
]


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


async def test_two_scheduler_processes_deliver_each_reminder_once(
    services: Services, db_url: str, fake_telegram: FakeTelegram
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("the advisory-lock leader election is PostgreSQL's; SQLite uses a file lock")
    await seed_units(services)
    for n, (unit, name) in enumerate(HEADS):
        person = await link_person(services, "hamlet_head", unit, name, None)
        async with transaction(services.sessionmaker) as db:
            db.add(
                ChannelAccount(
                    channel="telegram",
                    external_user_id=str(9000 + n),
                    chat_id=str(9000 + n),
                    person_id=person,
                )
            )
    # A period whose hamlet deadline was yesterday: reminders are due within the grace window.
    yesterday = local_day(datetime.now(UTC)) - timedelta(days=1)
    spec = PeriodSpec(
        "monthly",
        "TEST",
        yesterday.replace(day=1),
        yesterday,
        end_of_day(yesterday),
        end_of_day(yesterday + timedelta(days=10)),
    )
    async with transaction(services.sessionmaker) as db:
        await ensure_period(db, spec)

    env = {
        **os.environ,
        "CHUNGTAY_DATABASE_URL": db_url,
        "CHUNGTAY_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "CHUNGTAY_TELEGRAM_API_BASE": fake_telegram.url,
        "CHUNGTAY_REMINDER_GRACE_HOURS": "72",
        "CHUNGTAY_QUIET_START": "23:59",  # no quiet hours: the test runs at any time of day
        "CHUNGTAY_QUIET_END": "00:00",
    }
    procs = [
        await asyncio.create_subprocess_exec(
            str(CHUNGTAY),
            "scheduler",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    try:

        async def planned() -> int:
            async with services.sessionmaker() as db:
                stmt = (
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(
                        OutboxMessage.channel == "telegram",
                        OutboxMessage.status.in_(("pending", "sent")),  # type: ignore[attr-defined]
                    )
                )
                return int((await db.execute(stmt)).scalar_one())

        for _ in range(300):  # the leader plans within a few seconds of starting
            n = await planned()
            if n and len(fake_telegram.called("sendMessage")) >= n:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(3)  # give a second sender every chance to send something twice
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            await p.wait()
    async with services.sessionmaker() as db:
        stmt = select(OutboxMessage).where(OutboxMessage.channel == "telegram")
        rows = (await db.execute(stmt)).scalars().all()
    assert rows and all(r.status == "sent" and r.attempts == 1 for r in rows)
    planned_per_chat = Counter(r.chat_id for r in rows)
    received = Counter(str(c.params["chat_id"]) for c in fake_telegram.called("sendMessage"))
    assert received == planned_per_chat  # each planned reminder arrived once, no more
    assert set(received) == {str(9000 + n) for n in range(len(HEADS))}
