"""The PostgreSQL pool keeps its connections: a burst of concurrent turns above the pool's size
waits for a connection instead of opening and closing extra ones."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, text

from bot.services import Services
from storage.db import make_engine, make_sessionmaker, transaction


async def test_bursts_above_the_pool_size_reuse_its_connections(services: Services) -> None:
    if not services.settings.database_url.startswith("postgresql"):
        pytest.skip("SQLite has no connection pool to speak of")
    engine = make_engine(services.settings.database_url, pool_size=4)
    made: list[object] = []
    event.listen(engine.sync_engine, "connect", lambda *_: made.append(1))
    sessionmaker = make_sessionmaker(engine)
    busy = 0
    most = 0

    async def turn() -> None:
        nonlocal busy, most
        async with transaction(sessionmaker) as db:
            await db.execute(text("SELECT 1"))  # holds a connection from here to the commit
            busy += 1
            most = max(most, busy)
            await db.execute(text("SELECT pg_sleep(0.02)"))
            busy -= 1

    try:
        await asyncio.gather(*(turn() for _ in range(16)))
        first_burst = len(made)
        await asyncio.gather(*(turn() for _ in range(16)))
    finally:
        await engine.dispose()
    assert most == 4  # sixteen turns, four at a time
    assert first_burst == 4
    assert len(made) == 4  # the second burst opened none
