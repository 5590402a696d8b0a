"""Webhook benchmark: the full "newly poor" report flow through the real Telegram webhook route
(`chungtay serve`, aiogram, webhook secret, PostgreSQL) against a fake Bot API on 127.0.0.1, next
to a bare aiogram echo handler on the same harness; then the same flow with 2 workers vs 1.

    .venv/bin/python bench/webhook.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/chungtay_bench \
        [--users 32] [--rounds 4] [--workers 1,2,4] [--repeat 1] [--no-per-worker] [--pace MS] \
        [--server-cpus 0] [--profile FILE]

THE DATABASE IS WIPED (schema dropped) before each run. Harness, identical for every server:
the same aiohttp client (one connection per virtual user), the same fake Bot API in its own
process, the same uvicorn + FastAPI stack on 127.0.0.1 with logs at WARNING. Each virtual user is a
hamlet head onboarded once (/start CODE, "yes": not timed), who then reports `--rounds` households
as newly poor, 11 updates each: /baocao, the kind, the household code, the income, the members,
three indicators, done, the cause, submit. An update is sent when the answer to the previous one
came back (200 after the replies reached the fake Bot API). The bare server answers every text
with sendMessage and every button with answerCallbackQuery + sendMessage.

Prints progress on stderr, then one JSON object as its last line: updates/s, p50 and p99 latency
of each server, `ratio_to_bare` (full flow with 1 worker / bare), `scale_ratio` (2 workers /
1, updates/s), `scale_efficiency` (server CPU per update, 1 worker / N workers, for N = 2 and 4,
each worker with --users chats as the one worker had; `scale_efficiency_shared_users`: the N
workers sharing --users chats), and the CPU each process used during each timed phase, and how
often each was preempted per update.

--pace MS: each user sends an update every MS milliseconds instead of as soon as the last was
answered, so the machine is not saturated: N workers with N × --users chats then each run at the
one worker's rate (updates/s and the ratios of updates/s are left out: the pace sets them).

--server-cpus 0: the servers run on CPU 0 only, the load generator, the fake Bot API and every
PostgreSQL process on the other CPUs (PostgreSQL's are given back at the end; this needs the
right to move them: root or the postgres user). The server then has cores of its own, and N
workers on them cost each other what processes sharing a core cost (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import itertools
import json
import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from aiohttp import web
from fastapi import FastAPI, Request
from fastapi.responses import Response

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.procstat import CpuWatch, children, postgres_on, postgres_pids

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent

TOKEN = "123456:bench-webhook-token"
HOOK_SECRET = "bench-hook-secret"
SECRET_KEY = "bench-secret-key-not-for-production"
HAMLET = "37-GIAVIEN-01"
CHUNGTAY = Path(sys.executable).with_name("chungtay")
DONE = "Đã gửi báo cáo"  # the submission confirmation
# One round: (kind, value); "{household}" is the household's code.
FLOW: tuple[tuple[str, str], ...] = (
    ("text", "/baocao"),
    ("press", "newly_poor"),
    ("text", "{household}"),
    ("text", "4 triệu"),
    ("press", "keep"),
    ("press", "health_insurance"),
    ("press", "water"),
    ("press", "latrine"),
    ("press", "_done"),
    ("press", "no_capital"),
    ("press", "confirm"),
)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


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
        cmd = [sys.executable, __file__, "--serve-bare", str(port), "--api-base", api_base]
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


# -- the load ------------------------------------------------------------------------------------


# Bot API calls made in webhooks' answers (Telegram carries them out; the fake never sees them).
ANSWERED: Counter[str] = Counter()


async def post(session: aiohttp.ClientSession, base: str, update: dict[str, Any]) -> float:
    began = time.perf_counter()
    async with session.post(
        f"{base}/webhooks/telegram",
        data=json.dumps(update),
        headers={
            "X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET,
            "Content-Type": "application/json",
        },
    ) as r:
        body = await r.read()
        if r.status != 200:
            raise RuntimeError(f"webhook answered {r.status}")
    if body:
        ANSWERED[json.loads(body)["method"]] += 1
    return time.perf_counter() - began


async def paced(steps: Iterable[T], interval: float, first: float) -> AsyncIterator[T]:
    """Step k no earlier than `first` + k × `interval` (time.perf_counter seconds): a user who
    answers at a set pace whatever the server's latency (--pace); a late step goes at once.
    Interval 0: every step as soon as the previous one was answered."""
    due = first
    for step in steps:
        if interval:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            due += interval
        yield step


def flow_steps(households: list[str]) -> Iterator[tuple[str, str]]:
    for household in households:
        for kind, value in FLOW:
            yield kind, value.format(household=household)


async def drive(
    base: str,
    users: int,
    codes: list[str],
    households: list[list[str]],
    watch: CpuWatch,
    api_base: str,
    profiled: int | None = None,
    interval: float = 0.0,
) -> dict[str, Any]:
    chats = [700_000 + u for u in range(users)]
    ANSWERED.clear()  # counted like the fake's calls: onboarding included
    connector = aiohttp.TCPConnector(limit=users, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        await wait_healthy(session, base)

        async def onboard(u: int) -> None:
            await post(session, base, text_update(chats[u], f"/start {codes[u]}"))
            await post(session, base, press_update(chats[u], "yes"))

        await asyncio.gather(*(onboard(u) for u in range(users)))
        latencies: list[float] = []

        async def user(u: int) -> None:
            first = time.perf_counter() + interval * u / users  # the users' steps interleaved
            async for kind, value in paced(flow_steps(households[u]), interval, first):
                if kind == "text":
                    update = text_update(chats[u], value)
                else:  # a button of the last message that had buttons, as in Telegram
                    async with session.get(f"{api_base}/keyboard/{chats[u]}") as r:
                        pressed = int(await r.json())
                    update = press_update(chats[u], value, pressed)
                latencies.append(await post(session, base, update))

        if profiled is not None:
            os.kill(profiled, signal.SIGUSR1)
        watch.begin()
        began = time.perf_counter()
        await asyncio.gather(*(user(u) for u in range(users)))
        wall = time.perf_counter() - began
        cpu = watch.end(wall)
        switches = watch.preemptions()
        cpus = watch.cpus()
        if profiled is not None:
            os.kill(profiled, signal.SIGUSR2)
    latencies.sort()
    return {
        "updates": len(latencies),
        "seconds": round(wall, 2),
        "updates_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p99_ms": round(1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 1),
        "cpu_cores": cpu,
        # CPU the server used per update: less sensitive than updates/s to other load on the machine
        "server_cpu_ms_per_update": round(1000 * cpu["server"] * wall / len(latencies), 2),
        # how often a process was taken off a core while it could run, per update: time-slicing
        # among more busy processes than cores (docs/benchmarks.md, issue 17)
        "preempted_per_update": {n: round(k / len(latencies), 2) for n, k in switches.items()},
        "cpus_allowed": cpus,
    }


async def fake_stats(
    session: aiohttp.ClientSession, api_base: str, *, reset: bool = False
) -> dict[str, Any]:
    async with session.get(f"{api_base}/stats") as r:
        stats = dict(await r.json())
    if reset:
        async with session.post(f"{api_base}/reset") as r:
            await r.read()
    return stats


async def scenario(
    kind: str,
    workers: int,
    args: argparse.Namespace,
    api_base: str,
    fake_pid: int,
    users: int,
) -> dict[str, Any]:
    plural = "s" if workers > 1 else ""
    say(f"{kind} ({workers} worker{plural}, {users} users): preparing the database…")
    codes, households = await prepare_database(args.database_url, users, args.rounds)
    port = free_port()
    profile = args.profile if kind == "full" and workers == 1 and args.profile else None
    base = f"http://127.0.0.1:{port}"
    with server(
        kind,
        workers=workers,
        port=port,
        api_base=api_base,
        url=args.database_url,
        profile=profile,
        cpus=args.server_cpus,
    ) as proc:
        async with aiohttp.ClientSession() as session:
            await wait_healthy(session, base)
        watch = CpuWatch(
            {
                "server": lambda: [proc.pid, *children(proc.pid)],
                "postgres": postgres_pids,
                "load_generator": lambda: [os.getpid()],
                "fake_bot_api": lambda: [fake_pid],
            }
        )
        result = await drive(
            base,
            users,
            codes,
            households,
            watch,
            api_base,
            proc.pid if profile else None,
            interval=args.pace / 1000,
        )
    async with aiohttp.ClientSession() as session:
        stats = await fake_stats(session, api_base, reset=True)
    result["bot_api_calls"] = stats["calls"]
    result["bot_api_calls_in_webhook_answers"] = dict(ANSWERED)
    if profile:
        result["profile_percent"] = profile_summary(profile)
    if kind == "full":
        submitted = await count_submissions(args.database_url)
        expected = users * args.rounds
        result["submissions"] = submitted
        result["confirmations"] = stats["confirmations"]
        if submitted != expected or stats["confirmations"] != expected:
            raise RuntimeError(
                f"expected {expected} submissions, got {submitted} stored and {stats['confirmations']} confirmed"
            )
    say(f"  {json.dumps(result, ensure_ascii=False)}")
    return result


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One phase's result over its repeats: the run of median CPU per update, with updates/s
    and CPU per update the medians of all its runs, and each run's pair under "repeats"."""
    if len(runs) == 1:
        return runs[0]
    cpu = [r["server_cpu_ms_per_update"] for r in runs]
    rates = [r["updates_per_s"] for r in runs]
    middle = dict(sorted(runs, key=lambda r: r["server_cpu_ms_per_update"])[(len(runs) - 1) // 2])
    middle["server_cpu_ms_per_update"] = round(statistics.median(cpu), 2)
    middle["updates_per_s"] = round(statistics.median(rates), 1)
    middle["repeats"] = [[u, c] for u, c in zip(rates, cpu, strict=True)]
    return middle


Phase = tuple[str, int, int]  # kind, workers, chats


async def run_phases(
    phases: list[Phase],
    runs: dict[Phase, list[dict[str, Any]]],
    args: argparse.Namespace,
    api_base: str,
    fake_pid: int,
) -> None:
    """--repeat > 1: the phases in turn, again and again, so a slow minute of the host falls on
    every phase alike; each figure is then the median of its phase's runs."""
    for _ in range(args.repeat):
        for kind, workers, users in phases:
            run = await scenario(kind, workers, args, api_base, fake_pid, users=users)
            runs[(kind, workers, users)].append(run)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    parent, child = multiprocessing.Pipe()
    fake = multiprocessing.Process(target=run_fake, args=(child,), daemon=True)
    fake.start()
    api_base = f"http://127.0.0.1:{parent.recv()}"
    assert fake.pid is not None
    harness_cpus: set[int] | None = None
    if args.server_cpus:  # the load generator, the fake Bot API and PostgreSQL: the other CPUs
        harness_cpus = os.sched_getaffinity(0) - args.server_cpus
        for pid in (os.getpid(), fake.pid):
            os.sched_setaffinity(pid, harness_cpus)
    # Each phase: (kind, workers, chats). The last ones give every worker as many chats as the
    # one worker had: what the workers cost each other, without the cost of emptier event
    # loops (docs/benchmarks.md, issue 17).
    phases = [("bare", 1, args.users), *(("full", w, args.users) for w in args.workers)]
    phases += [("full", w, w * args.users) for w in args.workers if w != 1 and args.per_worker]
    runs: dict[Phase, list[dict[str, Any]]] = {p: [] for p in phases}
    try:
        with postgres_on(harness_cpus) if harness_cpus else nullcontext():
            await run_phases(phases, runs, args, api_base, fake.pid)
    finally:
        fake.terminate()
    bare = median_run(runs[phases[0]])
    full = {w: median_run(runs[("full", w, args.users)]) for w in args.workers}
    each = {
        w: median_run(runs[("full", w, w * args.users)])
        for w in args.workers
        if w != 1 and args.per_worker
    }
    one = full.get(1)
    result: dict[str, Any] = {
        "users": args.users,
        "rounds": args.rounds,
        "repeat": args.repeat,
        "pace_ms": args.pace,
        "updates_per_round": len(FLOW),
        "bare": bare,
        **{f"full_{w}_workers": r for w, r in full.items()},
        **{f"full_{w}_workers_{w * args.users}_users": r for w, r in each.items()},
    }
    if one is not None and not args.pace:  # paced, every server runs at the pace's rate
        result["ratio_to_bare"] = round(one["updates_per_s"] / bare["updates_per_s"], 3)
    if one is not None:
        result["cpu_ratio_to_bare"] = round(
            bare["server_cpu_ms_per_update"] / one["server_cpu_ms_per_update"], 3
        )
        if 2 in full and not args.pace:
            result["scale_ratio"] = round(full[2]["updates_per_s"] / one["updates_per_s"], 3)

        # Server CPU per update, 1 worker / N workers: 1.0 means the workers cost each other
        # nothing (no lock waits, no cache fights); updates/s also depends on the cores the
        # harness and PostgreSQL leave free, this does not. `scale_efficiency`: each of the N
        # workers has as many chats as the one worker had (N × --users in all), so each event
        # loop is as full; `scale_efficiency_shared_users`: the N workers share --users chats.
        def efficiency(runs: dict[int, dict[str, Any]]) -> dict[str, float]:
            cpu = one["server_cpu_ms_per_update"]
            return {
                str(w): round(cpu / r["server_cpu_ms_per_update"], 3)
                for w, r in runs.items()
                if w != 1
            }

        if each:
            result["scale_efficiency"] = efficiency(each)
        result["scale_efficiency_shared_users"] = efficiency(full)
    return result


def cpu_list(text: str) -> set[int]:
    """--server-cpus: some of this process's CPUs, not all of them (the harness needs the rest)."""
    mine = os.sched_getaffinity(0)
    try:
        cpus = {int(c) for c in text.split(",")}
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of CPU numbers: {text!r}") from None
    if not cpus or not cpus < mine:
        raise argparse.ArgumentTypeError(
            f"{text!r} must be some of the CPUs {sorted(mine)}, leaving one for the harness"
        )
    return cpus


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("CHUNGTAY_BENCH_DATABASE_URL", ""),
        help="PostgreSQL, wiped before each run",
    )
    parser.add_argument("--users", type=int, default=32, help="virtual users (concurrent chats)")
    parser.add_argument("--rounds", type=int, default=4, help="reports per user")
    parser.add_argument(
        "--workers",
        type=lambda s: [int(w) for w in s.split(",")],
        default=[1, 2, 4],
        help="worker counts to run, e.g. 1,2,4",
    )
    parser.add_argument(
        "--per-worker",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run N workers with N × --users chats (scale_efficiency; default on)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run every phase this many times, in turn; figures are medians (default 1)",
    )
    parser.add_argument(
        "--pace",
        type=float,
        default=0.0,
        help="ms between a user's updates (default 0: each as soon as the last was answered)",
    )
    parser.add_argument(
        "--server-cpus",
        type=cpu_list,
        help="run the servers on these CPUs only (e.g. 0) and the load generator, the fake Bot"
        " API and PostgreSQL on the others (PostgreSQL's CPUs are given back at the end)",
    )
    parser.add_argument("--profile", help="cProfile output file for the 1-worker full run")
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--api-base", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.serve_bare:
        serve_bare(arguments.serve_bare, arguments.api_base)
        sys.exit(0)
    if not arguments.database_url.startswith("postgresql"):
        sys.exit("bench/webhook.py: --database-url must be a PostgreSQL URL (it is wiped)")
    print(json.dumps(asyncio.run(main(arguments)), ensure_ascii=False))
