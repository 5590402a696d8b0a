"""Real worker processes (`chungtay run`) on one database, wired to a fake Telegram Bot API in
webhook mode: what the reliability tests start, kill -9 and talk to over HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from api.webhooks import TELEGRAM_HEADER
from tests.channels.fakes import TELEGRAM_TOKEN, FakeTelegram
from tests.conftest import SECRET
from tests.reliability.support import free_port

CHUNGTAY = Path(sys.executable).with_name("chungtay")
WEBHOOK_SECRET = "worker-secret"
START_WITHIN = 60.0  # seconds; aiogram alone takes a few to import on a loaded machine


@dataclass
class Worker:
    process: asyncio.subprocess.Process
    url: str
    http: httpx.AsyncClient

    async def post_update(self, update: dict[str, Any]) -> int:
        res = await self.http.post(
            "/webhooks/telegram", json=update, headers={TELEGRAM_HEADER: WEBHOOK_SECRET}
        )
        return res.status_code

    async def deliver(self, update: dict[str, Any], *, within: float = 30.0) -> int:
        """As the platform does: an update answered 5xx is delivered again after Retry-After."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            res = await self.http.post(
                "/webhooks/telegram", json=update, headers={TELEGRAM_HEADER: WEBHOOK_SECRET}
            )
            if res.status_code < 500 or loop.time() > deadline:
                return res.status_code
            await asyncio.sleep(float(res.headers.get("Retry-After", "1")))

    def kill(self) -> None:
        """SIGKILL: no shutdown hook, no lifespan exit, no flush."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        self.kill()
        await self.process.wait()
        await self.http.aclose()


async def start_worker(
    database_url: str, fake: FakeTelegram, log: Path, *, reply_lease: float = 1.0
) -> Worker:
    """`reply_lease` is short here so that a redelivery after a kill is not kept waiting."""
    port = free_port()
    env = {
        **os.environ,
        "CHUNGTAY_DATABASE_URL": database_url,
        "CHUNGTAY_SECRET_KEY": SECRET,
        "CHUNGTAY_PORT": str(port),
        "CHUNGTAY_SEED_DEMO": "false",
        "CHUNGTAY_SCHEDULER": "false",
        "CHUNGTAY_LOG_LEVEL": "WARNING",
        "CHUNGTAY_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "CHUNGTAY_TELEGRAM_API_BASE": fake.url,
        "CHUNGTAY_TELEGRAM_WEBHOOK_URL": "https://bot.example.vn/webhooks/telegram",
        "CHUNGTAY_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "CHUNGTAY_REPLY_LEASE_SECONDS": str(reply_lease),
    }
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            str(CHUNGTAY), "run", env=env, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    worker = Worker(process, url, httpx.AsyncClient(base_url=url, timeout=30))
    for _ in range(int(START_WITHIN / 0.1)):
        if process.returncode is not None:
            break
        try:
            if (await worker.http.get("/healthz")).status_code == 200:
                return worker
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    await worker.stop()
    raise AssertionError(f"worker did not start: {_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:]
