"""The org tree as a token sees it: its own unit, the children of any unit in its subtree, and
the CSV import by upload (the rules and `Dòng N: …` errors of `chungtay units import`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import File, Query, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import ApiError, ApiRouter, CurrentToken, ServicesDep, SessionDep, unit_in_scope
from api.exports import Lang, _translator
from api.lists import (
    ALL_ROWS,
    Caller,
    CallerDep,
    Page,
    Paging,
    PagingDep,
    list_csv,
    page_of,
    refusal,
    scope_root,
    units_by_id,
)
from domain.i18n import N_
from storage.api_tokens import subtree_units
from storage.audit import record
from storage.models import OrgUnit
from storage.orgtree import ImportFailed, RowError, import_units, outside_subtree, parse_csv

router = ApiRouter(prefix="/api/v1", tags=["units"])
MAX_UPLOAD_BYTES = 5_000_000
# An admin token of a top-level unit: anywhere; any other: strictly below its unit.
IMPORT_ROLES = ("officer", "province", "admin")

Parent = Annotated[
    str | None, Query(description="unit code; its children are listed (default: the token's unit)")
]


class UnitPublic(BaseModel):
    code: str
    name: str
    level: str
    area: str
    parent_code: str | None
    children: int


class UnitDetail(UnitPublic):
    parent_name: str | None
    created_at: datetime
    updated_at: datetime


class ImportRefusal(BaseModel):
    error: str  # import_failed | forbidden (| invalid_request: a malformed request)
    errors: list[str] = []  # "Dòng N: …", one per refused row


class ImportPublic(BaseModel):
    created: int
    updated: int
    unchanged: int


UNIT_COLUMNS = (
    (N_("Unit code"), lambda u: u.code),
    (N_("Unit"), lambda u: u.name),
    (N_("Level"), lambda u: u.level),
    (N_("Area"), lambda u: u.area),
    (N_("Parent unit code"), lambda u: u.parent_code),
    (N_("Child units"), lambda u: u.children),
)


async def _children_counts(db: AsyncSession, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    stmt = (
        select(OrgUnit.parent_id, func.count())
        .where(OrgUnit.parent_id.in_(ids))  # type: ignore[union-attr]
        .group_by(OrgUnit.parent_id)
    )
    return {pid: int(n) for pid, n in (await db.execute(stmt)).all()}


async def _publics(db: AsyncSession, units: list[OrgUnit]) -> list[UnitPublic]:
    counts = await _children_counts(db, [u.id for u in units])  # type: ignore[misc]
    parents = await units_by_id(db, (u.parent_id for u in units))
    return [
        UnitPublic(
            code=u.code,
            name=u.name,
            level=u.level,
            area=u.area,
            parent_code=parents[u.parent_id].code if u.parent_id in parents else None,
            children=counts.get(u.id, 0),  # type: ignore[arg-type]
        )
        for u in units
    ]


async def _unit_page(c: Caller, parent: str | None, p: Paging) -> Page[UnitPublic]:
    if parent is None:  # the top of what this token sees
        stmt = select(OrgUnit).where(OrgUnit.id == c.principal.unit_id)
    else:
        root = await scope_root(c, parent)
        stmt = select(OrgUnit).where(OrgUnit.parent_id == root.id)
    return await page_of(c.db, stmt, (OrgUnit.code,), p, _publics)


@router.get("/units", response_model=Page[UnitPublic])
async def list_units(c: CallerDep, paging: PagingDep, parent: Parent = None) -> Page[UnitPublic]:
    """The children of `parent` (in the token's subtree); without it, the token's own unit."""
    return await _unit_page(c, parent, paging)


@router.get("/exports/units.csv", response_class=Response, tags=["exports"])
async def units_csv(c: CallerDep, parent: Parent = None, lang: Lang = None) -> Response:
    found = await _unit_page(c, parent, ALL_ROWS)
    return list_csv(c.services, lang, f"units-{parent or 'root'}.csv", UNIT_COLUMNS, found.items)


@router.get("/units/{code}", response_model=UnitDetail)
async def get_unit(c: CallerDep, code: str) -> UnitDetail:
    db = c.db
    unit = await unit_in_scope(c.services, db, c.principal, code)
    [public] = await _publics(db, [unit])
    parent = await db.get(OrgUnit, unit.parent_id) if unit.parent_id else None
    return UnitDetail(
        **public.model_dump(),
        parent_name=parent.name if parent else None,
        created_at=unit.created_at,
        updated_at=unit.updated_at,
    )


def _refusal(
    status: int, error: str, errors: list[RowError], lang: str | None, services: ServicesDep
) -> JSONResponse:
    t = _translator(services, lang)
    return JSONResponse(
        {"error": error, "errors": [e.message(t) for e in errors]}, status_code=status
    )


@router.post(
    "/units/import",
    response_model=ImportPublic,
    responses={
        403: {"model": ImportRefusal, "description": "Rows outside the token's subtree"},
        413: refusal("Over 5 MB"),
        422: {"model": ImportRefusal, "description": "Bad rows: nothing was imported"},
    },
)
async def import_units_csv(
    services: ServicesDep,
    db: SessionDep,
    principal: CurrentToken,
    file: Annotated[UploadFile, File(description="CSV: code,name,level,parent_code,area")],
    lang: Lang = None,
) -> ImportPublic | JSONResponse:
    """Upsert units by code, all or nothing. An admin token of a top-level unit may write
    anywhere; any other token only strictly below its own unit (errors list every refused row):
    an admin of a commune may not pull another commune's hamlet under it and so read it."""
    if principal.role not in IMPORT_ROLES:
        raise ApiError(403, "forbidden")
    raw = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(raw) > MAX_UPLOAD_BYTES:
        raise ApiError(413, "file_too_large")
    try:
        text = raw.decode("utf-8-sig")
        if "\x00" in text:
            raise UnicodeDecodeError("utf-8", raw, 0, 1, "NUL")
    except UnicodeDecodeError:
        return _refusal(
            422,
            "import_failed",
            [RowError(1, N_("the file is not UTF-8 CSV text"), {})],
            lang,
            services,
        )
    try:
        rows = parse_csv(text)
        root = await db.get(OrgUnit, principal.unit_id)
        if not (principal.role == "admin" and root is not None and root.parent_id is None):
            inside = {u.code for u in await subtree_units(db, principal.unit_id)}
            existing = set((await db.execute(select(OrgUnit.code))).scalars())
            denied = outside_subtree(
                rows, root_code=root.code if root else "", inside=inside, existing=existing
            )
            if denied:
                record(
                    db,
                    actor=principal.actor,
                    action="scope.denied",
                    entity="org_unit:import",
                    after={"lines": [e.line for e in denied], "token_unit_id": principal.unit_id},
                )
                await db.commit()
                return _refusal(403, "forbidden", denied, lang, services)
        result = await import_units(db, rows, actor=principal.actor)
        await db.commit()
    except ImportFailed as exc:
        await db.rollback()
        return _refusal(422, "import_failed", exc.errors, lang, services)
    return ImportPublic(created=result.created, updated=result.updated, unchanged=result.unchanged)
