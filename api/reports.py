"""Aggregates for the commune and province: summary, completeness, indicators, the poverty-rate
trend and the pending reviews (JSON).

Response models are separate from the table models; the figures come from storage.reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends, Query
from pydantic import BaseModel

from api.deps import (
    ApiError,
    ApiRouter,
    CurrentToken,
    ReportSessionDep,
    ServicesDep,
    SessionDep,
    unit_in_scope,
)
from domain.aggregates import Block, Completeness, Tally, rate
from domain.calendar import local_day
from domain.procedure import stage
from domain.standards import Standard, get_standard, load_standards, standard_for
from storage.complaints import open_for_submissions
from storage.hamlet_reports import find_period
from storage.indicators import indicators_report
from storage.models import OrgUnit
from storage.models_register import Household, ReportingPeriod, Submission
from storage.periods import recent_periods
from storage.reports import (
    AREAS,
    HAMLET,
    CompletenessRow,
    SummaryRow,
    completeness_report,
    end_totals,
    summary,
)
from storage.review_queue import names, pending

router = ApiRouter(prefix="/api/v1/reports", tags=["reports"])


class UnitRef(BaseModel):
    code: str
    name: str
    level: str


class PeriodRef(BaseModel):
    kind: str
    code: str
    starts_on: str
    ends_on: str


class BlockPublic(BaseModel):
    """One group over the period: end = start − exited + fell_back + newly."""

    start: int
    exited: int
    fell_back: int
    newly: int
    end: int
    rate: float | None  # end / households × 100, one decimal; None without households


class FiguresPublic(BaseModel):
    households: int
    poor: BlockPublic
    near_poor: BlockPublic
    ethnic_minority_poor: int
    ethnic_minority_near_poor: int

    def as_row(self) -> list[int | float | None]:
        """The figures in the order of the summary table's columns."""
        blocks = [
            [b.start, b.exited, b.fell_back, b.newly, b.end, b.rate]
            for b in (self.poor, self.near_poor)
        ]
        return [
            self.households,
            *blocks[0],
            *blocks[1],
            self.ethnic_minority_poor,
            self.ethnic_minority_near_poor,
        ]


class SummaryRowPublic(BaseModel):
    unit: UnitRef | None  # None on the total row
    total: bool
    all: FiguresPublic
    rural: FiguresPublic
    urban: FiguresPublic


class SummaryPublic(BaseModel):
    unit: UnitRef
    period: PeriodRef
    rows: list[SummaryRowPublic]


class CompletenessRowPublic(BaseModel):
    unit: UnitRef | None
    total: bool
    expected: int
    received: int
    on_time: int
    late: int
    missing: int
    rate: float | None


class CompletenessPublic(BaseModel):
    unit: UnitRef
    period: PeriodRef
    rows: list[CompletenessRowPublic]


class IndicatorRowPublic(BaseModel):
    code: str
    name: str
    poor: int
    near_poor: int


class IndicatorsPublic(BaseModel):
    unit: UnitRef
    period: PeriodRef
    standard: str
    rows: list[IndicatorRowPublic]


class TrendPoint(BaseModel):
    period: PeriodRef
    households: int
    poor: int  # poor households at the period's end
    near_poor: int
    poor_rate: float | None  # poor / households × 100, one decimal; None without households
    near_poor_rate: float | None


class TrendPublic(BaseModel):
    unit: UnitRef
    kind: str
    points: list[TrendPoint]  # oldest period first


class HouseholdRef(BaseModel):
    code: str
    head_name: str


class PendingItem(BaseModel):
    ref: str
    kind: str
    status: str
    stage: Literal[
        "awaiting_meeting", "awaiting_review", "awaiting_posting", "posting", "complaint"
    ]
    source: str
    household: HouseholdRef | None
    hamlet: UnitRef | None
    submitted_at: datetime


class PendingPublic(BaseModel):
    unit: UnitRef
    total: int
    items: list[PendingItem]  # oldest first


@dataclass(frozen=True)
class Scope:
    unit: OrgUnit
    period: ReportingPeriod


async def scoped_unit(
    services: ServicesDep,
    db: SessionDep,
    principal: CurrentToken,
    unit: Annotated[str, Query(description="org unit code")],
) -> OrgUnit:
    """The unit when it lies in the token's subtree: 404 unknown, 403 outside."""
    return await unit_in_scope(services, db, principal, unit)


UnitDep = Annotated[OrgUnit, Depends(scoped_unit)]


async def report_scope(
    db: SessionDep,
    unit: UnitDep,
    period: Annotated[str, Query(description="period code, e.g. 2026-11 or 2026")],
    kind: Annotated[Literal["monthly", "annual"], Query()] = "monthly",
) -> Scope:
    """The unit (in the token's subtree, else 403) and the period (404 when unknown)."""
    p = await find_period(db, kind=kind, code=period)
    if p is None:
        raise ApiError(404, "not_found")
    return Scope(unit, p)


ScopeDep = Annotated[Scope, Depends(report_scope)]


def unit_ref(u: OrgUnit) -> UnitRef:
    return UnitRef(code=u.code, name=u.name, level=u.level)


def period_ref(p: ReportingPeriod) -> PeriodRef:
    return PeriodRef(
        kind=p.kind, code=p.code, starts_on=p.starts_on.isoformat(), ends_on=p.ends_on.isoformat()
    )


def block_public(b: Block, households: int) -> BlockPublic:
    return BlockPublic(
        start=b.start,
        exited=b.exited,
        fell_back=b.fell_back,
        newly=b.newly,
        end=b.end,
        rate=rate(b.end, households),
    )


def figures_public(t: Tally) -> FiguresPublic:
    return FiguresPublic(
        households=t.households,
        poor=block_public(t.poor, t.households),
        near_poor=block_public(t.near_poor, t.households),
        ethnic_minority_poor=t.ethnic_minority_poor,
        ethnic_minority_near_poor=t.ethnic_minority_near_poor,
    )


def summary_row_public(r: SummaryRow) -> SummaryRowPublic:
    parts = {a: figures_public(r.by_area[a]) for a in AREAS}
    return SummaryRowPublic(
        unit=unit_ref(r.unit) if r.unit else None,
        total=r.unit is None,
        all=figures_public(r.all),
        rural=parts["rural"],
        urban=parts["urban"],
    )


def completeness_row_public(r: CompletenessRow) -> CompletenessRowPublic:
    f: Completeness = r.figures
    return CompletenessRowPublic(
        unit=unit_ref(r.unit) if r.unit else None,
        total=r.unit is None,
        expected=f.expected,
        received=f.received,
        on_time=f.on_time,
        late=f.late,
        missing=f.missing,
        rate=f.rate,
    )


@cache
def _standards(directory: str | None):  # type: ignore[no-untyped-def]
    return load_standards(Path(directory) if directory else None)


def period_standard(services: ServicesDep, period: ReportingPeriod) -> Standard:
    """The period's standard, or the one in force on its last day."""
    standards = _standards(services.settings.standards_dir or None)
    if period.standard_id:
        return get_standard(period.standard_id, standards)
    return standard_for(period.ends_on, standards)


async def build_summary(db: ReportSessionDep, scope: Scope) -> SummaryPublic:
    rows = await summary(db, unit=scope.unit, period=scope.period)
    return SummaryPublic(
        unit=unit_ref(scope.unit),
        period=period_ref(scope.period),
        rows=[summary_row_public(r) for r in rows],
    )


async def build_completeness(db: ReportSessionDep, scope: Scope) -> CompletenessPublic:
    rows = await completeness_report(db, unit=scope.unit, period=scope.period)
    return CompletenessPublic(
        unit=unit_ref(scope.unit),
        period=period_ref(scope.period),
        rows=[completeness_row_public(r) for r in rows],
    )


async def build_indicators(
    services: ServicesDep, db: ReportSessionDep, scope: Scope
) -> IndicatorsPublic:
    standard = period_standard(services, scope.period)
    counts = await indicators_report(
        db, unit=scope.unit, period=scope.period, codes=standard.indicator_codes
    )
    names = {i.code: i.name for i in standard.indicators}
    return IndicatorsPublic(
        unit=unit_ref(scope.unit),
        period=period_ref(scope.period),
        standard=standard.id,
        rows=[
            IndicatorRowPublic(
                code=code, name=names.get(code, code), poor=c["poor"], near_poor=c["near_poor"]
            )
            for code, c in counts.items()
        ],
    )


@router.get("/summary", response_model=SummaryPublic)
async def get_summary(db: ReportSessionDep, scope: ScopeDep) -> SummaryPublic:
    """Poor and near-poor households per child unit and in total, with the period's movement."""
    return await build_summary(db, scope)


@router.get("/completeness", response_model=CompletenessPublic)
async def get_completeness(db: ReportSessionDep, scope: ScopeDep) -> CompletenessPublic:
    """Hamlet period reports per child unit: expected, received, on time, late, missing."""
    return await build_completeness(db, scope)


@router.get("/indicators", response_model=IndicatorsPublic)
async def get_indicators(
    services: ServicesDep, db: ReportSessionDep, scope: ScopeDep
) -> IndicatorsPublic:
    """Per indicator: poor and near-poor households lacking it (latest approved assessment)."""
    return await build_indicators(services, db, scope)


@router.get("/trend", response_model=TrendPublic)
async def get_trend(
    services: ServicesDep,
    db: ReportSessionDep,
    found: UnitDep,
    kind: Annotated[Literal["monthly", "annual"], Query()] = "monthly",
    limit: Annotated[int, Query(ge=1, le=36, description="how many periods")] = 12,
) -> TrendPublic:
    """Poor and near-poor rate % at the end of each of the latest periods that have begun."""
    periods = await recent_periods(
        db, kind=kind, started_by=local_day(services.clock()), limit=limit
    )
    totals = await end_totals(db, root_id=found.id, periods=periods)  # type: ignore[arg-type]
    points = []
    for p in periods:
        total = totals[p.id]  # type: ignore[index]
        points.append(
            TrendPoint(
                period=period_ref(p),
                households=total.households,
                poor=total.poor,
                near_poor=total.near_poor,
                poor_rate=rate(total.poor, total.households),
                near_poor_rate=rate(total.near_poor, total.households),
            )
        )
    return TrendPublic(unit=unit_ref(found), kind=kind, points=points)


def pending_item(
    s: Submission,
    households: dict[int, Household],
    units: dict[int, OrgUnit],
    complained: set[int] = frozenset(),  # type: ignore[assignment]
) -> PendingItem:
    h = households.get(s.household_id) if s.household_id else None
    u = units.get(s.hamlet_id)
    return PendingItem(
        ref=s.ref,
        kind=s.kind,
        status=s.status,
        stage=stage(s.kind, s.status, open_complaint=s.id in complained),  # type: ignore[arg-type]
        source=s.source,
        household=HouseholdRef(code=h.code, head_name=h.head_name) if h else None,
        hamlet=unit_ref(u) if u else None,
        submitted_at=s.submitted_at,
    )


@router.get("/pending", response_model=PendingPublic)
async def get_pending(
    db: SessionDep,
    found: UnitDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> PendingPublic:
    """Submissions, exit registrations and review requests still in the procedure, oldest
    first; `stage` says where each stands: awaiting_meeting, awaiting_review, awaiting_posting,
    posting, complaint."""
    if found.level == HAMLET:  # submissions are filed under their commune
        subs, total = await pending(
            db, unit_id=None, hamlet_id=found.id, limit=limit, offset=offset
        )
    else:
        subs, total = await pending(db, unit_id=found.id, limit=limit, offset=offset)
    households, units, _ = await names(db, subs)
    complained = await open_for_submissions(db, [s.id for s in subs if s.id is not None])
    return PendingPublic(
        unit=unit_ref(found),
        total=total,
        items=[pending_item(s, households, units, complained) for s in subs],
    )
