"""Emulation ("thi đua") for a unit and year: its child units ranked by the reduction of the poor
rate against their target, the unit's own results in detail, the candidates for commendation,
and the ranking as CSV and XLSX (api/xlsx_emulation.py). Figures from storage.emulation and
storage.commendations; the arithmetic is domain.emulation."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel

from api.deps import ApiError, ApiRouter, ReportSessionDep, ServicesDep
from api.exports import XLSX_TYPE, Lang, _csv, _file, _translator, attachment
from api.reports import UnitDep, UnitRef, unit_ref
from api.targets import DefaultTarget, YearQ, default_target
from api.xlsx_emulation import HEADERS, csv_rows, emulation_workbook
from domain.calendar import local_day
from domain.documents import place_name
from domain.emulation import Outcome, cpp_to_pp, hundredths, rules
from storage.commendations import (
    Given,
    donors,
    exited_supporters,
    support_by_kind,
    support_by_supporter,
)
from storage.emulation import Emulation, EmulationRow, emulation
from storage.models import OrgUnit
from storage.reports import HAMLET

router = ApiRouter(prefix="/api/v1", tags=["emulation"])
Limit = Annotated[int, Query(ge=1, le=100, description="how many of each list")]


class EmulationRowPublic(BaseModel):
    rank: int | None  # 1 = the largest reduction against target; None: no households
    unit: UnitRef | None  # None on the total row
    total: bool
    target_pp: float
    target_source: Literal["set", "inherited", "default"]
    rate_start: float | None  # poor / households × 100 on 1 January, two decimals
    rate_end: float | None  # on the last day counted
    reduction_pp: float | None  # rate_start − rate_end (as shown), percentage points
    # The target the unit is held to: target_pp, or rate_start when that is lower (nothing
    # left to reduce below zero); None without a rate on 1 January.
    target_applied_pp: float | None
    margin_pp: float | None  # reduction_pp − target_applied_pp
    met_target: bool | None  # margin_pp ≥ 0
    households_start: int
    poor_start: int
    households_end: int
    poor_end: int
    exits: int
    sustainable_exits: int
    fell_back: int
    support_count: int
    support_value: int  # đồng
    fund_count: int
    fund_value: int  # đồng


class EmulationPublic(BaseModel):
    unit: UnitRef
    year: int
    starts_on: date
    ends_on: date  # 31 December, or today in the current year
    default_target: DefaultTarget
    rows: list[EmulationRowPublic]  # the child units best first, then the total row


def row_public(r: EmulationRow) -> EmulationRowPublic:
    o: Outcome = r.outcome
    f = o.figures
    return EmulationRowPublic(
        rank=r.rank,
        unit=unit_ref(r.unit) if r.unit is not None else None,  # type: ignore[arg-type]
        total=r.unit is None,
        target_pp=cpp_to_pp(o.target.cpp),
        target_source=o.target.source,  # type: ignore[arg-type]
        rate_start=hundredths(o.rate_start),
        rate_end=hundredths(o.rate_end),
        reduction_pp=hundredths(o.reduction),
        target_applied_pp=hundredths(o.applied_target),
        margin_pp=hundredths(o.margin),
        met_target=o.met,
        households_start=f.households_start,
        poor_start=f.poor_start,
        households_end=f.households_end,
        poor_end=f.poor_end,
        exits=f.exits,
        sustainable_exits=f.sustainable_exits,
        fell_back=f.fell_back,
        support_count=f.support_count,
        support_value=f.support_value,
        fund_count=f.fund_count,
        fund_value=f.fund_value,
    )


async def year_of(services: ServicesDep, year: YearQ = None) -> int:
    """The year asked for (default: the current one); 422 for one that has not begun."""
    today = local_day(services.clock())
    if year is not None and year > today.year:
        raise ApiError(422, "year_not_begun")
    return year or today.year


YearDep = Annotated[int, Depends(year_of)]


async def build_emulation(
    services: ServicesDep, db: ReportSessionDep, unit: OrgUnit, year: int
) -> Emulation:
    return await emulation(db, unit=unit, year=year, today=local_day(services.clock()))


def emulation_public(e: Emulation) -> EmulationPublic:
    return EmulationPublic(
        unit=unit_ref(e.unit),
        year=e.window.year,
        starts_on=e.window.first,
        ends_on=e.window.last,
        default_target=default_target(),
        rows=[row_public(r) for r in e.rows],
    )


@router.get("/reports/emulation", response_model=EmulationPublic)
async def get_emulation(
    services: ServicesDep, db: ReportSessionDep, found: UnitDep, year: YearDep
) -> EmulationPublic:
    """One row per child unit (communes of a province, hamlets of a commune), ranked by the
    reduction of the poor rate against its target, then the total row."""
    return emulation_public(await build_emulation(services, db, found, year))


class GivenPublic(BaseModel):
    count: int
    value: int  # đồng
    households: int  # households helped


def given_public(g: Given) -> GivenPublic:
    return GivenPublic(count=g.count, value=g.value, households=g.households)


class KindGiven(GivenPublic):
    kind: str  # a support kind's code


class SupporterGiven(GivenPublic):
    id: int
    name: str
    kind: str
    commune: str


class DonorPublic(BaseModel):
    donor: str
    donor_kind: str
    count: int
    value: int


class ResultsPublic(BaseModel):
    unit: UnitRef
    year: int
    starts_on: date
    ends_on: date
    result: EmulationRowPublic  # the unit's own figures (its total row)
    support_by_kind: list[KindGiven]
    supporters: list[SupporterGiven]  # who gave most, up to `limit`
    supporters_total: int
    donors: list[DonorPublic]  # the fund's donors, largest first, up to `limit`
    donors_total: int


async def _supporters(
    db: ReportSessionDep, unit: OrgUnit, e: Emulation, limit: int
) -> tuple[list[SupporterGiven], int]:
    w = e.window
    found, total = await support_by_supporter(
        db,
        root_id=unit.id,
        first=w.first,
        last=w.last,
        limit=limit,  # type: ignore[arg-type]
    )
    return [
        SupporterGiven(
            id=s.id, name=s.name, kind=s.kind, commune=s.commune, **given_public(s.given).__dict__
        )
        for s in found
    ], total


async def _donors(
    db: ReportSessionDep, unit: OrgUnit, e: Emulation, limit: int
) -> tuple[list[DonorPublic], int]:
    w = e.window
    found, total = await donors(db, root_id=unit.id, first=w.first, last=w.last, limit=limit)  # type: ignore[arg-type]
    return [
        DonorPublic(donor=d.name, donor_kind=d.kind, count=d.count, value=d.value) for d in found
    ], total


@router.get("/reports/results", response_model=ResultsPublic)
async def get_results(
    services: ServicesDep, db: ReportSessionDep, found: UnitDep, year: YearDep, limit: Limit = 20
) -> ResultsPublic:
    """The unit's year: rates, reduction against target, exits, sustainable exits, falls back,
    support by kind and by supporter, the fund's donors."""
    e = await build_emulation(services, db, found, year)
    w = e.window
    kinds = await support_by_kind(db, root_id=found.id, first=w.first, last=w.last)  # type: ignore[arg-type]
    supporters, supporters_total = await _supporters(db, found, e, limit)
    donor_list, donors_total = await _donors(db, found, e, limit)
    return ResultsPublic(
        unit=unit_ref(found),
        year=w.year,
        starts_on=w.first,
        ends_on=w.last,
        result=row_public(e.total),
        support_by_kind=[KindGiven(kind=k, **given_public(g).__dict__) for k, g in kinds],
        supporters=supporters,
        supporters_total=supporters_total,
        donors=donor_list,
        donors_total=donors_total,
    )


class UnitCandidate(EmulationRowPublic):
    detail: str  # the API call with the unit's results


class HouseholdBrief(BaseModel):
    id: int
    code: str
    head_name: str
    hamlet: str


class ExitedSupporterPublic(GivenPublic):
    household: HouseholdBrief
    exited_on: date  # the decision that took it out of poverty
    supporter_id: int
    supporter_name: str
    link: Literal["contact", "name"]  # the supporter's contact speaks for it, or by name
    detail: str  # the API call with the household and its timeline


class CommendationsPublic(BaseModel):
    unit: UnitRef
    year: int
    starts_on: date
    ends_on: date
    sustainable_years: int
    units: list[UnitCandidate]  # child units that met their target, best first
    households: list[ExitedSupporterPublic]  # out of poverty ≥ the years, supporting others
    supporters: list[SupporterGiven]  # by support given in the year
    donors: list[DonorPublic]  # to the "Vì người nghèo" fund


@router.get("/reports/commendations", response_model=CommendationsPublic)
async def get_commendations(
    services: ServicesDep, db: ReportSessionDep, found: UnitDep, year: YearDep, limit: Limit = 20
) -> CommendationsPublic:
    """Candidates for commendation, each with the figures behind it: units that met their
    target, households out of poverty for 2 years or more that support others, supporters by
    support given, the fund's donors."""
    e = await build_emulation(services, db, found, year)
    units = [
        UnitCandidate(
            **row_public(r).model_dump(),
            detail=f"/api/v1/reports/results?unit={r.unit.code}&year={year}",
        )
        for r in e.rows
        if r.unit is not None and r.outcome.met and r.unit.id != found.id
    ]
    households = await exited_supporters(db, root_id=found.id, w=e.window, limit=limit)  # type: ignore[arg-type]
    supporters, _ = await _supporters(db, found, e, limit)
    donor_list, _ = await _donors(db, found, e, limit)
    return CommendationsPublic(
        unit=unit_ref(found),
        year=year,
        starts_on=e.window.first,
        ends_on=e.window.last,
        sustainable_years=rules().sustainable_years,
        units=units[:limit],
        households=[
            ExitedSupporterPublic(
                household=HouseholdBrief(
                    id=h.household_id, code=h.household_code, head_name=h.head_name, hamlet=h.hamlet
                ),
                exited_on=h.exited_on,
                supporter_id=h.supporter_id,
                supporter_name=h.supporter_name,
                link=h.link,  # type: ignore[arg-type]
                detail=f"/api/v1/households/{h.household_id}",
                **given_public(h.given).__dict__,
            )
            for h in households
        ],
        supporters=supporters,
        donors=donor_list,
    )


XLSX = _file(XLSX_TYPE)
CSV = _file("text/csv")


@router.get("/exports/emulation.csv", response_class=Response, responses=CSV, tags=["exports"])
async def emulation_csv(
    services: ServicesDep,
    db: ReportSessionDep,
    found: UnitDep,
    year: YearDep,
    lang: Lang = None,
) -> Response:
    """The ranking as CSV: one line per child unit, best first, one for what is recorded at the
    unit itself (when anything is: a province's own fund contributions), then the total."""
    t = _translator(services, lang)
    e = await build_emulation(services, db, found, year)
    rows = csv_rows(t, e)
    return _csv(f"emulation-{found.code}-{year}.csv", [t(h) for h in HEADERS], rows)


@router.get("/exports/emulation.xlsx", response_class=Response, responses=XLSX, tags=["exports"])
async def emulation_xlsx(
    services: ServicesDep,
    db: ReportSessionDep,
    found: UnitDep,
    year: YearDep,
    lang: Lang = None,
) -> Response:
    """The ranking as a document to sign (Nghị định 30/2020), in the summary's layout."""
    t = _translator(services, lang)
    e = await build_emulation(services, db, found, year)
    where = found
    if where.level == HAMLET and where.parent_id is not None:
        where = await db.get(OrgUnit, where.parent_id) or where
    today = local_day(services.clock())
    content = emulation_workbook(t, e, place=place_name(where.name), day=today)
    name = t("Emulation {unit} {year}", unit=found.name, year=year)
    return Response(
        content=content,
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": attachment(f"{name}.xlsx")},
    )
