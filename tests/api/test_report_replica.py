"""CHUNGTAY_REPORTS_DATABASE_URL: the report and export endpoints read a replica of the database
(docs/deploy.md), everything else the database itself. Here the replica is a snapshot of the
SQLite database (VACUUM INTO), taken before a household falls into poverty: a replica that has
not caught up yet."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from bot.services import Services, build_services
from bot.settings import Settings
from tests.api.conftest import NOV, Register, Tokens, bearer
from tests.conftest import SECRET, Clock
from tests.support import close_services, link_person


async def _client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(services, own_services=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_reports_read_the_replica_and_the_rest_the_database(
    services: Services,
    client: httpx.AsyncClient,
    fixture_data: Tokens,
    clock: Clock,
    tmp_path: Path,
) -> None:
    officer = bearer(fixture_data.giavien)
    reads = {  # a report, an export, the emulation ranking: what a replica serves
        "summary": ("/api/v1/reports/summary", {"unit": "37-GIAVIEN", "period": "2026-11"}),
        "csv": ("/api/v1/exports/summary.csv", {"unit": "37-GIAVIEN", "period": "2026-11"}),
        "emulation": ("/api/v1/reports/emulation", {"unit": "37-GIAVIEN", "year": "2026"}),
    }

    async def read(c: httpx.AsyncClient) -> dict[str, str]:
        out = {}
        for name, (path, params) in reads.items():
            r = await c.get(path, params=params, headers=officer)
            assert r.status_code == 200, (name, r.text)
            out[name] = r.text
        return out

    before = await read(client)
    replica = tmp_path / "replica.db"
    async with services.db_engine.connect() as conn:
        await conn.exec_driver_sql(f"VACUUM INTO '{replica}'")
    reg = Register(services, await link_person(services, "officer", "37-GIAVIEN", "Cán bộ", None))
    newly = await reg.household("37-GIAVIEN-01", "Hộ mới nghèo")
    await reg.change(newly, "newly_poor", "poor", NOV, ("water",))
    after = await read(client)
    assert all(after[name] != before[name] for name in reads)  # the database has moved on

    settings = Settings(  # type: ignore[arg-type]
        database_url=services.settings.database_url,
        reports_database_url=f"sqlite+aiosqlite:///{replica}",
        secret_key=SECRET,
        seed_demo=False,
    )
    with_replica = build_services(settings, clock=clock)
    try:
        async for c in _client(with_replica):
            assert await read(c) == before  # the replica's figures
            # The household itself, from the database: there since the snapshot.
            r = await c.get(f"/api/v1/households/{newly}", headers=officer)
            assert r.status_code == 200 and r.json()["status"] == "poor"
            # Scope is still decided on the database: another commune's officer is refused.
            r = await c.get(
                "/api/v1/reports/summary",
                params={"unit": "37-GIAVIEN", "period": "2026-11"},
                headers=bearer(fixture_data.kimson),
            )
            assert r.status_code == 403
    finally:
        await close_services(with_replica)


def test_production_refuses_a_sqlite_replica() -> None:
    with pytest.raises(ValueError, match="CHUNGTAY_REPORTS_DATABASE_URL"):
        Settings(  # type: ignore[arg-type]
            env="production",
            database_url="postgresql+asyncpg://db/chungtay",
            reports_database_url="sqlite+aiosqlite:///r.db",
            secret_key="a-real-secret-of-some-length-and-more",
        )
