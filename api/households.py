"""The household register: search (name without diacritics, code, status, unit) and one
household with its full timeline (submissions, assessments, decisions, audit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import ApiError, ApiRouter, ensure_within
from api.exports import Lang
from api.lists import (
    ALL_ROWS,
    Caller,
    CallerDep,
    DbId,
    Page,
    Paging,
    PagingDep,
    UnitQ,
    list_csv,
    page_of,
    scope_root,
    units_by_id,
)
from api.support import PlanPublic, SupportPublic, support_publics
from domain.i18n import N_
from storage import admin_lists
from storage.models_register import STATUSES, Household
from storage.register import timeline
from storage.support import household_plan, household_supports
from storage.support_gaps import helpers_of

router = ApiRouter(prefix="/api/v1", tags=["households"])

Q = Annotated[
    str | None,
    Query(max_length=100, description="household code, or part of the head's name (any accents)"),
]
Status = Annotated[Literal[STATUSES] | None, Query()]  # type: ignore[valid-type]
Active = Annotated[bool | None, Query(description="false: moved out or dissolved")]


class HouseholdPublic(BaseModel):
    id: int
    code: str
    head_name: str
    hamlet_code: str
    hamlet_name: str
    commune_code: str
    members: int
    status: str
    status_since: date | None
    area: str
    ethnic_minority: bool
    active: bool


class TimelineEvent(BaseModel):
    at: datetime
    type: str  # submission | assessment | audit
    data: dict[str, Any]


class HouseholdDetail(HouseholdPublic):
    phone: str | None
    causes: list[str]
    timeline: list[TimelineEvent]
    supports: list[SupportPublic]  # oldest first
    plan: PlanPublic | None  # its way out, once agreed
    helpers: list[str]  # the supporters assigned to help it


COLUMNS = (
    (N_("Household code"), lambda h: h.code),
    (N_("Head of household"), lambda h: h.head_name),
    (N_("Hamlet code"), lambda h: h.hamlet_code),
    (N_("Hamlet"), lambda h: h.hamlet_name),
    (N_("Members"), lambda h: h.members),
    (N_("Status"), lambda h: h.status),
    (N_("Status since"), lambda h: h.status_since),
    (N_("Area"), lambda h: h.area),
    (N_("Ethnic minority"), lambda h: h.ethnic_minority),
    (N_("Active"), lambda h: h.active),
)


async def _publics(db: AsyncSession, rows: list[Household]) -> list[HouseholdPublic]:
    units = await units_by_id(db, [h.hamlet_id for h in rows] + [h.commune_id for h in rows])
    return [
        HouseholdPublic(
            id=h.id,  # type: ignore[arg-type]
            code=h.code,
            head_name=h.head_name,
            hamlet_code=units[h.hamlet_id].code,
            hamlet_name=units[h.hamlet_id].name,
            commune_code=units[h.commune_id].code,
            members=h.members,
            status=h.status,
            status_since=h.status_since,
            area=h.area,
            ethnic_minority=h.ethnic_minority,
            active=h.active,
        )
        for h in rows
    ]


@dataclass(frozen=True)
class HouseholdFilter:
    unit: str | None
    q: str | None
    status: str | None
    active: bool | None


def household_filter(
    unit: UnitQ = None, q: Q = None, status: Status = None, active: Active = None
) -> HouseholdFilter:
    return HouseholdFilter(unit, q, status, active)


FilterDep = Annotated[HouseholdFilter, Depends(household_filter)]


async def _page(c: Caller, f: HouseholdFilter, p: Paging) -> Page[HouseholdPublic]:
    root = await scope_root(c, f.unit)
    stmt = admin_lists.households(root_id=root.id, q=f.q, status=f.status, active=f.active)  # type: ignore[arg-type]
    return await page_of(c.db, stmt, admin_lists.HOUSEHOLD_ORDER, p, _publics)


@router.get("/households", response_model=Page[HouseholdPublic])
async def search_households(c: CallerDep, f: FilterDep, paging: PagingDep) -> Page[HouseholdPublic]:
    """ "Nguyen Van A" finds "Nguyễn Văn A"; ordered by name."""
    return await _page(c, f, paging)


@router.get("/exports/households.csv", response_class=Response, tags=["exports"])
async def households_csv(c: CallerDep, f: FilterDep, lang: Lang = None) -> Response:
    found = await _page(c, f, ALL_ROWS)
    return list_csv(c.services, lang, "households.csv", COLUMNS, found.items)


@router.get("/households/{household_id}", response_model=HouseholdDetail)
async def get_household(c: CallerDep, household_id: DbId) -> HouseholdDetail:
    """The household and everything that happened to it, oldest first."""
    db = c.db
    household = await db.get(Household, household_id)
    if household is None:
        raise ApiError(404, "not_found")
    await ensure_within(
        c.services, db, c.principal, unit_id=household.hamlet_id, entity=f"household:{household_id}"
    )
    [public] = await _publics(db, [household])
    events = [
        TimelineEvent(
            at=e["at"], type=e["type"], data={k: v for k, v in e.items() if k not in ("at", "type")}
        )
        for e in await timeline(db, household_id)
    ]
    plan = await household_plan(db, household_id)
    helpers = (await helpers_of(db, [household_id])).get(household_id, [])
    return HouseholdDetail(
        **public.model_dump(),
        phone=household.phone,
        causes=household.causes,
        timeline=events,
        supports=await support_publics(db, await household_supports(db, household_id)),
        plan=PlanPublic(
            target_year=plan.target_year,
            supports=plan.supports,
            note=plan.note,
            updated_at=plan.updated_at,
        )
        if plan
        else None,
        helpers=[s.name for s in helpers],
    )
