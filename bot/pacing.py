"""Pacing for the outbox sender: the global send rate, and commits shared by concurrent senders."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


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


class GroupCommit(Generic[T]):
    """Callers wait until their item is committed; items arriving during a commit share the next."""

    def __init__(self, flush: Callable[[list[T]], Awaitable[None]]) -> None:
        self.flush = flush
        self.pending: list[tuple[T, asyncio.Future[None]]] = []
        self.running: asyncio.Task[None] | None = None

    async def mark(self, item: T) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.pending.append((item, future))
        if self.running is None or self.running.done():
            self.running = asyncio.create_task(self._run())
        await future

    def cancel(self) -> None:
        """Stopped mid-way: no commit may outlive the drain that started it."""
        if self.running is not None and not self.running.done():
            self.running.cancel()

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
