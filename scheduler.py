"""Reminder scheduling with APScheduler: thin — query, decide, hand to the outbox sender.

Two jobs: every minute plan what is due (domain.reminders rules -> handlers.reminders ->
outbox rows), every few seconds drain the outbox. Only one scheduler acts at a time: the
leader holds a PostgreSQL advisory lock (a file lock on SQLite); others wait as standbys.
Even two leaders would not double-send: outbox keys are unique and rows are claimed atomically.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.services import Services
from domain.reminders import QuietHours
from handlers.reminders import Planned, enqueue, plan
from storage.db import is_sqlite, transaction
from storage.periods import current_monthly

log = logging.getLogger(__name__)
LOCK_ID = 0x43485459  # "CHTY": the advisory lock every ChungTay scheduler competes for


def quiet_hours(services: Services) -> QuietHours:
    s = services.settings
    return QuietHours(time.fromisoformat(s.quiet_start), time.fromisoformat(s.quiet_end))


async def plan_now(services: Services, now: datetime, *, write: bool = True) -> list[Planned]:
    """Plan at `now` (creating the month's period if needed); write unless previewing."""
    grace = timedelta(hours=services.settings.reminder_grace_hours)
    async with transaction(services.sessionmaker) as db:
        await current_monthly(db, now)
        planned = await plan(
            db, now, grace=grace, quiet=quiet_hours(services), include_existing=not write
        )
        if write:
            await enqueue(db, planned)
    return planned


class LeaderLock:
    """Held for the life of the process; released when it stops or its connection drops."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._conn: AsyncConnection | None = None
        self._file: Any = None

    async def acquire(self) -> bool:
        url = self.services.settings.database_url
        if is_sqlite(url):
            path = Path(make_url(url).database or "chungtay.db").with_suffix(".scheduler.lock")
            handle = path.open("w")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                return False
            self._file = handle
            return True
        conn = await self.services.db_engine.connect()
        got = (
            await conn.execute(text("SELECT pg_try_advisory_lock(:id)"), {"id": LOCK_ID})
        ).scalar()
        await conn.commit()
        if got:
            self._conn = conn
            return True
        await conn.close()
        return False

    async def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": LOCK_ID})
                await self._conn.close()
            self._conn = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class Scheduler:
    def __init__(
        self, services: Services, *, tick_seconds: int = 60, drain_seconds: int = 2
    ) -> None:
        self.services = services
        self.lock = LeaderLock(services)
        self.leader = False
        self.tick_seconds = tick_seconds
        self.drain_seconds = drain_seconds
        self.aps = AsyncIOScheduler(timezone="UTC")

    async def start(self) -> None:
        self.aps.add_job(
            self._campaign,
            "interval",
            seconds=30,
            id="leader",
            max_instances=1,
            coalesce=True,
            next_run_time=self.services.clock(),
        )
        self.aps.start()

    async def stop(self) -> None:
        self.aps.shutdown(wait=False)
        await self.lock.release()

    async def _campaign(self) -> None:
        """Become the leader when the lock is free; the leader alone plans and sends."""
        if self.leader:
            return
        if not await self.lock.acquire():
            log.debug("another scheduler is the leader; standing by")
            return
        self.leader = True
        recovered = await self.services.sender.recover()
        log.info(
            "scheduler is the leader (%d uncertain deliveries from an earlier stop)", recovered
        )
        self.aps.add_job(
            self.tick,
            "interval",
            seconds=self.tick_seconds,
            id="tick",
            max_instances=1,
            coalesce=True,
            next_run_time=self.services.clock(),
        )
        self.aps.add_job(
            self.services.sender.drain,
            "interval",
            seconds=self.drain_seconds,
            id="drain",
            max_instances=1,
            coalesce=True,
        )

    async def tick(self) -> int:
        planned = await plan_now(self.services, self.services.clock())
        for p in planned:
            if p.status == "skipped":
                log.info("reminder %s skipped: %s", p.key, p.reason)
        return len(planned)
