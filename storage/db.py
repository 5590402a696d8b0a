"""Async engine and session factory for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    if is_sqlite(url):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            # WAL lets the simulator read while a write is in flight; FKs are off by default.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            # Safe with WAL (no corruption on a crash); skips an fsync per commit.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any error."""
    async with factory() as session, session.begin():
        yield session


def _driver_unavailable(exc: BaseException) -> bool:
    try:  # asyncpg raises some connection failures unwrapped (at connect time)
        from asyncpg import exceptions as pg
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return False
    return isinstance(exc, pg.PostgresConnectionError | pg.OperatorInterventionError)


def unavailable(exc: BaseException) -> bool:
    """The database could not be reached or did not answer in time (not a bug in a statement):
    the update is worth retrying later."""
    seen: BaseException | None = exc
    for _ in range(8):  # SQLAlchemy wraps the driver's error as __cause__
        if seen is None:
            return False
        if isinstance(
            seen,
            OSError  # refused, reset, timed out (TimeoutError is an OSError)
            | sa_exc.OperationalError  # SQLite locked/unopenable; lost PostgreSQL connections
            | sa_exc.InterfaceError
            | sa_exc.TimeoutError,  # no pooled connection in time
        ):
            return True
        if isinstance(seen, sa_exc.DBAPIError) and seen.connection_invalidated:
            return True
        if _driver_unavailable(seen):
            return True
        seen = seen.__cause__
    return False
