"""Serving: one process with the web app (simulator, API, webhooks) and background jobs."""

from __future__ import annotations

import uvicorn

from api.app import create_app
from bot.services import build_services
from bot.settings import Settings


def serve(settings: Settings) -> None:
    app = create_app(build_services(settings), with_scheduler=settings.scheduler)
    # uvicorn handles Ctrl-C: stops accepting, finishes in-flight requests, runs the lifespan exit.
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level.lower())
