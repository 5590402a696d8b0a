"""Async engine and session factory for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import asyncpg as pg_asyncpg
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from domain import jsontext


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def json_dumps(value: Any) -> str:
    """JSON columns' text (domain.jsontext: what the json module would write, faster)."""
    return jsontext.dumps(value).decode()


def make_engine(url: str, *, pool_size: int = 20) -> AsyncEngine:
    json = {"json_serializer": json_dumps, "json_deserializer": jsontext.loads}
    if is_sqlite(url):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **json)

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

        # Python's sqlite3 begins a transaction only before a write statement; a SAVEPOINT is
        # none, so one opened first began SQLite's transaction itself and its RELEASE committed
        # it: what the savepoint held stayed when the session rolled back. Begin first.
        @event.listens_for(engine.sync_engine, "savepoint")
        def _begin_first(conn, _name) -> None:  # type: ignore[no-untyped-def]
            if not conn.connection.driver_connection.in_transaction:
                conn.exec_driver_sql("BEGIN")

        return engine
    # A fixed pool, no overflow: an overflow connection is closed when it is checked in while
    # the pool is full, so above pool_size concurrent turns every turn paid a new connection
    # (fork of a server process, TLS attempt, authentication: ~1/3 of a turn's server CPU
    # and most of its latency at 32 concurrent chats, bench/webhook.py). Beyond pool_size a
    # turn waits for a free connection, as it waited for CPU before.
    # No JIT: PostgreSQL compiles a plan to machine code when its estimated cost is high, and
    # a report's estimates are (a recursive CTE over the org tree is guessed at 400,000 units
    # for 3,000): a province's emulation report spent 0.84 s of its 1.8 s compiling
    # (bench/aggregates.py --scale national). The chat turns never reach JIT's threshold.
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        connect_args={"server_settings": {"jit": "off"}},
        **json,
    )

    # A connection the server closed (restart, pg_terminate_backend, a cut network noticed by the
    # kernel) is known to asyncpg without a round trip: replaced at checkout. SQLAlchemy's
    # pool_pre_ping would instead spend three round trips (BEGIN, ";", ROLLBACK) on every
    # checkout, twice per chat turn (bench/webhook.py).
    @event.listens_for(engine.sync_engine, "checkout")
    def _alive(dbapi_conn, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
        if dbapi_conn.driver_connection.is_closed():
            raise sa_exc.DisconnectionError("the server closed this connection")

    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any error."""
    async with factory() as session, session.begin():
        yield session


# -- statements sent through the driver --------------------------------------------------------


@dataclass(frozen=True)
class DriverStatement:
    """A SQLAlchemy Core statement compiled once for asyncpg, sent without SQLAlchemy: the few
    statements every chat turn runs, where SQLAlchemy's per-execution work costs more server time
    than PostgreSQL's. Parameters are given by bind name; JSON ones as text (json_dumps), and
    JSON results come back decoded (the codec SQLAlchemy set up on the connection)."""

    sql: str
    names: tuple[str, ...]
    defaults: Mapping[str, Any]

    @classmethod
    def of(cls, stmt: Any) -> DriverStatement:
        compiled = stmt.compile(dialect=pg_asyncpg.dialect())
        return cls(str(compiled), tuple(compiled.positiontup or ()), dict(compiled.params))

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        return [params[n] if n in params else self.defaults[n] for n in self.names]


_DRIVER = "chungtay.driver"  # session.info key: the asyncpg connection of a turn_transaction


@asynccontextmanager
async def turn_transaction(
    factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """transaction(), cheaper for a chat turn on PostgreSQL: the pooled connection's transaction
    is begun and committed by the driver, and the ORM session on it does nothing until it is
    used (most turns run only driver statements: claim, save). A used session commits through
    SQLAlchemy, flushing first; either way one transaction, committed on success and rolled
    back on any error. ~0.2 ms of server CPU less per turn than a session transaction
    (AsyncSession begin, connection, commit, close)."""
    engine = factory.kw.get("bind")
    if not isinstance(engine, AsyncEngine) or engine.dialect.name != "postgresql":
        async with transaction(factory) as session:
            yield session
        return
    async with engine.connect() as conn:
        adapted = (await conn.get_raw_connection()).dbapi_connection
        await _begin(adapted)
        session = factory(bind=conn)
        session.info[_DRIVER] = adapted.driver_connection
        try:
            yield session
            if session.in_transaction():  # a statement ran through it, or an object was added
                await session.commit()  # flush, then COMMIT through SQLAlchemy's connection
            elif adapted._transaction is not None:
                await adapted._call_and_discard(adapted._transaction.commit)
        except BaseException:
            if session.in_transaction():
                await session.rollback()
            elif adapted._transaction is not None:
                await adapted._call_and_discard(adapted._transaction.rollback)
            raise


async def _begin(adapted: Any) -> None:
    """Begin the transaction of SQLAlchemy's asyncpg adapter, as it would on its first statement."""
    if adapted._transaction is None and not adapted.autocommit:
        async with adapted._execute_mutex:
            if adapted._transaction is None:
                await adapted._start_transaction()


async def driver(session: AsyncSession) -> Any:
    """The asyncpg connection under `session`, in the session's transaction (begun here, as
    SQLAlchemy would on its first statement): what the driver runs and what SQLAlchemy runs in
    this session commit or roll back together."""
    found = session.info.get(_DRIVER)
    if found is not None:
        return found
    conn = await session.connection()
    adapted = (await conn.get_raw_connection()).dbapi_connection
    await _begin(adapted)  # SQLAlchemy's adapter begins lazily, on the first statement it runs
    return adapted.driver_connection


@asynccontextmanager
async def autocommit_driver(engine: AsyncEngine) -> AsyncIterator[Any]:
    """A pooled asyncpg connection outside any transaction: one statement, one round trip."""
    async with engine.connect() as conn:
        yield (await conn.get_raw_connection()).dbapi_connection.driver_connection


def _driver_unavailable(exc: BaseException) -> bool:
    try:  # asyncpg raises some connection failures unwrapped (at connect time, or when sent
        from asyncpg import exceptions as pg  # through the driver)
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return False
    if isinstance(exc, pg.InterfaceError) and "closed" in str(exc):
        return True
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
