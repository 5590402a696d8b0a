"""Yearly poverty-reduction targets per unit (set by the province or an admin) and the
contributions the "Vì người nghèo" fund received (recorded by an officer). Every write audited.

A unit without a target of its own takes the nearest one set above it, else the default of
domain/emulation_data/rules.json (the seed plan's 1,5 points a year), returned with its source.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import ApiError, ApiRouter, unit_in_scope
from api.lists import (
    CallerDep,
    Page,
    PagingDep,
    UnitQ,
    page_of,
    refusal,
    require_role,
    scope_root,
    units_by_id,
)
from api.reports import UnitRef, unit_ref
from domain.calendar import local_day
from domain.emulation import cpp_to_pp, pp_to_cpp, rules
from domain.i18n import drop_controls
from storage.emulation import ancestry, targets_for
from storage.models import OrgUnit
from storage.models_support import FundContribution
from storage.reports import Unit, child_units
from storage.targets import (
    DONOR_KINDS,
    NewContribution,
    contributions,
    own_targets,
    record_contribution,
    set_target,
)

router = ApiRouter(prefix="/api/v1", tags=["targets"])
WRITERS = ("province", "admin")
MIN_YEAR, MAX_YEAR = 2000, 2100
Year = Annotated[int, Path(ge=MIN_YEAR, le=MAX_YEAR)]
YearQ = Annotated[
    int | None, Query(ge=MIN_YEAR, le=MAX_YEAR, description="default: the current year")
]


class TargetBody(BaseModel):
    reduction_pp: Decimal = Field(
        ge=0, le=100, description="percentage points the poor rate should fall by, e.g. 1.5"
    )


class DefaultTarget(BaseModel):
    reduction_pp: float
    source: str


class TargetPublic(BaseModel):
    unit: UnitRef
    year: int
    reduction_pp: float
    source: Literal["set", "inherited", "default"]  # its own, a unit's above it, the default
    from_unit: str | None  # the code of the unit whose target it is (None: the default)
    set_by: str | None
    updated_at: datetime | None


class TargetsPublic(BaseModel):
    year: int
    default: DefaultTarget
    items: list[TargetPublic]  # the unit, then its child units


def default_target() -> DefaultTarget:
    r = rules()
    return DefaultTarget(
        reduction_pp=cpp_to_pp(r.default_target_cpp), source=r.default_target_source
    )


async def _targets(db: AsyncSession, units: list[OrgUnit | Unit], year: int) -> list[TargetPublic]:
    """Each unit's effective target; `units` are one unit and, after it, its children."""
    chain = await ancestry(db, units[0].id)  # type: ignore[arg-type]
    ids: list[int] = [u.id for u in units]  # type: ignore[misc]
    effective = await targets_for(db, unit_ids=ids, chain=chain, year=year)
    own = await own_targets(db, unit_ids=ids, year=year)
    codes = {u.id: u.code for u in (await units_by_id(db, chain)).values()}
    codes.update({u.id: u.code for u in units})
    out = []
    for u in units:
        t, row = effective[u.id], own.get(u.id)  # type: ignore[index]
        out.append(
            TargetPublic(
                unit=unit_ref(u),  # type: ignore[arg-type]
                year=year,
                reduction_pp=cpp_to_pp(t.cpp),
                source=t.source,  # type: ignore[arg-type]
                from_unit=None if t.unit_id is None else codes[t.unit_id],
                set_by=row.set_by if row else None,
                updated_at=row.updated_at if row else None,
            )
        )
    return out


@router.put(
    "/targets/{unit_code}/{year}",
    response_model=TargetPublic,
    responses={403: refusal("Not a province or admin token, or the unit is outside its area")},
)
async def put_target(
    c: CallerDep, unit_code: Annotated[str, Path(max_length=32)], year: Year, body: TargetBody
) -> TargetPublic | JSONResponse:
    """Set the unit's target for the year: reduce the poor rate by `reduction_pp` percentage
    points (two decimals at most). Province and admin tokens only."""
    require_role(c.principal, *WRITERS)
    unit = await unit_in_scope(c.services, c.db, c.principal, unit_code)
    try:
        cpp = pp_to_cpp(body.reduction_pp)
    except ValueError:
        detail = [{"loc": ["body", "reduction_pp"], "msg": "at most two decimals", "type": "value"}]
        return JSONResponse({"error": "invalid_request", "detail": detail}, status_code=422)
    await set_target(
        c.db, unit=unit, year=year, cpp=cpp, actor=c.principal.actor, now=c.services.clock()
    )
    [out] = await _targets(c.db, [unit], year)
    await c.db.commit()
    return out


@router.get("/targets", response_model=TargetsPublic)
async def get_targets(c: CallerDep, unit: UnitQ = None, year: YearQ = None) -> TargetsPublic:
    """The target of the unit (default: the token's) and of each of its child units for the
    year, each with where it comes from."""
    root = await scope_root(c, unit)
    year = year or local_day(c.services.clock()).year
    units: list[OrgUnit | Unit] = [root, *(await child_units(c.db, root))]
    items = await _targets(c.db, units, year)
    return TargetsPublic(year=year, default=default_target(), items=items)


class ContributionCreate(BaseModel):
    unit: str = Field(max_length=32, description="code of the unit whose fund received it")
    donor: str = Field(min_length=1, max_length=200)
    donor_kind: Literal[DONOR_KINDS] = "organisation"  # type: ignore[valid-type]
    value: int = Field(gt=0, le=10**15, description="đồng")
    received_on: date
    note: str | None = Field(default=None, max_length=500)


class ContributionPublic(BaseModel):
    id: int
    unit: UnitRef
    donor: str
    donor_kind: str
    value: int
    received_on: date
    note: str | None
    recorded_by: str
    created_at: datetime


def contribution_public(row: FundContribution, unit: OrgUnit) -> ContributionPublic:
    return ContributionPublic(
        id=row.id,  # type: ignore[arg-type]
        unit=unit_ref(unit),
        donor=row.donor,
        donor_kind=row.donor_kind,
        value=row.value,
        received_on=row.received_on,
        note=row.note,
        recorded_by=row.recorded_by,
        created_at=row.created_at,
    )


@router.post(
    "/fund-contributions",
    response_model=ContributionPublic,
    status_code=201,
    responses={422: refusal("Invalid input, or received on a day still to come")},
)
async def post_contribution(c: CallerDep, body: ContributionCreate) -> ContributionPublic:
    """Record a contribution the unit's "Vì người nghèo" fund received (any token within the
    unit's area)."""
    unit = await unit_in_scope(c.services, c.db, c.principal, body.unit)
    if not drop_controls(body.donor).strip():
        raise ApiError(422, "invalid_request")
    if body.received_on > local_day(c.services.clock()):
        raise ApiError(422, "received_in_future")
    new = NewContribution(
        unit, body.donor, body.donor_kind, body.value, body.received_on, body.note
    )
    row = await record_contribution(c.db, new=new, actor=c.principal.actor)
    out = contribution_public(row, unit)
    await c.db.commit()
    return out


@router.get("/fund-contributions", response_model=Page[ContributionPublic])
async def list_contributions(
    c: CallerDep, paging: PagingDep, unit: UnitQ = None, year: YearQ = None
) -> Page[ContributionPublic]:
    """Contributions received by the unit (default: the token's) and the units below it in the
    year (default: the current year), newest first."""
    root = await scope_root(c, unit)
    year = year or local_day(c.services.clock()).year
    stmt = contributions(root_id=root.id, year=year)  # type: ignore[arg-type]
    order = (FundContribution.received_on.desc(), FundContribution.id.desc())  # type: ignore[attr-defined,union-attr]
    return await page_of(c.db, stmt, order, paging, _publish)


async def _publish(db: AsyncSession, rows: list[FundContribution]) -> list[ContributionPublic]:
    units = await units_by_id(db, [r.unit_id for r in rows])
    return [contribution_public(r, units[r.unit_id]) for r in rows]
