"""What a stopped sender leaves in the outbox is resolved: at once by a new leader, by a graceful
stop before it exits; and a long drain is not run over itself. (Real processes killed and
restarted: tests/reliability/test_scheduler_restart.py.)"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.services import Services
from handlers.inbound import utc_now
from scheduler import LOCK_ID, LeaderLock, Scheduler
from storage.db import transaction
from storage.models_outbox import OutboxMessage
from tests.test_delivery import Recorder, fill, sender, statuses


async def _left_behind(services: Services, claimed: int, sending: int) -> None:
    """Rows as a scheduler killed a moment ago leaves them: claimed and sending just now."""
    async with transaction(services.sessionmaker) as db:
        for n in range(claimed + sending):
            db.add(
                OutboxMessage(
                    key=f"left{n}",
                    rule="before-3",
                    channel="telegram",
                    chat_id=f"90000{n:03d}",
                    text="x",
                    due_at=services.clock() - timedelta(minutes=1),
                    status="claimed" if n < claimed else "sending",
                    attempts=1,
                    claimed_at=services.clock() - timedelta(seconds=5),
                )
            )


async def test_a_new_leader_resolves_what_its_predecessor_left(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    """At once on SQLite (a file lock outlives no process); on PostgreSQL after
    `takeover_seconds`, in case the predecessor lost only its connection and is still sending."""
    await _left_behind(services, claimed=3, sending=2)
    predecessor = LeaderLock(services)
    assert await predecessor.acquire()
    successor = Scheduler(services, takeover_seconds=0.5)
    await successor._campaign()  # the lock is taken: a standby never touches the outbox
    assert not successor.leader and await statuses(services) == {"claimed": 3, "sending": 2}
    await predecessor.release()  # its process is gone (killed 5 s ago, not 2 minutes)
    caplog.set_level(logging.INFO)
    campaign = asyncio.create_task(successor._campaign())
    await asyncio.sleep(0.25)
    if services.settings.database_url.startswith("postgresql"):
        assert not successor.leader and await statuses(services) == {"claimed": 3, "sending": 2}
    await campaign
    try:
        assert successor.leader
        assert await statuses(services) == {"pending": 3, "uncertain": 2}
        warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        for n in (3, 4):  # each uncertain row by itself: channel, masked chat, reason
            assert any(f"telegram chat ***{n:03d} is uncertain" in m for m in warned)
        assert not any(f"90000{n:03d}" in m for m in warned for n in range(5))
    finally:
        await successor.stop()


async def test_a_graceful_stop_finishes_the_sends_in_flight_and_releases_the_rest(
    services: Services,
) -> None:
    channel = Recorder(delay=0.05)
    channel.reach_after = 10
    await fill(services, 100)
    s = sender(services, channel, rate_per_s=10_000, concurrency=4, batch=20)
    s.kick()
    try:
        async with asyncio.timeout(10):
            await channel.reached.wait()
            await s.stop(grace=5)
    finally:
        await s.aclose()
    counts = await statuses(services)
    # Every send that started was answered and recorded; nothing is left claimed or sending.
    assert counts["sent"] == sum(channel.got.values()) >= 10
    assert counts["sent"] + counts["pending"] == 100 and not counts["uncertain"]
    s.kick()  # a stopped sender starts nothing
    assert s._task is not None and s._task.done()


async def test_a_send_that_outlasts_the_grace_is_cut_off_and_uncertain(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    channel = Recorder(delay=30)  # the platform never answers
    await fill(services, 10)
    s = sender(services, channel, rate_per_s=10_000, concurrency=2, batch=5)
    channel.reach_after = 2
    s.kick()
    await channel.reached.wait()
    await s.stop(grace=0.2)
    counts = await statuses(services)
    assert counts == {"uncertain": 2, "pending": 8}
    assert sum("is uncertain, not sent again" in r.getMessage() for r in caplog.records) == 2


async def test_a_long_drain_is_not_run_over_itself(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    runs: list[int] = []

    async def slow_drain() -> None:
        runs.append(1)
        await asyncio.sleep(1.2)

    services.sender.drain = slow_drain  # type: ignore[assignment,method-assign]
    services.clock = utc_now  # APScheduler runs on the wall clock
    sched = Scheduler(services, drain_seconds=0.2)
    caplog.set_level(logging.WARNING)
    await sched.start()
    try:
        await asyncio.sleep(1.5)
    finally:
        await sched.stop()
    assert sched.leader and len(runs) >= 1
    assert not [r for r in caplog.records if "maximum number of running instances" in r.message]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_recovery_while_leading_skips_rows_a_live_drain_holds(services: Services) -> None:
    channel = Recorder(delay=0.2)
    await fill(services, 8)
    s = sender(services, channel, rate_per_s=10_000, concurrency=2, batch=8)
    channel.reach_after = 1
    s.kick()
    await channel.reached.wait()
    found = await s.recover(stale=None)  # what a periodic run would see, with no cutoff at all
    assert (found.released, found.uncertain) == (0, 0)
    await s.stop(grace=5)
    assert (await statuses(services))["sent"] == sum(channel.got.values())


async def test_a_leader_that_loses_its_lock_stops_sending_and_campaigns_again(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    """PostgreSQL drops the leader lock's connection (a restart, a network cut): the leader
    notices at its next drain, stops, and leads again once it holds the lock anew."""
    if not services.settings.database_url.startswith("postgresql"):
        pytest.skip("a file lock (SQLite) lasts as long as its process")
    services.clock = utc_now  # APScheduler runs on the wall clock
    holder = text(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = :id AND granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )  # this test's database: each test process has its own, each its own leader

    async def lock_holder() -> int | None:
        async with services.db_engine.connect() as conn:
            return (await conn.execute(holder, {"id": LOCK_ID})).scalar_one_or_none()

    async def until(check: Callable[[], Awaitable[bool]]) -> None:
        for _ in range(500):  # 10 s
            if await check():
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"{check.__name__}: not within 10 s")

    async def leading() -> bool:
        return sched.leader

    sched = Scheduler(services, drain_seconds=0.1, campaign_seconds=0.2, takeover_seconds=0)
    caplog.set_level(logging.INFO)
    await sched.start()
    try:
        await until(leading)
        first = await lock_holder()
        assert first is not None
        async with services.db_engine.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})

        async def stepped_down() -> bool:
            return any("lost the leader lock" in r.getMessage() for r in caplog.records)

        async def leads_again() -> bool:  # with a lock held anew, and sending again
            # Held, not merely released: right after the step-down nobody holds it (None), and
            # the drain job may not be gone yet.
            holder = await lock_holder()
            running = sched.aps.get_job("drain") is not None
            return sched.leader and running and holder is not None and holder != first

        await until(stepped_down)
        # leads_again reads pg_locks on a connection of its own: asking the lock itself
        # (sched.lock.held()) would share its connection with the scheduler's own check before
        # each drain, and asyncpg refuses two operations at once on one connection.
        await until(leads_again)
    finally:
        await sched.stop()
