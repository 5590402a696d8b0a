"""Typed dependencies for the admin API: database session, the caller's token, scope checks.

Refusals are JSON bodies `{"error": "..."}`: routers built with `ApiRouter` turn an `ApiError`
raised anywhere in a dependency or an endpoint into that body.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import Services
from storage.api_tokens import active_token, is_within
from storage.audit import record
from storage.db import transaction
from storage.models import OrgUnit
from storage.orgtree import unit_by_code

log = logging.getLogger("chungtay.api")


class ApiError(Exception):
    def __init__(self, status: int, error: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(error)
        self.status, self.error, self.headers = status, error, headers


class _ErrorRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except ApiError as exc:
                return JSONResponse(
                    {"error": exc.error}, status_code=exc.status, headers=exc.headers
                )

        return route


class ErrorBody(BaseModel):
    """Every refusal: a machine-readable code such as "forbidden" or "not_found"."""

    error: str


# Documented on every route of an ApiRouter (a route may add its own).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No token, or an unknown or revoked one"},
    403: {"model": ErrorBody, "description": "Outside the token's unit"},
    404: {"model": ErrorBody, "description": "Not found"},
}


def ApiRouter(**kwargs: Any) -> APIRouter:  # reads like the class it builds
    responses = {**ERROR_RESPONSES, **kwargs.pop("responses", {})}
    return APIRouter(route_class=_ErrorRoute, responses=responses, **kwargs)


def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    async with services.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_report_session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    """Reads for the report and export endpoints: from CHUNGTAY_REPORTS_DATABASE_URL (a read
    replica) where it is set, else from the database. Who may read what is still decided on
    the database itself (the token, the unit's scope)."""
    async with services.report_sessions() as session:
        yield session


ReportSessionDep = Annotated[AsyncSession, Depends(get_report_session)]


@dataclass(frozen=True)
class Principal:
    """Who is calling: a token with a role, limited to one unit's subtree."""

    token_id: int
    role: str
    unit_id: int
    name: str | None

    @property
    def actor(self) -> str:
        return f"api_token:{self.token_id}"


_bearer = HTTPBearer(auto_error=False, description="a token from `chungtay token create`")
UNAUTHORIZED = {"WWW-Authenticate": "Bearer"}


async def current_token(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """401 without a token, or with an unknown or revoked one."""
    if credentials is None or not credentials.credentials:
        raise ApiError(401, "unauthorized", UNAUTHORIZED)
    # Its own short transaction: marking the token used must not wait for the request's work.
    async with transaction(services.sessionmaker) as db:
        row = await active_token(
            db,
            secret_key=services.settings.secret_key.get_secret_value(),
            token=credentials.credentials,
            now=services.clock(),
        )
        if row is None:
            raise ApiError(401, "unauthorized", UNAUTHORIZED)
        return Principal(row.id, row.role, row.org_unit_id, row.name)  # type: ignore[arg-type]


CurrentToken = Annotated[Principal, Depends(current_token)]


async def ensure_within(
    services: Services, db: AsyncSession, principal: Principal, *, unit_id: int, entity: str
) -> None:
    """403 (logged as `scope.denied`) unless the unit lies in the token's subtree."""
    if await is_within(db, root_id=principal.unit_id, unit_id=unit_id):
        return
    async with transaction(services.sessionmaker) as audit_db:
        record(
            audit_db,
            actor=principal.actor,
            action="scope.denied",
            entity=entity,
            after={"token_unit_id": principal.unit_id, "role": principal.role},
        )
    log.info("scope denied: %s read %s", principal.actor, entity)
    raise ApiError(403, "forbidden")


async def unit_in_scope(
    services: Services, db: AsyncSession, principal: Principal, code: str
) -> OrgUnit:
    """The unit with this code when it lies in the token's subtree: 404 unknown, 403 outside."""
    unit = await unit_by_code(db, code)
    if unit is None:
        raise ApiError(404, "not_found")
    await ensure_within(services, db, principal, unit_id=unit.id, entity=f"org_unit:{unit.id}")  # type: ignore[arg-type]
    return unit
