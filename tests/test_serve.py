"""`chungtay serve`: what it refuses, and two uvicorn workers on PostgreSQL taking Telegram webhook
updates for the same chats, with /healthz, /metrics and a log free of tokens and phone numbers."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.cli import main
from bot.runner import metrics_dir, refusal
from bot.services import Services
from bot.settings import Settings
from tests.channels.fakes import TELEGRAM_TOKEN, FakeTelegram
from tests.conftest import SECRET
from tests.support import make_invite, seed_units

CHUNGTAY = Path(sys.executable).with_name("chungtay")
PG = "postgresql+asyncpg://u@localhost/db"
HOOK_SECRET = "hook-secret-for-tests"
PHONE = "0912 345 678"


def test_several_workers_refused_on_sqlite(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHUNGTAY_DATABASE_URL", "sqlite+aiosqlite:///./never-created.db")
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--workers", "2"])
    assert exit_.value.code == 2
    assert "--workers > 1 needs PostgreSQL" in capsys.readouterr().err
    assert not Path("never-created.db").exists()


def test_several_workers_need_webhooks_with_a_fixed_secret() -> None:
    polling = Settings(database_url=PG, telegram_token="1:x")  # type: ignore[arg-type]
    assert "CHUNGTAY_TELEGRAM_WEBHOOK_URL" in (refusal(polling, 2) or "")
    assert refusal(polling, 1) is None  # one worker polls: exactly one poller
    no_secret = Settings(
        database_url=PG,
        secret_key=SECRET,  # type: ignore[arg-type]
        zalo_token="z" * 20,  # type: ignore[arg-type]
        zalo_webhook_url="https://bot.example.vn/webhooks/zalo",
    )
    assert "CHUNGTAY_ZALO_WEBHOOK_SECRET" in (refusal(no_secret, 3) or "")
    webhook = Settings(
        database_url=PG,
        secret_key=SECRET,  # type: ignore[arg-type]
        telegram_token="1:x",  # type: ignore[arg-type]
        telegram_webhook_url="https://bot.example.vn/webhooks/telegram",
        telegram_webhook_secret=HOOK_SECRET,  # type: ignore[arg-type]
    )
    assert refusal(webhook, 4) is None
    assert refusal(webhook, 0) is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def pg_only(db_url: str) -> str:
    if not db_url.startswith("postgresql"):
        pytest.skip("several workers run on PostgreSQL only")
    return db_url


class Served:
    def __init__(self, proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.proc, self.port, self.log = proc, port, log
        self.base = f"http://127.0.0.1:{port}"

    def lines(self) -> list[dict[str, Any]]:
        out = []
        for raw in self.log.read_text(encoding="utf-8").splitlines():
            out.append(json.loads(raw))  # every line is one JSON object
        return out


@pytest.fixture
def served(pg_only: str, fake_telegram: FakeTelegram, tmp_path: Path) -> Iterator[Served]:
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "CHUNGTAY_DATABASE_URL": pg_only,
        "CHUNGTAY_SECRET_KEY": SECRET,
        "CHUNGTAY_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "CHUNGTAY_TELEGRAM_API_BASE": fake_telegram.url,
        "CHUNGTAY_TELEGRAM_WEBHOOK_URL": "https://bot.example.vn/webhooks/telegram",
        "CHUNGTAY_TELEGRAM_WEBHOOK_SECRET": HOOK_SECRET,
        "CHUNGTAY_LOG_FORMAT": "json",
        "CHUNGTAY_LOG_LEVEL": "DEBUG",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [str(CHUNGTAY), "serve", "--workers", "2", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        yield Served(proc, port, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _workers(pid: int) -> list[int]:
    """The serve process's worker processes (its children, less multiprocessing's helper)."""
    kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(k)
        for k in kids
        if "resource_tracker" not in Path(f"/proc/{k}/cmdline").read_text(errors="replace")
    ]


async def _ready(base: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base) as client:
        for _ in range(300):
            try:
                r = await client.get("/healthz")
                if r.status_code == 200:
                    return dict(r.json())
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("chungtay serve never became healthy")


async def _post(base: str, update: dict[str, Any]) -> int:
    # A fresh connection per update, as Telegram's many connections would, so both workers take some.
    async with httpx.AsyncClient(base_url=base, timeout=20) as client:
        r = await client.post(
            "/webhooks/telegram",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET},
        )
        return r.status_code


async def test_two_workers_share_chats_metrics_and_a_clean_log(
    served: Served, services: Services, fake_telegram: FakeTelegram
) -> None:
    await seed_units(services)
    users = list(range(7101, 7107))
    # The workers run on the wall clock, the invites are made on the test clock (25 Nov 2026):
    # valid for a week from today, whatever day the suite runs.
    days = (datetime.now(UTC) - services.clock()).days + 7
    codes = {
        u: await make_invite(services, "hamlet_head", "37-GIAVIEN-01", f"Head {u}", days=days)
        for u in users
    }
    health = await _ready(served.base)
    assert health == {"status": "ok", "database": "ok", "migrations": "current"}

    # Each chat's turns go to whichever worker takes the connection: the session is in the database.
    starts = [fake_telegram.text(f"/start {codes[u]}", user=u) for u in users]
    assert await asyncio.gather(*(_post(served.base, s) for s in starts)) == [200] * len(users)
    presses = [fake_telegram.press("yes", 1, user=u) for u in users]
    assert await asyncio.gather(*(_post(served.base, p) for p in presses)) == [200] * len(users)
    for _ in range(3):
        mes = [fake_telegram.text(f"/me {PHONE}", user=u) for u in users]
        assert await asyncio.gather(*(_post(served.base, m) for m in mes)) == [200] * len(users)
    for u in users:
        texts = [p["text"] for p in fake_telegram.sent(u)]
        assert any(f"Xin chào Head {u}!" in t for t in texts), texts
        assert sum(f"Bạn là Head {u}" in t for t in texts) == 3, texts

    async with httpx.AsyncClient(base_url=served.base) as client:
        metrics = (await client.get("/metrics")).text
    # Counted across both workers: 6 starts + 6 presses + 18 /me.
    assert 'chungtay_updates_total{channel="telegram",outcome="handled"} 30.0' in metrics
    assert 'chungtay_handler_seconds_count{channel="telegram"} 30.0' in metrics
    assert 'chungtay_outbox_depth{status="pending"} 0.0' in metrics
    assert "chungtay_database_up 1.0" in metrics

    lines = served.lines()
    workers = {
        line["process"]
        for line in lines
        if line["logger"] == "uvicorn.access" and "/webhooks/telegram" in line["message"]
    }
    assert len(workers) == 2, "both workers should have taken webhook updates"
    # A worker killed outright is replaced; the chats carry on with the other one meanwhile.
    victim = _workers(served.proc.pid)[0]
    os.kill(victim, signal.SIGKILL)
    more = [fake_telegram.text("/me", user=u) for u in users]
    assert await asyncio.gather(*(_post(served.base, m) for m in more)) == [200] * len(users)
    for _ in range(300):
        if len(now := _workers(served.proc.pid)) == 2 and victim not in now:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the killed worker was not replaced")

    text = served.log.read_text(encoding="utf-8")
    assert TELEGRAM_TOKEN not in text
    assert TELEGRAM_TOKEN.split(":")[1] not in text
    assert HOOK_SECRET not in text
    assert PHONE not in text and PHONE.replace(" ", "") not in text


def test_metrics_directory_starts_empty(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    configured = tmp_path / "metrics"
    configured.mkdir()
    (configured / "counter_123.db").write_bytes(b"stale counts of an earlier run")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(configured))
    assert metrics_dir() == (configured, False)
    assert list(configured.iterdir()) == []

    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    path, temporary = metrics_dir()
    assert temporary and path.is_dir() and list(path.iterdir()) == []
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(path)  # what the workers inherit
    path.rmdir()
