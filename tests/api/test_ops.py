"""/healthz (database reachable, migrations current) and /metrics: Prometheus text with the inbound counters, the handler latency histogram, and the
outbox read from the database at scrape time."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from bot.services import Services
from storage.db import transaction
from storage.models_outbox import OutboxMessage


def _values(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


async def _scrape(
    client: httpx.AsyncClient,
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = await client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain; version=")
    return _values(r.text)


HANDLED = ("chungtay_updates_total", (("channel", "simulator"), ("outcome", "handled")))
DUPLICATE = ("chungtay_updates_total", (("channel", "simulator"), ("outcome", "duplicate")))
LATENCY = ("chungtay_handler_seconds_count", (("channel", "simulator"),))


async def test_updates_and_latency_are_counted(client: httpx.AsyncClient) -> None:
    before = await _scrape(client)
    for n in range(3):
        r = await client.post(
            "/simulator/api/messages",
            json={"chat_id": "m1", "text": "/start", "update_id": f"u{n}"},
        )
        assert r.json()["duplicate"] is False
    again = await client.post(
        "/simulator/api/messages", json={"chat_id": "m1", "text": "/start", "update_id": "u0"}
    )
    assert again.json()["duplicate"] is True
    after = await _scrape(client)
    assert after[HANDLED] - before.get(HANDLED, 0) == 3
    assert after[DUPLICATE] - before.get(DUPLICATE, 0) == 1
    assert after[LATENCY] - before.get(LATENCY, 0) == 4


async def test_outbox_depth_and_deliveries_come_from_the_database(
    client: httpx.AsyncClient, services: Services
) -> None:
    now = services.clock()
    statuses = ["pending", "pending", "claimed", "sending", "sent", "sent", "failed", "skipped"]
    async with transaction(services.sessionmaker) as db:
        for n, status in enumerate(statuses):
            db.add(
                OutboxMessage(
                    key=f"k{n}",
                    rule="notice" if n == 5 else "due-day",
                    text="x",
                    due_at=now - timedelta(minutes=1),
                    status=status,
                )
            )
    values = await _scrape(client)
    assert values[("chungtay_database_up", ())] == 1
    depth = {
        s: values[("chungtay_outbox_depth", (("status", s),))]
        for s in ("pending", "claimed", "sending")
    }
    assert depth == {"pending": 2, "claimed": 1, "sending": 1}
    assert values[("chungtay_reminders_sent_total", (("kind", "reminder"),))] == 1
    assert values[("chungtay_reminders_sent_total", (("kind", "notice"),))] == 1
    assert values[("chungtay_reminders_failed_total", (("kind", "reminder"),))] == 1
    assert values[("chungtay_reminders_failed_total", (("kind", "notice"),))] == 0


async def test_the_oldest_claimed_and_sending_rows_ages_are_gauged(
    client: httpx.AsyncClient, services: Services
) -> None:
    """An operator alerts on a row stuck claimed or sending (a sender stopped), not on depth."""
    now = services.clock()
    ages = {"claimed": [300, 20], "sending": [45], "pending": [900], "sent": [4000]}
    async with transaction(services.sessionmaker) as db:
        for status, seconds in ages.items():
            for n, age in enumerate(seconds):
                db.add(
                    OutboxMessage(
                        key=f"{status}{n}",
                        rule="due-day",
                        text="x",
                        due_at=now - timedelta(hours=2),
                        status=status,
                        claimed_at=now - timedelta(seconds=age),
                    )
                )
    values = await _scrape(client)
    oldest = {
        s: values[("chungtay_outbox_oldest_seconds", (("status", s),))]
        for s in ("claimed", "sending")
    }
    assert oldest == {"claimed": 300, "sending": 45}


async def test_the_oldest_age_is_zero_when_nothing_is_in_flight(client: httpx.AsyncClient) -> None:
    values = await _scrape(client)
    assert values[("chungtay_outbox_oldest_seconds", (("status", "sending"),))] == 0


async def test_a_database_outage_still_answers(
    client: httpx.AsyncClient, services: Services
) -> None:
    await services.db_engine.dispose()
    services.sessionmaker.configure(bind=_broken_engine())
    r = await client.get("/metrics")
    assert r.status_code == 200
    assert re.search(r"^chungtay_database_up 0\.0$", r.text, re.M)
    assert "chungtay_outbox_depth" not in r.text
    assert "chungtay_updates_total" in r.text or "chungtay_updates" in r.text


def _broken_engine():  # type: ignore[no-untyped-def]
    from storage.db import make_engine

    return make_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")


async def test_healthz_says_when_migrations_are_behind(
    client: httpx.AsyncClient, services: Services
) -> None:
    r = await client.get("/healthz")
    assert (r.status_code, r.json()) == (
        200,
        {"status": "ok", "database": "ok", "migrations": "current"},
    )
    version = "UPDATE alembic_version SET version_num = :v"
    async with transaction(services.sessionmaker) as db:
        head = (await db.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
        await db.execute(text(version), {"v": "0003"})
    try:
        r = await client.get("/healthz")
        assert r.status_code == 503
        assert r.json() == {"status": "error", "database": "ok", "migrations": "behind"}
    finally:  # the PostgreSQL test database is shared by the whole session
        async with transaction(services.sessionmaker) as db:
            await db.execute(text(version), {"v": head})
