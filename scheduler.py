"""Reminder scheduling with APScheduler: thin — query, decide, hand to the outbox sender.

Jobs: every minute plan what is due (domain.reminders rules -> handlers.reminders -> outbox
rows), every few seconds start draining the outbox unless a drain is still running, every
minute recover rows a dead sender task left behind. Only one scheduler acts at a time: the
leader holds a PostgreSQL advisory lock (a file lock on SQLite); others wait as standbys and
never touch the outbox. Even two leaders would not double-send: outbox keys are unique and rows
are claimed atomically.

On PostgreSQL the lock lives as long as the leader's connection, which can drop while the
process lives on (a database restart, a network cut, an idle-connection timeout). So the leader
checks its lock before every drain and, once it has lost it, stops sending as a graceful stop
does and stands by to campaign again. A new leader that finds rows left claimed or sending waits
until such a predecessor must have stopped (`takeover_seconds`) before it resolves them; with
nothing in flight it leads at once. A file lock (SQLite) is held until the process ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.delivery import STOP_GRACE
from bot.services import Services
from domain.reminders import QuietHours
from handlers.reminders import Planned, enqueue, plan
from storage.db import is_sqlite, transaction
from storage.periods import current_monthly

log = logging.getLogger(__name__)
LOCK_ID = 0x43485459  # "CHTY": the advisory lock every ChungTay scheduler competes for
RECOVER_SECONDS = 60
LOCK_CHECK_TIMEOUT = 5.0  # seconds a leader waits for its lock check before it assumes the worst
# The lock's row in pg_locks: a bigint key is split into classid (high half) and objid (low half).
HELD = (
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 0"
    " AND objid = :id AND objsubid = 1 AND granted AND pid = pg_backend_pid())"
)


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


def lock_path(url: str) -> Path:
    """The file lock beside a SQLite database ("chungtay.db" -> "chungtay.scheduler.lock")."""
    return Path(make_url(url).database or "chungtay.db").with_suffix(".scheduler.lock")


class LeaderLock:
    """Held for the life of the process; released when it stops or its connection drops."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._conn: AsyncConnection | None = None
        self._file: Any = None

    async def acquire(self) -> bool:
        url = self.services.settings.database_url
        if is_sqlite(url):
            handle = lock_path(url).open("w")
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

    async def held(self) -> bool:
        """Whether the lock is still ours (False when its connection dropped or does not answer
        within LOCK_CHECK_TIMEOUT)."""
        if self._file is not None:
            return True
        if self._conn is None:
            return False
        try:
            async with asyncio.timeout(LOCK_CHECK_TIMEOUT):
                held = (await self._conn.execute(text(HELD), {"id": LOCK_ID})).scalar()
                await self._conn.commit()
        except Exception as exc:  # the connection is gone or stuck: the lock may be too
            log.warning("the leader lock's connection failed: %s", type(exc).__name__)
            return False
        return bool(held)

    @property
    def survives_its_connection(self) -> bool:
        """A file lock is held until the process ends; an advisory lock only while its
        connection lasts, which can drop while its process lives on."""
        return self._file is not None

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
        self,
        services: Services,
        *,
        tick_seconds: int = 60,
        drain_seconds: float = 2,
        campaign_seconds: float = 30,
        takeover_seconds: float | None = None,
    ) -> None:
        self.services = services
        self.lock = LeaderLock(services)
        self.leader = False
        self.tick_seconds = tick_seconds
        self.drain_seconds = drain_seconds
        self.campaign_seconds = campaign_seconds
        # How long a leader that lost its lock may still be sending: until its next check (one
        # drain interval, the check's own timeout), then a graceful stop's grace.
        self.takeover_seconds = (
            drain_seconds + LOCK_CHECK_TIMEOUT + STOP_GRACE
            if takeover_seconds is None
            else takeover_seconds
        )
        self.aps = AsyncIOScheduler(timezone="UTC")
        self._running: set[asyncio.Task[Any]] = set()
        self._stopped = asyncio.Event()
        self._stepping_down = False

    async def start(self) -> None:
        self._every(
            self._campaign, self.campaign_seconds, "leader", next_run_time=self.services.clock()
        )
        self.aps.start()

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Graceful: no new job runs; the sends in flight and a running job finish (bounded) so
        nothing is cut off with a traceback; then the lock goes, for the next leader."""
        self._stopped.set()
        if self.aps.running:
            self.aps.pause()
        sender = self.services.sender
        jobs = [t for t in self._running if not t.done()]
        await asyncio.gather(
            sender.stop(grace) if self.leader else asyncio.sleep(0),
            asyncio.wait(jobs, timeout=grace) if jobs else asyncio.sleep(0),
        )
        if self.aps.running:
            self.aps.shutdown(wait=False)
        await self.lock.release()

    def _every(
        self, job: Callable[[], Awaitable[Any]], seconds: float, name: str, **kw: Any
    ) -> None:
        # coalesce + one instance: a run still going when the next is due is not overlapped.
        self.aps.add_job(
            self._tracked(job),
            "interval",
            seconds=seconds,
            id=name,
            max_instances=1,
            coalesce=True,
            **kw,
        )

    def _tracked(self, job: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[Any]]:
        async def run() -> Any:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
                task.add_done_callback(self._running.discard)
            return await job()

        return run

    async def _campaign(self) -> None:
        """Become the leader when the lock is free; the leader alone plans and sends."""
        if self.leader or self._stepping_down:
            return
        if not await self.lock.acquire():
            log.debug("another scheduler is the leader; standing by")
            return
        sender = self.services.sender
        if not self.lock.survives_its_connection and await sender.in_flight():
            # The lock says the previous leader's connection is gone, not its process: let one
            # that lives on notice and stop before its rows are taken from it.
            log.info("scheduler takes over in %.0f s (rows in flight)", self.takeover_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), self.takeover_seconds)
            if self._stopped.is_set() or not await self.lock.held():
                await self.lock.release()
                return
        self.leader = True
        sender.resume()
        found = await sender.recover(stale=None)
        log.info(
            "scheduler is the leader (from an earlier stop: %d reserved message(s) released,"
            " %d uncertain)",
            found.released,
            found.uncertain,
        )
        now = self.services.clock()
        self._every(self.tick, self.tick_seconds, "tick", next_run_time=now)
        # The drain runs in the sender's own task (kick): this job only starts it when none runs,
        # so a long fan-out is never "skipped: maximum number of running instances reached".
        self._every(self._kick, self.drain_seconds, "drain", next_run_time=now)
        self._every(self.services.sender.recover, RECOVER_SECONDS, "recover")

    async def _kick(self) -> None:
        if not await self.lock.held():
            await self._step_down()
            return
        self.services.sender.kick()

    async def _step_down(self) -> None:
        """The lock is lost: plan and send nothing more, let the sends in flight finish (as a
        graceful stop does), and campaign again like a standby."""
        log.warning("scheduler lost the leader lock; stopping its sends and standing by")
        self.leader, self._stepping_down = False, True
        try:
            for job in ("tick", "drain", "recover"):
                with contextlib.suppress(JobLookupError):
                    self.aps.remove_job(job)
            await self.lock.release()  # the dropped connection
            await self.services.sender.stop()
        finally:
            self._stepping_down = False  # the next campaign may take the lock again

    async def tick(self) -> int:
        planned = await plan_now(self.services, self.services.clock())
        for p in planned:
            if p.status == "skipped":
                log.info("reminder %s skipped: %s", p.key, p.reason)
        return len(planned)
