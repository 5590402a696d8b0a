"""The webhook benchmarks' harness: a fake Bot API (own process), the bare aiogram echo server on
the same uvicorn + FastAPI stack, Telegram updates as Telegram sends them, the server processes
(pinned to CPUs, profiled) and the data set, shared by bench/webhook.py and bench/inbound.py.

    .venv/bin/python bench/harness.py PORT API_BASE    # the bare echo server (bench/webhook.py starts it)
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import json
import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from fastapi import FastAPI, Request
from fastapi.responses import Response

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "123456:bench-webhook-token"
HOOK_SECRET = "bench-hook-secret"
SECRET_KEY = "bench-secret-key-not-for-production"
HAMLET = "37-GIAVIEN-01"
CHUNGTAY = Path(sys.executable).with_name("chungtay")
DONE = "Đã gửi báo cáo"  # the submission confirmation


# -- the fake Bot API (own process) ---------------------------------------------------------------


class FakeBotAPI:
    """Just enough of the Bot API for aiogram; counts calls and submission confirmations."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.confirmations = 0
        self.next_id = itertools.count(1000)
        self.keyboards: dict[str, int] = {}  # chat -> the last message sent with buttons

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            data = await request.json()
        else:
            data = dict(await request.post())
        self.calls[method] += 1
        if method in ("sendMessage", "editMessageReplyMarkup"):
            text = str(data.get("text", ""))
            if DONE in text:
                self.confirmations += 1
            message_id = int(data.get("message_id") or next(self.next_id))
            if method == "sendMessage" and data.get("reply_markup"):
                self.keyboards[str(data["chat_id"])] = message_id
            result: Any = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": int(data["chat_id"]), "type": "private"},
                "text": text,
            }
        elif method == "getMe":
            result = {"id": 1, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
        else:  # answerCallbackQuery, sendChatAction, setWebhook, setMyCommands, deleteWebhook
            result = True
        return web.json_response({"ok": True, "result": result})

    async def keyboard(self, request: web.Request) -> web.Response:
        return web.json_response(self.keyboards.get(request.match_info["chat"], 0))

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response({"calls": dict(self.calls), "confirmations": self.confirmations})

    async def reset(self, request: web.Request) -> web.Response:
        self.calls.clear()
        self.confirmations = 0
        self.keyboards.clear()
        return web.json_response({"ok": True})


def run_fake(conn: multiprocessing.connection.Connection) -> None:
    async def main() -> None:
        fake = FakeBotAPI()
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", fake.handle)
        app.router.add_get("/stats", fake.stats)
        app.router.add_get("/keyboard/{chat}", fake.keyboard)
        app.router.add_post("/reset", fake.reset)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        conn.send(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await asyncio.Event().wait()

    asyncio.run(main())


# -- the bare aiogram echo server (same stack: uvicorn + FastAPI + aiogram) -----------------------


def bare_app(api_base: str) -> Any:
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import CallbackQuery, Message

    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api_base)))
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    @dp.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer()
        await bot.send_message(query.from_user.id, query.data or "?")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await bot.session.close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/webhooks/telegram")
    async def webhook(request: Request) -> Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), HOOK_SECRET.encode()):
            return Response(status_code=401)
        await dp.feed_webhook_update(bot, json.loads(await request.body()))
        return Response(status_code=200)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def serve_bare(port: int, api_base: str) -> None:
    import logging

    import uvicorn

    logging.basicConfig(level=logging.WARNING)
    uvicorn.run(bare_app(api_base), host="127.0.0.1", port=port, log_level="warning")


# -- data set-up (in this process, through the real storage functions) ---------------------------


async def prepare_database(url: str, users: int, rounds: int) -> tuple[list[str], list[list[str]]]:
    """Wipe and migrate; the demo units; an invite per user and `rounds` households each."""
    from sqlalchemy import text

    from bot.services import build_services
    from bot.settings import Settings
    from storage.db import make_engine
    from storage.migrate import upgrade
    from tests.support import make_household, make_invite, seed_units

    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    await engine.dispose()
    services = build_services(Settings(database_url=url, secret_key=SECRET_KEY))  # type: ignore[arg-type]
    try:
        await seed_units(services)
        codes = [
            await make_invite(services, "hamlet_head", HAMLET, f"Bench {u}") for u in range(users)
        ]
        households = [
            [
                await make_household(services, HAMLET, f"Hộ {u}-{r}", 4, "not_poor")
                for r in range(rounds)
            ]
            for u in range(users)
        ]
    finally:
        await services.aclose()
    return codes, households


async def count_submissions(url: str) -> int:
    from sqlalchemy import text

    from storage.db import make_engine

    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text("SELECT count(*) FROM submissions"))).scalar_one())
    finally:
        await engine.dispose()


# -- updates as Telegram sends them ---------------------------------------------------------------

_update_ids = itertools.count(1)


def text_update(chat: int, text: str) -> dict[str, Any]:
    n = next(_update_ids)
    user = {"id": chat, "is_bot": False, "first_name": "Bench", "language_code": "vi"}
    return {
        "update_id": n,
        "message": {
            "message_id": n,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private", "first_name": "Bench"},
            "from": user,
            "text": text,
        },
    }


def press_update(chat: int, data: str, message_id: int = 0) -> dict[str, Any]:
    n = next(_update_ids)
    return {
        "update_id": n,
        "callback_query": {
            "id": f"cb{n}",
            "from": {"id": chat, "is_bot": False, "first_name": "Bench"},
            "chat_instance": "bench",
            "data": data,
            "message": {
                "message_id": message_id or n,
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private", "first_name": "Bench"},
                "text": "…",
            },
        },
    }


# -- processes and CPU ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(
    kind: str,
    *,
    workers: int,
    port: int,
    api_base: str,
    url: str,
    profile: str | None,
    cpus: set[int] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "CHUNGTAY_DATABASE_URL": url,
        "CHUNGTAY_SECRET_KEY": SECRET_KEY,
        "CHUNGTAY_TELEGRAM_TOKEN": TOKEN,
        "CHUNGTAY_TELEGRAM_API_BASE": api_base,
        "CHUNGTAY_TELEGRAM_WEBHOOK_URL": "https://bench.invalid/webhooks/telegram",
        "CHUNGTAY_TELEGRAM_WEBHOOK_SECRET": HOOK_SECRET,
        "CHUNGTAY_LOG_LEVEL": "WARNING",
        "CHUNGTAY_SIMULATOR": "false",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if kind == "bare":
        cmd = [sys.executable, __file__, str(port), api_base]
    else:
        serve = ["serve", "--workers", str(workers), "--port", str(port)]
        cmd = [str(CHUNGTAY), *serve]
        if profile:  # one worker runs inside this process: cProfile sees the whole server
            cmd = [sys.executable, "-c", _PROFILE_SHIM, profile, *serve]
    if cpus:  # the server and the workers it starts run on these CPUs only
        cmd = [sys.executable, "-c", _PIN_SHIM, ",".join(map(str, sorted(cpus))), *cmd]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


_PIN_SHIM = """
import os, sys
os.sched_setaffinity(0, {int(c) for c in sys.argv[1].split(",")})
os.execv(sys.argv[2], sys.argv[2:])
"""

# The 1-worker server runs in one process: profile it, from SIGUSR1 (the timed phase begins) to
# SIGUSR2 (it ends; the profile is written), so start-up and imports are left out. The clock is
# the process's CPU time: on a shared machine, wall time would also count the moments the server
# waited for a core, charged to whichever function happened to be running.
_PROFILE_SHIM = """
import cProfile, signal, sys, time
from bot.cli import main
out = sys.argv[1]
sys.argv = ["chungtay", *sys.argv[2:]]
prof = cProfile.Profile(time.process_time)
signal.signal(signal.SIGUSR1, lambda *_: prof.enable())
def stop(*_):
    prof.disable()
    prof.dump_stats(out)
signal.signal(signal.SIGUSR2, stop)
try:
    main()
except SystemExit:
    pass
"""
AREAS = (  # where a function's own time is counted, by the path of its file (first match wins)
    ("waiting for I/O (idle)", ("select.epoll", "selectors.py")),
    ("PostgreSQL driver (asyncpg)", ("asyncpg",)),
    ("SQLAlchemy (ORM, SQL compilation)", ("sqlalchemy", "greenlet")),
    ("aiogram (Bot API calls, Update parsing)", ("aiogram",)),
    ("aiohttp client (to the Bot API)", ("aiohttp", "yarl", "multidict")),
    ("pydantic (aiogram models, settings)", ("pydantic",)),
    (
        "uvicorn, FastAPI, Starlette (HTTP in)",
        ("uvicorn", "fastapi", "starlette", "httptools", "anyio"),
    ),
    ("ChungTay: flows, engine, domain", ("/conversations/", "/domain/")),
    ("ChungTay: handlers, storage, channels, api", ("/handlers/", "/storage/", "/bot/", "/api/")),
    ("socket send/recv (kernel)", ("_socket", "socket.socket")),
    ("asyncio event loop", ("asyncio",)),
)


def profile_summary(path: str) -> dict[str, float]:
    """Share of the profiled CPU time spent in each area (own time of its functions)."""
    import pstats

    stats = pstats.Stats(path).stats  # type: ignore[attr-defined]
    totals: Counter[str] = Counter()
    for (filename, _, name), (_, _, tottime, _, _) in stats.items():
        where = f"{filename} {name}"
        area = next((a for a, keys in AREAS if any(k in where for k in keys)), "other")
        totals[area] += tottime
    grand = sum(totals.values()) or 1.0
    return {area: round(100 * t / grand, 1) for area, t in totals.most_common()}


async def wait_healthy(session: aiohttp.ClientSession, base: str) -> None:
    for _ in range(600):
        try:
            async with session.get(f"{base}/healthz") as r:
                if r.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{base} never became healthy")


if __name__ == "__main__":
    serve_bare(int(sys.argv[1]), sys.argv[2])
