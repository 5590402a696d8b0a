"""Serving the web app (simulator, API, webhooks, /healthz, /metrics) with uvicorn.

`chungtay run`: one process, the dev default — SQLite is fine, the scheduler runs inside.
`chungtay serve --workers N`: N uvicorn worker processes, each building its own Services from the
environment through `app_factory` (uvicorn needs an import string to start workers). No worker
runs the scheduler: `chungtay scheduler` runs once beside them. Every piece of conversation state
is in the database (sessions under row locks, the dedupe table, the outbox), so any worker can
take any update for any chat.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import multiprocessing.process
import os
import shutil
import signal
import socket
import tempfile
import threading
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from api.app import create_app
from bot import logs
from bot.services import build_services
from bot.settings import Settings
from storage.db import is_sqlite

log = logging.getLogger(__name__)
FACTORY = "bot.runner:app_factory"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


# Young objects are collected after this many allocations net (Python's default is 700: a chat
# turn allocates a few thousand, so the collector ran several times per update).
GC_THRESHOLDS = (50_000, 20, 20)


def settle_gc() -> None:
    """Once the app is built: what exists now (modules, models, compiled statements, the flows)
    lives as long as the process, so it leaves the collector's sight (gc.freeze); the collector
    then runs less often over what the updates allocate. Measured in docs/benchmarks.md (issue
    17): the collector was the largest single cost of a turn after the database."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def serve(settings: Settings) -> None:
    """`chungtay run`: everything in this process."""
    app = create_app(build_services(settings), with_scheduler=settings.scheduler)
    settle_gc()
    # uvicorn handles Ctrl-C: stops accepting, finishes in-flight requests, runs the lifespan exit.
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None)


def app_factory() -> FastAPI:
    """What each `chungtay serve` worker runs: Settings from the environment, no scheduler."""
    settings = Settings()
    logs.configure_from(settings)
    services = build_services(settings)
    # Notices wait in the outbox for `chungtay scheduler`'s sender: one sender keeps the bot's
    # one rate limit, where a sender in every worker would each allow the whole rate.
    services.conversations.deliver = None
    app = create_app(services, with_scheduler=False)
    settle_gc()
    return app


def refusal(settings: Settings, workers: int) -> str | None:
    """Why `serve` cannot start with these settings, or None."""
    if workers < 1:
        return "--workers must be at least 1"
    if workers == 1:
        return None
    if is_sqlite(settings.database_url):
        return (
            "--workers > 1 needs PostgreSQL: SQLite allows one writer at a time. Set "
            "CHUNGTAY_DATABASE_URL=postgresql+asyncpg://… or use --workers 1 (or `chungtay run`)."
        )
    # A polling loop in every worker would fetch the same updates N times over (Telegram answers
    # the second getUpdates with 409 Conflict): with several workers, updates come by webhook.
    for channel in ("telegram", "zalo"):
        token = getattr(settings, f"{channel}_token")
        if token is not None and token.get_secret_value():
            if not getattr(settings, f"{channel}_webhook_url"):
                name = channel.upper()
                return (
                    f"--workers > 1 needs {channel} in webhook mode: set "
                    f"CHUNGTAY_{name}_WEBHOOK_URL (and CHUNGTAY_{name}_WEBHOOK_SECRET), or use "
                    "--workers 1 to poll."
                )
            if not getattr(settings, f"{channel}_webhook_secret"):
                # A secret generated at start would differ in every worker: set one for all.
                return f"--workers > 1 needs CHUNGTAY_{channel.upper()}_WEBHOOK_SECRET to be set"
    return None


def metrics_dir() -> tuple[Path, bool]:
    """An empty directory for the workers' metric files, handed to them through the environment,
    and whether it is a temporary one to remove afterwards.

    A configured PROMETHEUS_MULTIPROC_DIR is emptied (files of an earlier run would add stale
    counts); without one, a fresh temporary directory is made."""
    configured = os.environ.get(MULTIPROC_ENV)
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        for old in path.glob("*.db"):
            old.unlink()
        return path, False
    path = Path(tempfile.mkdtemp(prefix="chungtay-metrics-"))
    os.environ[MULTIPROC_ENV] = str(path)
    return path, True


GRACE = 30  # seconds a stopping worker may spend finishing the updates in flight


def _listen(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(host: str, port: int) -> None:
    """One `serve` worker process: its own listening socket on the shared port (SO_REUSEPORT)."""
    sock = _listen(host, port, reuse_port=True)
    sock.listen(2048)
    config = uvicorn.Config(FACTORY, factory=True, log_config=None, timeout_graceful_shutdown=GRACE)
    uvicorn.Server(config).run(sockets=[sock])


def serve_workers(*, workers: int, host: str, port: int) -> None:
    """`chungtay serve` (the caller checked `refusal`).

    One worker: uvicorn in this process, metrics in memory. Several: this process supervises
    `workers` processes, each with its own listening socket on the same port (SO_REUSEPORT), so the
    kernel spreads connections evenly over them. (With one shared socket, as uvicorn's own
    --workers does, the first worker to wake up accepts a whole burst of keep-alive connections —
    Telegram's, nginx's — and keeps them: measured, one worker at 98 % CPU, the other at 25 %.)
    Each writes its metrics to a shared directory that /metrics adds up; a worker that dies is
    started again; SIGTERM or SIGINT stops them all, each finishing its updates in flight."""
    if workers == 1:
        if os.environ.get(MULTIPROC_ENV):  # set (systemd unit): files of an earlier run go
            metrics_dir()
        uvicorn.run(
            FACTORY,
            factory=True,
            host=host,
            port=port,
            log_config=None,
            timeout_graceful_shutdown=GRACE,
        )
        return
    _listen(host, port, reuse_port=False).close()  # the port is free (not even another serve)
    path, temporary = metrics_dir()
    spawn = multiprocessing.get_context("spawn")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    def start() -> multiprocessing.process.BaseProcess:
        proc = spawn.Process(target=_worker, args=(host, port), name="chungtay-worker")
        proc.start()
        log.info("worker %s started", proc.pid)
        return proc

    procs = [start() for _ in range(workers)]
    log.info("serving on http://%s:%d with %d workers", host, port, workers)
    try:
        while not stop.wait(0.5):
            for n, proc in enumerate(procs):
                if not proc.is_alive():
                    log.error("worker %s exited (%s): starting another", proc.pid, proc.exitcode)
                    stop.wait(1.0)  # no tight loop when a worker cannot start at all
                    procs[n] = start()
    finally:
        for proc in procs:
            if proc.is_alive() and proc.pid is not None:
                os.kill(proc.pid, signal.SIGTERM)  # a repeated SIGTERM never forces uvicorn
        for proc in procs:
            proc.join(GRACE + 5)
            if proc.is_alive():
                proc.kill()
        if temporary:
            shutil.rmtree(path, ignore_errors=True)
