"""The outbox sender: due rows go out once, under a global rate and at most one per chat per second.

A batch is reserved (pending -> claimed) by a conditional UPDATE, so two senders never take the
same row; each row is marked "sending" in its own commit right before the channel call. After a
crash, "claimed" rows were never attempted and go back to pending; "sending" rows may or may not
have reached the chat, so they become "uncertain" and are not sent again: a possibly missed
reminder is logged, a duplicate is never sent. At most `concurrency` rows can be uncertain.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import Channel, ChannelError, RecipientGone, redact
from conversations.model import Choice, Outbound
from handlers.inbound import utc_now
from handlers.notify import warn_unreachable
from storage.accounts import deactivate_account
from storage.db import transaction
from storage.models_outbox import OutboxMessage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
RECORD_EVERY = 32  # outcomes written per commit
STALE_CLAIM = timedelta(minutes=2)


class RateLimiter:
    """Sends paced on a fixed schedule (1/rate apart; a late one may catch up a little), and never
    more than `rate` in any one-second window — the Bot APIs' own rule ("about 30 messages per
    second"), so there are no bursts for flood control to punish."""

    WINDOW = 1.02  # measured on our side; the server's clock sees requests with some jitter
    CATCH_UP = 1  # slots a late sender may use at once

    def __init__(self, rate: float) -> None:
        self.rate = max(1, int(rate))
        self.spacing = 1.01 / self.rate  # 1 % under the limit, for the same reason
        self.stamps: deque[float] = deque()
        self.next_at = 0.0  # the theoretical time of the next send
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                while self.stamps and now - self.stamps[0] >= self.WINDOW:
                    self.stamps.popleft()
                wait = self.next_at - self.CATCH_UP * self.spacing - now
                if len(self.stamps) >= self.rate:
                    wait = max(wait, self.stamps[0] + self.WINDOW - now)
                if wait <= 0:
                    self.stamps.append(now)
                    self.next_at = (
                        max(self.next_at, now - self.CATCH_UP * self.spacing) + self.spacing
                    )
                    return
                await asyncio.sleep(wait)


class GroupCommit:
    """Callers wait until their item is committed; items arriving during a commit share the next."""

    def __init__(self, flush: Callable[[list[int]], Awaitable[None]]) -> None:
        self.flush = flush
        self.pending: list[tuple[int, asyncio.Future[None]]] = []
        self.running: asyncio.Task[None] | None = None

    async def mark(self, item: int) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.pending.append((item, future))
        if self.running is None or self.running.done():
            self.running = asyncio.create_task(self._run())
        await future

    async def _run(self) -> None:
        while self.pending:
            batch, self.pending = self.pending, []
            try:
                await self.flush([item for item, _ in batch])
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(None)


@dataclass
class DrainStats:
    sent: int = 0
    failed: int = 0
    retried: int = 0


class Sender:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        channels: Mapping[str, Channel],
        *,
        rate_per_s: float = 25.0,
        per_chat_interval: float = 1.0,
        batch: int = 100,
        concurrency: int = 16,
        clock: Callable[[], datetime] = utc_now,
        secret: str = "",
    ) -> None:
        self.sessionmaker = sessionmaker
        self.channels = channels
        self.limiter = RateLimiter(rate_per_s)
        self.per_chat_interval = per_chat_interval
        self.batch = batch
        self.concurrency = concurrency
        self.clock = clock
        self.secret = secret  # redacted from logged errors
        self._chat_next: dict[tuple[str, str], float] = {}
        self._chat_locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._drain_lock = asyncio.Lock()
        self._task: asyncio.Task[DrainStats] | None = None

    def kick(self) -> None:
        """Start draining in the background (after a turn queued notices); never blocks."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.drain())
            self._task.add_done_callback(_log_failure)

    async def aclose(self) -> None:
        """Stop a background drain and wait for it, before the database engine goes away."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def recover(self, *, stale: timedelta = STALE_CLAIM) -> int:
        """After a stop: reserved rows return to pending; in-flight ones become "uncertain"."""
        cutoff = self.clock() - stale
        async with transaction(self.sessionmaker) as db:
            await db.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == "claimed", OutboxMessage.claimed_at <= cutoff)
                .values(status="pending", claimed_at=None)
            )
            result = await db.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at <= cutoff)
                .values(status="uncertain", last_error="sender stopped before confirming")
            )
        count = int(result.rowcount or 0)  # type: ignore[attr-defined]
        if count:
            log.warning(
                "%d outbox message(s) may or may not have been sent (sender was stopped)", count
            )
        return count

    async def _claim(self) -> list[OutboxMessage]:
        now = self.clock()
        async with transaction(self.sessionmaker) as db:
            ids = list(
                (
                    await db.execute(
                        select(OutboxMessage.id)
                        .where(OutboxMessage.status == "pending", OutboxMessage.due_at <= now)
                        .order_by(OutboxMessage.due_at, OutboxMessage.id)
                        .limit(self.batch)
                        .with_for_update(skip_locked=True)
                    )
                ).scalars()
            )
            if not ids:
                return []
            claimed = (
                await db.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "pending")  # type: ignore[union-attr]
                    .values(status="claimed", claimed_at=now, attempts=OutboxMessage.attempts + 1)
                    .returning(OutboxMessage.id)
                )
            ).scalars()
            mine = set(claimed)
            rows = (
                await db.execute(select(OutboxMessage).where(OutboxMessage.id.in_(mine)))
            ).scalars()  # type: ignore[union-attr]
            return sorted(rows, key=lambda r: (r.due_at, r.id or 0))

    async def drain(self) -> DrainStats:
        """Send everything due now; returns when nothing due is left. One drain at a time.

        `concurrency` workers send continuously from a shared queue, refilled by claiming the next
        batch when it runs dry. Each row is marked "sending" (group commits shared by the
        workers) right before its channel call, and outcomes are written in batches, so the
        database never stalls the stream. A stop leaves at most `concurrency` rows in flight."""
        stats = DrainStats()
        async with self._drain_lock:
            # Sending can queue more (a blocked chat warns the officer): go again until quiet.
            while await self._drain_round(stats):
                pass
        return stats

    async def _drain_round(self, stats: DrainStats) -> int:
        handled = 0
        queue: deque[OutboxMessage] = deque()
        refill = asyncio.Lock()
        exhausted = False
        marker = GroupCommit(lambda ids: self._set(ids, status="sending", claimed_at=self.clock()))
        done: list[tuple[OutboxMessage, tuple[str, str | None]]] = []

        async def next_row() -> OutboxMessage | None:
            nonlocal exhausted
            async with refill:
                if not queue and not exhausted:
                    rows = await self._claim()
                    exhausted = not rows
                    queue.extend(rows)
                return queue.popleft() if queue else None

        async def worker() -> None:
            nonlocal handled
            while (row := await next_row()) is not None:
                done.append((row, await self._send_one(row, marker)))
                handled += 1
                if len(done) >= RECORD_EVERY:
                    batch, done[:] = done[:], []
                    await self._record(batch, stats)

        try:
            await asyncio.gather(*(worker() for _ in range(self.concurrency)))
        finally:
            if marker.running is not None and not marker.running.done():
                marker.running.cancel()  # stopped mid-way: no commit may outlive the drain
        await self._record(done, stats)
        return handled

    async def _send_one(self, row: OutboxMessage, marker: GroupCommit) -> tuple[str, str | None]:
        """("sent" | "blocked" | "error" | "unroutable", error text)."""
        channel = self.channels.get(row.channel or "")
        if channel is None or row.chat_id is None:
            return "unroutable", f"channel {row.channel!r} is not running here"
        key = (channel.name, row.chat_id)
        async with self._chat_locks.setdefault(key, asyncio.Lock()):
            wait = self._chat_next.get(key, 0.0) - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            message = Outbound(row.text, tuple(Choice(c[0], c[1]) for c in row.choices))
            await marker.mark(row.id)  # type: ignore[arg-type]
            await self.limiter.acquire()  # last, so the pace is kept on the wire
            try:
                await channel.send(row.chat_id, message)
            except RecipientGone:
                return "blocked", "recipient blocked the bot"
            except (ChannelError, OSError, TimeoutError) as exc:
                return "error", redact(exc, self.secret)[:500]
            finally:
                self._chat_next[key] = time.monotonic() + self.per_chat_interval
        return "sent", None

    async def _set(self, ids: list[int], **values: object) -> None:
        async with transaction(self.sessionmaker) as db:
            stmt = update(OutboxMessage).where(OutboxMessage.id.in_(ids))  # type: ignore[union-attr]
            await db.execute(stmt.values(**values))

    async def _record(
        self, results: list[tuple[OutboxMessage, tuple[str, str | None]]], stats: DrainStats
    ) -> None:
        now = self.clock()
        async with transaction(self.sessionmaker) as db:
            sent = [row.id for row, (outcome, _) in results if outcome == "sent"]
            if sent:
                await db.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(sent))
                    .values(status="sent", sent_at=now)  # type: ignore[union-attr]
                )
                stats.sent += len(sent)
            for row, (outcome, error) in results:
                if outcome == "sent":
                    continue
                values: dict[str, object] = {"last_error": error}
                if outcome == "error" and row.attempts < MAX_ATTEMPTS:
                    # 5xx and timeouts: try again later, waiting longer each time.
                    backoff = timedelta(seconds=min(30 * 2 ** (row.attempts - 1), 3600))
                    values.update(status="pending", due_at=now + backoff)
                    stats.retried += 1
                else:
                    values["status"] = "failed"
                    stats.failed += 1
                await db.execute(
                    update(OutboxMessage).where(OutboxMessage.id == row.id).values(**values)
                )
                if outcome == "blocked" and row.channel and row.chat_id:
                    if await deactivate_account(db, channel=row.channel, chat_id=row.chat_id):
                        await warn_unreachable(db, row.person_id, now)


def _log_failure(task: asyncio.Task[DrainStats]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background delivery failed", exc_info=task.exception())
