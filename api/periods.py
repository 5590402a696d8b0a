"""Reporting periods: list, open (the rules of `chungtay period open`), change deadlines.

Periods are shared by every unit of the deployment, so only province and admin tokens write.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import ApiError, ApiRouter, CurrentToken, ServicesDep, SessionDep
from api.exports import Lang, _translator
from api.lists import ALL_ROWS, Page, Paging, PagingDep, list_csv, page_of, refusal, require_role
from domain.i18n import N_
from domain.periods import Refused, build_spec, check_standard
from domain.standards import StandardsError, load_standards
from storage.hamlet_reports import find_period, open_period
from storage.models_register import ReportingPeriod

router = ApiRouter(prefix="/api/v1", tags=["periods"])
WRITERS = ("province", "admin")

KindQ = Annotated[Literal["monthly", "annual"] | None, Query()]
StatusQ = Annotated[Literal["open", "closed"] | None, Query()]


class PeriodPublic(BaseModel):
    id: int
    kind: str
    code: str
    starts_on: date
    ends_on: date
    hamlet_deadline: datetime
    commune_deadline: datetime
    standard: str | None  # None: the standard in force on the period's last day
    status: str


class PeriodCreate(BaseModel):
    kind: Literal["monthly", "annual"]
    code: str = Field(max_length=16, description="2026-11 (monthly) or 2026 (annual)")
    hamlet_deadline: date | None = Field(default=None, description="end of this day, Hà Nội")
    commune_deadline: date | None = None
    standard: str | None = Field(default=None, max_length=32, description="e.g. nd351-2025")


class PeriodChange(BaseModel):
    hamlet_deadline: date | None = None
    commune_deadline: date | None = None
    standard: str | None = Field(default=None, max_length=32)


COLUMNS = (
    (N_("Period"), lambda p: p.code),
    (N_("Kind"), lambda p: p.kind),
    (N_("Starts on"), lambda p: p.starts_on),
    (N_("Ends on"), lambda p: p.ends_on),
    (N_("Hamlet deadline"), lambda p: p.hamlet_deadline),
    (N_("Commune deadline"), lambda p: p.commune_deadline),
    (N_("Poverty standard"), lambda p: p.standard),
    (N_("Status"), lambda p: p.status),
)
ORDER = (ReportingPeriod.starts_on.desc(), ReportingPeriod.kind)  # type: ignore[attr-defined]


async def _publics(db: AsyncSession, rows: list[ReportingPeriod]) -> list[PeriodPublic]:
    return [public(r) for r in rows]


def public(p: ReportingPeriod) -> PeriodPublic:
    return PeriodPublic(
        id=p.id,  # type: ignore[arg-type]
        kind=p.kind,
        code=p.code,
        starts_on=p.starts_on,
        ends_on=p.ends_on,
        hamlet_deadline=p.hamlet_deadline,
        commune_deadline=p.commune_deadline,
        standard=p.standard_id,
        status=p.status,
    )


async def _page(
    db: AsyncSession, kind: str | None, status: str | None, p: Paging
) -> Page[PeriodPublic]:
    stmt = select(ReportingPeriod)
    if kind:
        stmt = stmt.where(ReportingPeriod.kind == kind)
    if status:
        stmt = stmt.where(ReportingPeriod.status == status)
    return await page_of(db, stmt, ORDER, p, _publics)


@router.get("/periods", response_model=Page[PeriodPublic])
async def list_periods(
    db: SessionDep,
    principal: CurrentToken,
    paging: PagingDep,
    kind: KindQ = None,
    status: StatusQ = None,
) -> Page[PeriodPublic]:
    """Newest first. Every token reads them."""
    return await _page(db, kind, status, paging)


@router.get("/exports/periods.csv", response_class=Response, tags=["exports"])
async def periods_csv(
    services: ServicesDep,
    db: SessionDep,
    principal: CurrentToken,
    kind: KindQ = None,
    status: StatusQ = None,
    lang: Lang = None,
) -> Response:
    found = await _page(db, kind, status, ALL_ROWS)
    return list_csv(services, lang, "periods.csv", COLUMNS, found.items)


def _refused(exc: Refused) -> JSONResponse:
    """422 in the shape of a validation error, the message in the server's language."""
    detail = [{"loc": ["body"], "msg": exc.args[0], "type": "invalid_period"}]
    return JSONResponse({"error": "invalid_period", "detail": detail}, status_code=422)


def _check_standard(services: ServicesDep, lang: str | None, standard: str | None) -> None:
    directory = services.settings.standards_dir
    try:
        known = load_standards(Path(directory) if directory else None)
    except StandardsError as exc:
        raise Refused(str(exc)) from None
    check_standard(_translator(services, lang), known, standard)


@router.post(
    "/periods",
    response_model=PeriodPublic,
    status_code=201,
    responses={409: refusal("The period exists: change it with PATCH")},
)
async def create_period(
    services: ServicesDep,
    db: SessionDep,
    principal: CurrentToken,
    body: PeriodCreate,
    lang: Lang = None,
) -> PeriodPublic | JSONResponse:
    """Open a period; deadlines default to the calendar's (monthly: the 25th and the 5th)."""
    require_role(principal, *WRITERS)
    try:
        spec = build_spec(
            _translator(services, lang),
            kind=body.kind,
            code=body.code,
            hamlet_deadline=body.hamlet_deadline,
            commune_deadline=body.commune_deadline,
        )
        _check_standard(services, lang, body.standard)
    except Refused as exc:
        return _refused(exc)
    if await find_period(db, kind=spec.kind, code=spec.code) is not None:
        raise ApiError(409, "already_exists")
    period, _ = await open_period(db, spec, standard_id=body.standard, actor=principal.actor)
    await db.commit()
    return public(period)


@router.patch("/periods/{code}", response_model=PeriodPublic)
async def change_period(
    services: ServicesDep,
    db: SessionDep,
    principal: CurrentToken,
    code: str,
    body: PeriodChange,
    kind: Annotated[Literal["monthly", "annual"], Query()] = "monthly",
    lang: Lang = None,
) -> PeriodPublic | JSONResponse:
    """New deadlines (or standard) for a period, which is open again afterwards."""
    require_role(principal, *WRITERS)
    period = await find_period(db, kind=kind, code=code)
    if period is None:
        raise ApiError(404, "not_found")
    standard = body.standard if "standard" in body.model_fields_set else period.standard_id
    try:
        spec = build_spec(
            _translator(services, lang),
            kind=kind,
            code=code,
            hamlet_deadline=body.hamlet_deadline or period.hamlet_deadline,
            commune_deadline=body.commune_deadline or period.commune_deadline,
        )
        _check_standard(services, lang, standard)
    except Refused as exc:
        return _refused(exc)
    period, _ = await open_period(db, spec, standard_id=standard, actor=principal.actor)
    await db.commit()
    return public(period)
