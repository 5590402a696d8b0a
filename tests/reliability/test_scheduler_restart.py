"""`chungtay scheduler` stopped mid fan-out (SIGKILL, or SIGTERM as `systemctl restart` does),
then started again: nothing is left `claimed` or `sending`, nothing reaches a chat twice, and
every message that may have been lost is marked `uncertain` and logged (issue 18).

Sized by CHUNGTAY_TEST_RESTART_ROWS (default 300) and CHUNGTAY_TEST_RESTART_DELAY (seconds before
the restart, default 1; `RestartSec=5` in docs/deploy.md) to rerun at full scale by hand."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.services import Services
from storage.db import transaction
from storage.models_outbox import OutboxMessage
from tests.channels.fakes import TELEGRAM_TOKEN, FakeTelegram

CHUNGTAY = Path(sys.executable).with_name("chungtay")
ROWS = int(os.environ.get("CHUNGTAY_TEST_RESTART_ROWS", "300"))
DELAY = float(os.environ.get("CHUNGTAY_TEST_RESTART_DELAY", "1"))


async def _queue(services: Services) -> None:
    now = services.clock()
    async with transaction(services.sessionmaker) as db:
        for n in range(ROWS):  # one chat each: the one-per-chat-per-second pace does not apply
            db.add(
                OutboxMessage(
                    key=f"restart:{n}",
                    rule="notice",
                    channel="telegram",
                    chat_id=str(100000 + n),
                    text=f"Nhắc việc số {n}",
                    due_at=now,
                )
            )


async def _start(db_url: str, fake: FakeTelegram, log: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "CHUNGTAY_DATABASE_URL": db_url,
        "CHUNGTAY_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "CHUNGTAY_TELEGRAM_API_BASE": fake.url,
        "CHUNGTAY_SEND_RATE_PER_S": "100",
        "CHUNGTAY_LOG_LEVEL": "INFO",
    }
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            str(CHUNGTAY), "scheduler", env=env, stdout=out, stderr=out
        )


async def _rows(services: Services) -> list[OutboxMessage]:
    async with services.sessionmaker() as db:
        stmt = select(OutboxMessage).where(OutboxMessage.key.like("restart:%"))  # type: ignore[attr-defined]
        return list((await db.execute(stmt)).scalars().all())


async def _settled(services: Services, within: float = 90.0) -> list[OutboxMessage]:
    for _ in range(int(within / 0.2)):
        rows = await _rows(services)
        if all(r.status not in ("pending", "claimed", "sending") for r in rows):
            return rows
        await asyncio.sleep(0.2)
    raise AssertionError(Counter(r.status for r in await _rows(services)))


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["kill", "term"])
async def test_a_scheduler_stopped_mid_fan_out_and_restarted_leaves_nothing_behind(
    services: Services,
    db_url: str,
    fake_telegram: FakeTelegram,
    tmp_path: Path,
    stop: signal.Signals,
) -> None:
    fake = fake_telegram
    fake.delays["sendMessage"] = 0.05  # sends are in flight when the signal lands
    await _queue(services)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = await _start(db_url, fake, first_log)
    try:
        await fake.wait_for(lambda: len(fake.called("sendMessage")) >= ROWS // 3, within=60)
        first.send_signal(stop)
        async with asyncio.timeout(30):  # a graceful stop drains for at most 10 s
            await first.wait()
    finally:
        if first.returncode is None:
            first.kill()
            await first.wait()
    stopped_at = Counter(r.status for r in await _rows(services))
    await asyncio.sleep(DELAY)
    second = await _start(db_url, fake, second_log)
    try:
        rows = await _settled(services)
    finally:
        second.terminate()
        await second.wait()

    statuses = Counter(r.status for r in rows)
    received = Counter(str(c.params["chat_id"]) for c in fake.called("sendMessage"))
    print(f"\n{stop.name}: at the stop {dict(stopped_at)}; settled {dict(statuses)}")
    assert set(statuses) <= {"sent", "uncertain"}, statuses
    assert sum(statuses.values()) == ROWS
    assert max(received.values()) == 1  # nothing twice
    assert {r.chat_id for r in rows if r.status == "sent"} <= set(received)
    logged = {
        int(m) for m in re.findall(r"outbox message (\d+) to telegram chat", second_log.read_text())
    }
    assert logged == {r.id for r in rows if r.status == "uncertain"}
    if stop == signal.SIGTERM:  # drained: every send in flight finished and was recorded
        assert statuses["uncertain"] == 0
        assert "Traceback" not in first_log.read_text()
        assert first.returncode == 0
