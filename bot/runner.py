"""Serving the web app (simulator, API, webhooks, /healthz, /metrics) with uvicorn.

`chungtay run`: one process, the dev default — SQLite is fine, the scheduler runs inside.
`chungtay serve --workers N`: N uvicorn worker processes, each building its own Services from the
environment through `app_factory` (uvicorn needs an import string to start workers). No worker
runs the scheduler: `chungtay scheduler` runs once beside them. Every piece of conversation state
is in the database (sessions under row locks, the dedupe table, the outbox), so any worker can
take any update for any chat.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from api.app import create_app
from bot import logs
from bot.services import build_services
from bot.settings import Settings
from storage.db import is_sqlite

FACTORY = "bot.runner:app_factory"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def serve(settings: Settings) -> None:
    """`chungtay run`: everything in this process."""
    app = create_app(build_services(settings), with_scheduler=settings.scheduler)
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
    return create_app(services, with_scheduler=False)


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


def serve_workers(*, workers: int, host: str, port: int) -> None:
    """`chungtay serve`: uvicorn with `workers` processes (the caller checked `refusal`).

    With one worker the app runs in this process and its metrics in memory; with several, each
    worker writes its metrics to a shared directory that /metrics adds up."""
    path, temporary = metrics_dir() if workers > 1 else (None, False)
    try:
        uvicorn.run(
            FACTORY,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,  # each worker sets up logging itself (app_factory)
            timeout_graceful_shutdown=30,
        )
    finally:
        if temporary and path is not None:
            shutil.rmtree(path, ignore_errors=True)
