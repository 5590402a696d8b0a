"""The one web app: health, admin API, simulator, Telegram and Zalo webhooks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import (
    dashboard,
    documents,
    emulation,
    exports,
    gaps,
    households,
    metrics,
    operations,
    people,
    periods,
    reports,
    rounds,
    simulator,
    submissions,
    support,
    targets,
    units,
    webhooks,
)
from api.guards import RejectNul, document_refusals
from api.nostore import NoStore
from bot.channels.runtime import running
from bot.channels.simulator import SimulatorChannel
from bot.services import Services
from scheduler import Scheduler
from storage.migrate import is_current

DOCS_ASSETS = "/docs-assets"


def create_app(
    services: Services, *, own_services: bool = True, with_scheduler: bool = False
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Telegram/Zalo polling loops or webhook registration live exactly as long as the app;
        # so does the reminder scheduler when this process runs it (`chungtay run`).
        scheduler = Scheduler(services) if with_scheduler else None
        async with running(services.channels, services.relay):
            if scheduler is not None:
                await scheduler.start()
            try:
                yield
            finally:
                if scheduler is not None:
                    await scheduler.stop()
        if own_services:
            await services.aclose()

    # /docs and /redoc load Swagger UI and ReDoc from the app itself (the packaged copy in
    # fastapi-offline), not from a CDN: a commune office's network often has no way out.
    app = FastAPIOffline(
        title="ChungTay admin API", version="0.1.0", lifespan=lifespan, static_url=DOCS_ASSETS
    )
    app.state.services = services
    app.add_middleware(RejectNul)
    app.add_middleware(NoStore)  # outermost: also on RejectNul's refusals
    generated = app.openapi
    app.openapi = lambda: document_refusals(generated())  # type: ignore[method-assign]
    app.state.simulator = services.channels.get("simulator") or SimulatorChannel()

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # The shape FastAPI documents for 422 (loc, msg, type), without echoing the input back.
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
            for e in exc.errors()
        ]
        return JSONResponse({"error": "invalid_request", "detail": errors}, status_code=422)

    @app.exception_handler(DBAPIError)
    async def _bad_data(request: Request, exc: DBAPIError) -> JSONResponse:
        # PostgreSQL refuses input SQLite takes (a NUL character, an integer past 32 bits, a
        # string longer than its column): SQLSTATE class 22 is the caller's data, not a crash.
        if str(getattr(exc.orig, "sqlstate", None) or "").startswith("22"):
            return JSONResponse({"error": "invalid_request"}, status_code=422)
        return await _crash(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # The same body as ApiError refusals: {"error": "not_found"}, {"error": "method_not_allowed"}.
        try:
            code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_").replace("-", "_")
        except ValueError:
            code = f"http_{exc.status_code}"
        return JSONResponse({"error": code}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        # Never a stack trace to the caller; the log has it.
        import logging

        logging.getLogger("chungtay.api").exception("unhandled error on %s", request.url.path)
        return JSONResponse({"error": "internal_error"}, status_code=500)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> JSONResponse:
        try:
            async with services.db_engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            current = await is_current(services.db_engine)
        except Exception:
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        status = 200 if current else 503
        return JSONResponse(
            {
                "status": "ok" if current else "error",
                "database": "ok",
                "migrations": "current" if current else "behind",
            },
            status_code=status,
        )

    # First: the webhooks take most requests, and routes are matched in order.
    app.include_router(webhooks.router)
    app.include_router(reports.router)
    app.include_router(exports.router)
    app.include_router(emulation.router)
    app.include_router(targets.router)
    app.include_router(units.router)
    app.include_router(households.router)
    app.include_router(submissions.router)
    app.include_router(periods.router)
    app.include_router(rounds.router)
    app.include_router(documents.router)
    app.include_router(support.router)
    app.include_router(gaps.router)
    app.include_router(people.router)
    app.include_router(operations.router)
    app.include_router(dashboard.router)
    app.include_router(metrics.router)
    if services.settings.simulator and services.settings.env != "production":
        app.include_router(simulator.router)

        @app.get("/", include_in_schema=False)
        async def root() -> RedirectResponse:
            return RedirectResponse("/simulator")

    return app
