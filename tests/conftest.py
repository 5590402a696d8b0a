"""Shared fixtures: a migrated database per test (SQLite always, PostgreSQL when given), a clock,
the app with its services, and an HTTP client speaking to it in-process."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.dependencies import models as fastapi_dependencies
from sqlalchemy import text

from api.app import create_app
from bot.services import Services, build_services
from bot.settings import Settings
from storage.db import make_engine
from storage.migrate import upgrade
from tests.support import close_services

# Under pytest-xdist (`make test` runs two processes), each process has a database of its own:
# the given one's name with the process's name after it (chungtay_ci_gw0, …), made if missing.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
BASE_PG_URL = os.environ.get("CHUNGTAY_TEST_DATABASE_URL", "")
PG_URL = f"{BASE_PG_URL}_{XDIST_WORKER}" if BASE_PG_URL and XDIST_WORKER else BASE_PG_URL
PG_REQUIRED = os.environ.get("CHUNGTAY_TEST_REQUIRE_POSTGRES") == "1"
SECRET = "test-secret-key"


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


# FastAPI remembers, in module-level caches of 4096 entries, every endpoint and dependency
# function it has classified (generator? coroutine?), keeping them alive. An app's own closures
# (create_app's /healthz and /, the offline docs pages) keep the app and its Services alive
# with them: over the suite, hundreds of apps, every garbage collection slower for each (a full
# collection took seconds by the end, ~10 s of one test's five gc.collect()).
_FASTAPI_CACHES = (
    "_is_gen_callable_cached",
    "_is_async_gen_callable_cached",
    "_is_coroutine_callable_cached",
)


@pytest.fixture(autouse=True)
def _forget_apps() -> Iterator[None]:
    """Each test's apps are let go after it: the caches are emptied (they only save work)."""
    yield
    for name in _FASTAPI_CACHES:
        cache = getattr(fastapi_dependencies, name, None)
        if cache is not None:
            cache.cache_clear()


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 25, 2, 0, tzinfo=UTC))  # 09:00 in Hà Nội


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.db"

    async def _migrate() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(_migrate())
    return path


@pytest.fixture(scope="session")
def pg_migrated() -> str:
    if not PG_URL:
        if PG_REQUIRED:
            pytest.fail("CHUNGTAY_TEST_REQUIRE_POSTGRES=1 but CHUNGTAY_TEST_DATABASE_URL is empty")
        pytest.skip("PostgreSQL tests need CHUNGTAY_TEST_DATABASE_URL (`.ci/run` sets it)")

    async def _reset() -> None:
        if PG_URL != BASE_PG_URL:
            await _create_database(BASE_PG_URL, PG_URL)
        engine = make_engine(PG_URL)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await upgrade(engine)
        await engine.dispose()

    try:
        asyncio.run(_reset())
    except OSError as exc:
        if PG_REQUIRED:
            raise
        pytest.skip(f"PostgreSQL at CHUNGTAY_TEST_DATABASE_URL is unreachable: {exc}")
    return PG_URL


async def _create_database(existing: str, wanted: str) -> None:
    """CREATE DATABASE for `wanted`'s name, connected through `existing`'s server and database."""
    import asyncpg

    name = wanted.rsplit("/", 1)[1].split("?", 1)[0]
    conn = await asyncpg.connect(existing.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


_WIPE: dict[str, str] = {}  # the wipe of a test database, by URL (its tables do not change)


async def _empty_pg(url: str) -> None:
    """Every table emptied and every sequence back at 1: one DELETE per table with triggers and
    foreign keys set aside (replica mode; superuser), in one round trip. TRUNCATE of the same
    tables costs ~150 ms per test, most of it making new files for 26 tables; this ~30 ms."""
    import asyncpg

    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    conn = await asyncpg.connect(dsn)
    try:
        try:
            async with conn.transaction():
                await conn.execute(_WIPE.get(url) or await _wipe_of(conn, url))
        except (asyncpg.UndefinedTableError, asyncpg.UndefinedObjectError):
            # the schema changed since the wipe was written (a test migrated down and up)
            async with conn.transaction():
                await conn.execute(await _wipe_of(conn, url))
    finally:
        await conn.close()


async def _wipe_of(conn: Any, url: str) -> str:
    """The wipe of the database's tables and sequences as they are now (kept for the next test)."""
    tables = await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        " AND tablename <> 'alembic_version'"
    )
    sequences = await conn.fetch(
        "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
    )
    _WIPE[url] = "".join(
        [
            "SET LOCAL session_replication_role = replica;",
            *(f'DELETE FROM "{r[0]}";' for r in tables),
            *(f'ALTER SEQUENCE "{r[0]}" RESTART;' for r in sequences),
        ]
    )
    return _WIPE[url]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty database: every storage test runs on both backends."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        shutil.copy(template, path)
        yield f"sqlite+aiosqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_migrated")
        asyncio.run(_empty_pg(url))
        yield url


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, secret_key=SECRET, seed_demo=False)  # type: ignore[arg-type]


@pytest.fixture
async def services(settings: Settings, clock: Clock) -> AsyncIterator[Services]:
    svc = build_services(settings, clock=clock)
    yield svc
    await close_services(svc)


@pytest.fixture
async def client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(services, own_services=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c
