"""The same webhook update posted to two workers (two processes on one PostgreSQL database) at
the same moment is handled once: one reply reaches the Bot API, the session moves one step,
however often the platform delivers it again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.services import Services
from storage.models import ConversationSession
from storage.models_register import Submission
from tests.channels.fakes import FakeTelegram
from tests.reliability.support import link_chat
from tests.reliability.workers import start_worker
from tests.support import make_household, seed_units

USER = 7001
# A whole "newly poor" report; each answer gets exactly one reply message.
ANSWERS = ("/baocao", "1", "le thi mai", "4 triệu", "4", "4 9 10", "xong", "1", "1")


async def test_same_update_to_two_workers_is_handled_once(
    services: Services, db_url: str, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("several workers share one PostgreSQL database; SQLite runs one process")
    fake = fake_telegram
    await seed_units(services)
    await link_chat(services, "telegram", str(USER), "37-GIAVIEN-01", "Nguyễn Văn An")
    await make_household(services, "37-GIAVIEN-01", "Lê Thị Mai", 4, "near_poor")
    log = tmp_path / "workers.log"
    workers = await asyncio.gather(*(start_worker(db_url, fake, log) for _ in range(2)))
    try:

        async def version() -> int:
            async with services.sessionmaker() as db:
                stmt = select(ConversationSession.version).where(
                    ConversationSession.chat_id == str(USER)
                )
                return int((await db.execute(stmt)).scalar_one_or_none() or 0)

        for text in ANSWERS:
            update = fake.text(text, user=USER)
            before_sent, before_version = len(fake.sent(USER)), await version()
            statuses = await asyncio.gather(*(w.post_update(update) for w in workers))
            # The copy that finds the other's replies still being sent is asked to come back
            # (503): that worker could have died before sending them. Back again, it is dropped.
            assert sorted(statuses) in ([200, 200], [200, 503]), statuses
            for worker, status in zip(workers, statuses, strict=True):
                if status == 503:
                    assert await worker.post_update(update) == 200
            replies = [m["text"] for m in fake.sent(USER)[before_sent:]]
            assert len(replies) == 1, (text, replies)
            assert await version() == before_version + 1
        assert "Đã gửi báo cáo. Mã tham chiếu: BC-" in fake.sent(USER)[-1]["text"]
    finally:
        await asyncio.gather(*(w.stop() for w in workers))
    async with services.sessionmaker() as db:
        count = await db.execute(select(func.count()).select_from(Submission))
        assert count.scalar_one() == 1
