"""The outbox sender: due rows go out once, under a global rate and at most one per chat per second.

A batch is reserved (pending -> claimed) by a conditional UPDATE, so two senders never take the
same row; each row is marked "sending" in a commit right before the channel call, and its outcome
is committed as soon as the call answers, before its worker takes another row. So after a crash
at most `concurrency` rows are "sending": those become "uncertain" (bot/outbox_recovery.py), the
"claimed" ones go back to pending. A graceful stop (`stop`) claims nothing more, lets the sends
in flight finish and records them, and releases the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import Channel, ChannelError, RecipientGone, redact
from bot.outbox_recovery import Recovered, resolve
from bot.pacing import GroupCommit, RateLimiter
from conversations.model import Outbound
from conversations.pressed import lettered, pairs
from handlers.inbound import utc_now
from handlers.notify import unpack, warn_unreachable
from storage.accounts import deactivate_account
from storage.db import transaction
from storage.models_outbox import IN_FLIGHT, OutboxMessage
from storage.sessions import letters_in_use, offered_outside

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
# Rows claimed longer ago than this by no live drain of ours: a sender task died (or another
# process's sender did). Only used while leading; becoming the leader recovers everything at once.
STALE_CLAIM = timedelta(minutes=2)
STOP_GRACE = 10.0  # seconds a graceful stop waits for the sends in flight

Result = tuple[OutboxMessage, tuple[str, str | None]]


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
        # Claims and recoveries of this process never interleave, and a recovery skips the rows
        # a live drain of this process holds (claimed, not yet recorded or released).
        self._claim_lock = asyncio.Lock()
        self._held: set[int] = set()
        # The choices each row went out with, as the chat saw them (by letter mid-question).
        self._sent_choices: dict[int, list[list[str]]] = {}
        self._stopping = False
        self._task: asyncio.Task[DrainStats] | None = None

    def kick(self) -> None:
        """Start draining in the background (after a turn queued notices); never blocks."""
        if self._stopping:
            return
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.drain())
            self._task.add_done_callback(_log_failure)

    async def aclose(self) -> None:
        """Stop a background drain and wait for it, before the database engine goes away."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    def resume(self) -> None:
        """Send again after a stop (a scheduler that leads again)."""
        self._stopping = False

    async def in_flight(self) -> int:
        """Rows claimed or being sent, by this sender or any other."""
        async with self.sessionmaker() as db:
            stmt = select(func.count()).where(
                OutboxMessage.status.in_(IN_FLIGHT)  # type: ignore[attr-defined]
            )
            return int((await db.execute(stmt)).scalar_one())

    async def stop(self, grace: float = STOP_GRACE) -> Recovered:
        """Graceful stop: claim nothing more, let the sends in flight finish (for up to `grace`
        seconds) and record them; rows not started go back to pending, sends that did not answer
        in time are cut off and become uncertain."""
        self._stopping = True
        task = self._task
        if task is None or task.done():
            return Recovered()
        done, _ = await asyncio.wait({task}, timeout=grace)
        if done:
            return Recovered()
        held = set(self._held)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        return await self._recover(OutboxMessage.id.in_(held), "stopped before an answer came")  # type: ignore[union-attr]

    async def recover(self, *, stale: timedelta | None = STALE_CLAIM) -> Recovered:
        """Resolve rows left claimed or sending by a sender that is gone. `stale=None`: every such
        row (the caller knows the previous sender is gone: it holds the leader lock)."""
        cutoff = true() if stale is None else OutboxMessage.claimed_at <= self.clock() - stale  # type: ignore[operator]
        why = "the previous scheduler stopped" if stale is None else "its sender stopped"
        return await self._recover(cutoff, why)

    async def _recover(
        self, where: ColumnElement[bool], reason: str, *, own: bool = False
    ) -> Recovered:
        """Resolve the rows matching `where`; unless `own`, none a live drain here still holds."""
        async with self._claim_lock:
            if not own:
                where = where & ~OutboxMessage.id.in_(self._held)  # type: ignore[union-attr]
            async with transaction(self.sessionmaker) as db:
                return await resolve(db, where, reason)

    async def _claim(self) -> list[OutboxMessage]:
        async with self._claim_lock:
            rows = await self._claim_batch()
            self._held.update(r.id for r in rows if r.id is not None)
            return rows

    async def _claim_batch(self) -> list[OutboxMessage]:
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
        batch when it runs dry. Each row is marked "sending" right before its channel call and
        its outcome written as soon as the call answers (commits shared by the workers), so a
        stop leaves at most `concurrency` rows in flight."""
        stats = DrainStats()
        async with self._drain_lock:
            # Sending can queue more (a blocked chat warns the officer): go again until quiet.
            while not self._stopping and await self._drain_round(stats):
                pass
        return stats

    async def _drain_round(self, stats: DrainStats) -> int:
        handled = 0
        queue: deque[OutboxMessage] = deque()
        refill = asyncio.Lock()
        exhausted = False
        taken: set[int] = set()
        marker: GroupCommit[int] = GroupCommit(
            lambda ids: self._set(ids, status="sending", claimed_at=self.clock())
        )
        recorder: GroupCommit[Result] = GroupCommit(lambda done: self._record(done, stats))

        async def next_row() -> OutboxMessage | None:
            nonlocal exhausted
            async with refill:
                if self._stopping:
                    return None
                if not queue and not exhausted:
                    rows = await self._claim()
                    taken.update(r.id for r in rows if r.id is not None)
                    exhausted = not rows
                    queue.extend(rows)
                return queue.popleft() if queue else None

        async def worker() -> None:
            nonlocal handled
            while (row := await next_row()) is not None:
                await recorder.mark((row, await self._send_one(row, marker)))
                handled += 1

        try:
            await asyncio.gather(*(worker() for _ in range(self.concurrency)))
            if queue:  # stopping: what was reserved but not started goes back
                left = OutboxMessage.id.in_([r.id for r in queue])  # type: ignore[union-attr]
                await self._recover(left, "the sender is stopping", own=True)
        finally:
            marker.cancel()
            recorder.cancel()
            # Whatever is still claimed or sending is no longer worked on by this drain: the
            # periodic recovery may take it.
            self._held.difference_update(taken)
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
            message = unpack(row.text, row.choices)
            if message.choices and not channel.buttons:
                message = await self._keyed(message, channel.name, row.chat_id)
                self._sent_choices[row.id] = pairs(message.choices)  # type: ignore[index]
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

    async def _keyed(self, message: Outbound, channel: str, chat_id: str) -> Outbound:
        """A notice to a chat without buttons that is in the middle of a question: its choices
        by letter, after any the question uses, so a typed number still answers the question."""
        async with self.sessionmaker() as db:
            used = await letters_in_use(db, channel=channel, chat_id=chat_id)
        return message if used is None else lettered(message, first=used)

    async def _set(self, ids: list[int], **values: object) -> None:
        async with transaction(self.sessionmaker) as db:
            stmt = update(OutboxMessage).where(OutboxMessage.id.in_(ids))  # type: ignore[union-attr]
            await db.execute(stmt.values(**values))

    async def _record(self, results: list[Result], stats: DrainStats) -> None:
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
            for row, (outcome, _) in results:  # in the order sent, so the last one counts
                shown = self._sent_choices.pop(row.id, row.choices)  # type: ignore[arg-type]
                if outcome == "sent" and shown and row.channel and row.chat_id:
                    await offered_outside(
                        db, channel=row.channel, chat_id=row.chat_id, choices=shown
                    )
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
