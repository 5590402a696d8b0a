"""Chung tay: supporters per commune, supports given to households, helpers assigned, each
household's plan, and the report of the needs nobody addresses. Scoped by the token like every
report; writing takes an officer or admin token."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import ApiError, ApiRouter, ensure_within, unit_in_scope
from api.lists import (
    Caller,
    CallerDep,
    DbId,
    Page,
    PagingDep,
    UnitQ,
    page_of,
    refusal,
    require_role,
    scope_root,
    under,
    units_by_id,
)
from domain.calendar import local_day
from domain.support import MAX_VALUE, support_data
from storage.api_tokens import is_within
from storage.models import Person
from storage.models_register import Household
from storage.models_support import Support, Supporter
from storage.support import (
    SupportRefused,
    assign,
    find_supporter,
    record_support,
    set_plan,
    supporter_for,
    supports_query,
    unassign,
    update_contact,
)

router = ApiRouter(prefix="/api/v1", tags=["support"])
WRITERS = ("officer", "admin")
COMMUNE = "commune"
SupportKind = Literal[support_data().support_codes]  # type: ignore[valid-type]
SupporterKind = Literal[support_data().supporter_codes]  # type: ignore[valid-type]
RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]
REFUSED = {
    422: refusal(
        "Refused by the rules: unknown_kind, value_required, value_not_applicable, "
        "value_out_of_range, date_in_future, date_too_old, supporter_elsewhere, not_a_commune, "
        "supporter_required"
    )
}


class SupporterPublic(BaseModel):
    id: int
    commune_code: str
    name: str
    kind: str
    phone: str | None
    contact_person_id: int | None
    active: bool


class SupporterCreate(BaseModel):
    unit: str = Field(max_length=32, description="the commune's code")
    name: str = Field(min_length=2, max_length=200)
    kind: SupporterKind = "other"  # type: ignore[valid-type]
    phone: str | None = Field(default=None, max_length=20)
    contact_person_id: RowId | None = Field(
        default=None, description="the person who hears the monthly nudge, if linked in chat"
    )


class SupportPublic(BaseModel):
    id: int
    household_id: int
    supporter_id: int
    supporter: str
    kind: str
    value: int | None  # đồng
    given_on: date
    note: str | None
    source: str
    recorded_at: datetime


class SupportCreate(BaseModel):
    household_id: RowId
    supporter_id: RowId | None = Field(default=None, description="or supporter_name")
    supporter_name: str | None = Field(
        default=None, min_length=2, max_length=200, description="found or added in the commune"
    )
    supporter_kind: SupporterKind = "other"  # type: ignore[valid-type]
    kind: SupportKind  # type: ignore[valid-type]
    value: int | None = Field(default=None, ge=1, le=MAX_VALUE, description="đồng")
    given_on: date | None = Field(default=None, description="default: today")
    note: str | None = Field(default=None, max_length=500)
    idempotency_key: str | None = Field(
        default=None, min_length=1, max_length=64, description="the same key stores it once"
    )


class AssignmentIn(BaseModel):
    household_id: RowId
    supporter_id: RowId
    active: bool = Field(default=True, description="false ends the assignment")


class AssignmentPublic(BaseModel):
    household_id: int
    supporter_id: int
    supporter: str
    active: bool
    changed: bool


class PlanIn(BaseModel):
    target_year: int | None = Field(default=None, ge=2000, le=2100)
    supports: list[SupportKind] = Field(default_factory=list, max_length=20)  # type: ignore[valid-type]
    note: str | None = Field(default=None, max_length=500)


class PlanPublic(BaseModel):
    target_year: int | None
    supports: list[str]
    note: str | None
    updated_at: datetime


def _support_public(s: Support, names: dict[int, str]) -> SupportPublic:
    return SupportPublic(
        id=s.id,  # type: ignore[arg-type]
        household_id=s.household_id,
        supporter_id=s.supporter_id,
        supporter=names.get(s.supporter_id, ""),
        kind=s.kind,
        value=s.value,
        given_on=s.given_on,
        note=s.note,
        source=s.source,
        recorded_at=s.created_at,
    )


async def support_publics(db: AsyncSession, rows: list[Support]) -> list[SupportPublic]:
    ids = {s.supporter_id for s in rows}
    found = (
        (await db.execute(select(Supporter).where(Supporter.id.in_(ids)))).scalars()  # type: ignore[union-attr]
        if ids
        else []
    )
    names = {s.id: s.name for s in found}
    return [_support_public(s, names) for s in rows]  # type: ignore[arg-type]


async def _supporter_publics(db: AsyncSession, rows: list[Supporter]) -> list[SupporterPublic]:
    units = await units_by_id(db, [s.commune_id for s in rows])
    return [
        SupporterPublic(
            id=s.id,  # type: ignore[arg-type]
            commune_code=units[s.commune_id].code,
            name=s.name,
            kind=s.kind,
            phone=s.phone,
            contact_person_id=s.contact_person_id,
            active=s.active,
        )
        for s in rows
    ]


async def _household(c: Caller, household_id: int) -> Household:
    household = await c.db.get(Household, household_id)
    if household is None:
        raise ApiError(404, "not_found")
    await ensure_within(
        c.services,
        c.db,
        c.principal,
        unit_id=household.hamlet_id,
        entity=f"household:{household_id}",
    )
    return household


async def _supporter(c: Caller, supporter_id: int) -> Supporter:
    supporter = await c.db.get(Supporter, supporter_id)
    if supporter is None:
        raise ApiError(404, "not_found")
    await ensure_within(
        c.services,
        c.db,
        c.principal,
        unit_id=supporter.commune_id,
        entity=f"supporter:{supporter_id}",
    )
    return supporter


def _refused(exc: SupportRefused) -> ApiError:
    return ApiError(422, exc.code)


@router.get("/supporters", response_model=Page[SupporterPublic])
async def list_supporters(
    c: CallerDep, paging: PagingDep, unit: UnitQ = None
) -> Page[SupporterPublic]:
    """The supporters of the communes in the unit, by commune and name."""
    root = await scope_root(c, unit)
    stmt = select(Supporter).where(under(Supporter.commune_id, root))
    order = (Supporter.commune_id, Supporter.name_key, Supporter.id)
    return await page_of(c.db, stmt, order, paging, _supporter_publics)


@router.post(
    "/supporters",
    response_model=SupporterPublic,
    status_code=201,
    responses={
        200: {"model": SupporterPublic, "description": "Already on the list (by name)"},
        **REFUSED,
    },
)
async def create_supporter(c: CallerDep, body: SupporterCreate) -> Any:
    """Add a supporter to a commune's list; a name already there (whatever its accents) is that
    supporter, its contact and phone updated when given."""
    require_role(c.principal, *WRITERS)
    commune = await unit_in_scope(c.services, c.db, c.principal, body.unit)
    if commune.level != COMMUNE:
        raise ApiError(422, "not_a_commune")
    if body.contact_person_id is not None:
        person = await c.db.get(Person, body.contact_person_id)
        if person is None or person.org_unit_id is None:
            raise ApiError(404, "not_found")
        await ensure_within(
            c.services, c.db, c.principal, unit_id=person.org_unit_id, entity=f"person:{person.id}"
        )
    try:
        supporter, created = await supporter_for(
            c.db,
            commune_id=commune.id,  # type: ignore[arg-type]
            name=body.name,
            kind=body.kind,
            actor=c.principal.actor,
            contact_person_id=body.contact_person_id,
            phone=body.phone,
        )
    except SupportRefused as exc:
        raise _refused(exc) from None
    if not created and (body.contact_person_id is not None or body.phone is not None):
        await update_contact(
            c.db,
            supporter=supporter,
            contact_person_id=body.contact_person_id,
            phone=body.phone,
            actor=c.principal.actor,
        )
    await c.db.commit()
    [public] = await _supporter_publics(c.db, [supporter])
    return JSONResponse(public.model_dump(mode="json"), status_code=201 if created else 200)


@router.get("/supports", response_model=Page[SupportPublic])
async def list_supports(
    c: CallerDep,
    paging: PagingDep,
    unit: UnitQ = None,
    household: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="household id")] = None,
) -> Page[SupportPublic]:
    """Supports given to households of the unit (or to one household), newest first."""
    root = await scope_root(c, unit)
    if household is not None:
        await _household(c, household)
    stmt = supports_query(root_id=root.id, household_id=household)  # type: ignore[arg-type]
    order = (Support.given_on.desc(), Support.id.desc())  # type: ignore[attr-defined,union-attr]
    return await page_of(c.db, stmt, order, paging, support_publics)


@router.post(
    "/supports",
    response_model=SupportPublic,
    status_code=201,
    responses={
        200: {"model": SupportPublic, "description": "The same idempotency key again"},
        **REFUSED,
    },
)
async def create_support(c: CallerDep, body: SupportCreate) -> Any:
    """Record a support given to a household by a supporter of its commune (named by id, or by
    name: added to the commune's list when new)."""
    require_role(c.principal, *WRITERS)
    household = await _household(c, body.household_id)
    today = local_day(c.services.clock())
    key = f"api:{c.principal.token_id}:{body.idempotency_key}" if body.idempotency_key else None
    try:
        if body.supporter_id is not None:
            supporter = await _supporter(c, body.supporter_id)
        elif body.supporter_name:
            commune_id = household.commune_id
            if not await is_within(c.db, root_id=c.principal.unit_id, unit_id=commune_id):
                # A hamlet's token names its commune's supporters; adding one is the commune's.
                supporter = await find_supporter(
                    c.db, commune_id=commune_id, name=body.supporter_name
                )
                if supporter is None:
                    entity = f"supporter:new:{commune_id}"
                    await ensure_within(
                        c.services, c.db, c.principal, unit_id=commune_id, entity=entity
                    )
            else:
                supporter, _ = await supporter_for(
                    c.db,
                    commune_id=commune_id,
                    name=body.supporter_name,
                    kind=body.supporter_kind,
                    actor=c.principal.actor,
                )
        else:
            raise SupportRefused("supporter_required")
        support, created = await record_support(
            c.db,
            household=household,
            supporter=supporter,
            kind=body.kind,
            value=body.value,
            given_on=body.given_on or today,
            today=today,
            recorded_by=None,
            source="api",
            idempotency_key=key,
            actor=c.principal.actor,
            note=body.note,
        )
    except SupportRefused as exc:
        await c.db.rollback()
        raise _refused(exc) from None
    await c.db.commit()
    [public] = await support_publics(c.db, [support])
    return JSONResponse(public.model_dump(mode="json"), status_code=201 if created else 200)


@router.post("/assignments", response_model=AssignmentPublic, responses=REFUSED)
async def change_assignment(c: CallerDep, body: AssignmentIn) -> AssignmentPublic:
    """Assign a supporter of the household's commune to help it (phân công giúp đỡ), or end
    the assignment with `active: false`. Doing what is already so changes nothing."""
    require_role(c.principal, *WRITERS)
    household = await _household(c, body.household_id)
    supporter = await _supporter(c, body.supporter_id)
    today = local_day(c.services.clock())
    try:
        if body.active:
            _, changed = await assign(
                c.db,
                household=household,
                supporter=supporter,
                assigned_on=today,
                assigned_by=None,
                actor=c.principal.actor,
            )
        else:
            changed = bool(
                await unassign(
                    c.db,
                    household_id=household.id,  # type: ignore[arg-type]
                    supporter_id=supporter.id,  # type: ignore[arg-type]
                    ended_on=today,
                    actor=c.principal.actor,
                )
            )
    except SupportRefused as exc:
        raise _refused(exc) from None
    await c.db.commit()
    return AssignmentPublic(
        household_id=household.id,  # type: ignore[arg-type]
        supporter_id=supporter.id,  # type: ignore[arg-type]
        supporter=supporter.name,
        active=body.active,
        changed=changed,
    )


@router.put("/households/{household_id}/plan", response_model=PlanPublic)
async def put_plan(c: CallerDep, household_id: DbId, body: PlanIn) -> PlanPublic:
    """The household's way out: the year it aims to exit and the kinds of support agreed."""
    require_role(c.principal, *WRITERS)
    household = await _household(c, household_id)
    plan = await set_plan(
        c.db,
        household=household,
        target_year=body.target_year,
        supports=list(body.supports),
        note=body.note,
        updated_by=None,
        now=c.services.clock(),
        actor=c.principal.actor,
    )
    await c.db.commit()
    return PlanPublic(
        target_year=plan.target_year,
        supports=plan.supports,
        note=plan.note,
        updated_at=plan.updated_at,
    )
