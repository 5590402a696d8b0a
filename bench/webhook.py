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
import json
import multiprocessing
import multiprocessing.connection
import os
import signal
import statistics
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    HOOK_SECRET,
    count_submissions,
    free_port,
    prepare_database,
    press_update,
    profile_summary,
    run_fake,
    server,
    text_update,
    wait_healthy,
)
from bench.procstat import CpuWatch, children, postgres_on, postgres_pids

T = TypeVar("T")

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
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args()
    if not arguments.database_url.startswith("postgresql"):
        sys.exit("bench/webhook.py: --database-url must be a PostgreSQL URL (it is wiped)")
    print(json.dumps(asyncio.run(main(arguments)), ensure_ascii=False))
