"""Queries behind the report endpoints; the arithmetic is domain.aggregates.

The figures are aggregated by the database, never by loading households one by one:
- the state of every household at the period's end: its register row, or, when it was decided
  again after the period ended, the `before_*` state of its first later approval;
- the transitions (`before_*` → `after_*`, stored by storage.register.decide) approved within the
  period. A change belongs to the period in which it was approved.
- total households: households active at the period's end, counted per hamlet; a hamlet's own
  number (HamletReport.total_households on its current report for the period) replaces the count.
- rural/urban: a hamlet's figures go to its unit's area (areas are set on the org tree).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, not_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from domain.aggregates import (
    FELL_BACK,
    GROUPS,
    Block,
    Completeness,
    Tally,
    completeness,
    lacking,
    with_households,
)
from domain.i18n import LOCAL_TZ
from storage.models import OrgUnit
from storage.models_register import Assessment, HamletReport, Household, ReportingPeriod, Submission
from storage.orgtree import subtree_ids

AREAS = ("rural", "urban")
HAMLET = "hamlet"


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), LOCAL_TZ).astimezone(UTC)


def period_window(period: ReportingPeriod) -> tuple[datetime, datetime]:
    """[first moment, moment after the last day) in Hà Nội time, as UTC."""
    return _start_of(period.starts_on), _start_of(period.ends_on + timedelta(days=1))


@dataclass(frozen=True)
class Unit:
    """What the reports need of an org unit (read as plain columns: a province has thousands)."""

    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    area: str


@dataclass(frozen=True)
class Tree:
    """The unit's subtree and, for every unit in it, the row it is reported under."""

    unit: OrgUnit
    units: dict[int, OrgUnit]
    rows: list[OrgUnit]  # the child units, or the unit itself when it has none
    row_of: dict[int, int]  # unit id -> id of its row unit

    @property
    def hamlets(self) -> list[OrgUnit]:
        return [u for u in self.units.values() if u.level == HAMLET]


async def load_tree(db: AsyncSession, unit: OrgUnit) -> Tree:
    cols = (OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.level, OrgUnit.parent_id, OrgUnit.area)
    stmt = select(*cols).where(OrgUnit.id.in_(subtree_ids(unit.id))).order_by(OrgUnit.code)  # type: ignore[union-attr,arg-type]
    units = {r[0]: Unit(*r) for r in (await db.execute(stmt)).all()}
    rows = [u for u in units.values() if u.parent_id == unit.id] or [unit]
    row_ids = {r.id for r in rows}
    row_of: dict[int, int] = {}
    for uid in units:
        cur = uid
        while cur not in row_ids and cur != unit.id:
            cur = units[cur].parent_id  # type: ignore[assignment]
        row_of[uid] = cur  # the unit itself only when it is its own row
    return Tree(unit, units, rows, row_of)  # type: ignore[arg-type]


def _end_state(end: datetime) -> tuple[Any, Any, Any]:
    """(subquery of each household's first approval at or after `end`, status, active at end)."""
    ranked = (
        select(
            Submission.household_id,
            Submission.before_status,
            Submission.before_active,
            func.row_number()
            .over(
                partition_by=Submission.household_id,
                order_by=(Submission.decided_at, Submission.id),
            )
            .label("rn"),
        )
        .where(
            Submission.status == "approved",
            Submission.decided_at >= end,  # type: ignore[operator]
            Submission.household_id.is_not(None),  # type: ignore[union-attr]
        )
        .subquery()
    )
    later = select(ranked).where(ranked.c.rn == 1).subquery()
    status = func.coalesce(later.c.before_status, Household.status)
    active = func.coalesce(later.c.before_active, Household.active)
    return later, status, active


def _count(*conditions: Any) -> Any:
    return func.sum(case((and_(*conditions), 1), else_=0))


def _member(status: Any, active: Any, group: str) -> Any:
    return and_(active.is_(True), status == group)


async def hamlet_tallies(
    db: AsyncSession, root_id: int, start: datetime, end: datetime
) -> dict[int, Tally]:
    """Per hamlet under `root_id`: households and group members at `end`, and the flows in
    [start, end) — one statement: two grouped scans with conditional sums, each answered from a
    covering index (the rules are the ones domain.aggregates describes)."""
    later, status, active = _end_state(end)
    em = Household.ethnic_minority.is_(True)  # type: ignore[attr-defined]
    zeros = [literal(0)] * 6
    subtree = subtree_ids(root_id)  # one CTE for both halves
    at_end = (
        select(
            Household.hamlet_id.label("hamlet_id"),  # type: ignore[attr-defined]
            _count(active.is_(True)),
            *(_count(_member(status, active, g)) for g in GROUPS),
            *(_count(em, _member(status, active, g)) for g in GROUPS),
            *zeros,
        )
        .select_from(Household)
        .outerjoin(later, later.c.household_id == Household.id)
        .where(Household.hamlet_id.in_(subtree))  # type: ignore[attr-defined]
        .group_by(Household.hamlet_id)
    )
    fell_back = Submission.kind == FELL_BACK
    flows = []
    for g in GROUPS:
        was = _member(Submission.before_status, Submission.before_active, g)
        now = _member(Submission.after_status, Submission.after_active, g)
        flows += [_count(was, not_(now)), _count(not_(was), now, fell_back)]
        flows += [_count(not_(was), now, not_(fell_back))]
    moved = (
        select(Submission.hamlet_id, *zeros[:5], *flows)
        .where(
            Submission.status == "approved",
            Submission.decided_at >= start,  # type: ignore[operator]
            Submission.decided_at < end,  # type: ignore[operator]
            Submission.hamlet_id.in_(subtree),  # type: ignore[attr-defined]
        )
        .group_by(Submission.hamlet_id)
    )
    sums: dict[int, list[int]] = {}
    for hamlet_id, *counts in await db.execute(union_all(at_end, moved)):
        mine = sums.setdefault(hamlet_id, [0] * 11)
        for i, v in enumerate(counts):
            mine[i] += int(v or 0)
    return {
        hamlet_id: Tally(
            households,
            Block.at_end(p_end, px, pf, pn),
            Block.at_end(n_end, nx, nf, nn),
            em_p,
            em_n,
        )
        for hamlet_id, (
            households,
            p_end,
            n_end,
            em_p,
            em_n,
            px,
            pf,
            pn,
            nx,
            nf,
            nn,
        ) in sums.items()
    }


async def current_reports(
    db: AsyncSession, *, period: ReportingPeriod, hamlet_ids: Iterable[int]
) -> dict[int, HamletReport]:
    stmt = select(HamletReport).where(
        HamletReport.period_id == period.id,
        HamletReport.current.is_(True),  # type: ignore[attr-defined]
        HamletReport.hamlet_id.in_(list(hamlet_ids)),  # type: ignore[attr-defined]
    )
    return {r.hamlet_id: r for r in (await db.execute(stmt)).scalars()}


@dataclass(frozen=True)
class SummaryRow:
    unit: OrgUnit | None  # None: the total row
    by_area: dict[str, Tally]

    @property
    def all(self) -> Tally:
        return sum(self.by_area.values(), Tally())


async def summary(db: AsyncSession, *, unit: OrgUnit, period: ReportingPeriod) -> list[SummaryRow]:
    """One row per child unit, then the total row."""
    tree = await load_tree(db, unit)
    start, end = period_window(period)
    tallies = await hamlet_tallies(db, unit.id, start, end)  # type: ignore[arg-type]
    reports = await current_reports(db, period=period, hamlet_ids=tree.units)
    by_row: dict[int, dict[str, Tally]] = {r.id: {a: Tally() for a in AREAS} for r in tree.rows}  # type: ignore[misc]
    # Households filed directly on a unit that has children count only in the total.
    direct = {a: Tally() for a in AREAS}
    for hamlet_id, hamlet in tree.units.items():
        figures = tallies.get(hamlet_id)
        entered = reports.get(hamlet_id)
        if entered is not None and entered.total_households is not None:
            figures = with_households(figures or Tally(), entered.total_households)
        if figures is None:
            continue
        area = hamlet.area if hamlet.area in AREAS else AREAS[0]
        row = by_row.get(tree.row_of[hamlet_id], direct)
        row[area] = row[area] + figures
    rows = [SummaryRow(u, by_row[u.id]) for u in tree.rows]  # type: ignore[index]
    total = {a: sum((r.by_area[a] for r in rows), direct[a]) for a in AREAS}
    return [*rows, SummaryRow(None, total)]


@dataclass(frozen=True)
class CompletenessRow:
    unit: OrgUnit | None
    figures: Completeness


async def completeness_report(
    db: AsyncSession, *, unit: OrgUnit, period: ReportingPeriod
) -> list[CompletenessRow]:
    """Per child unit: hamlets expected (level "hamlet") and their current period reports."""
    tree = await load_tree(db, unit)
    hamlets = tree.hamlets
    reports = await current_reports(db, period=period, hamlet_ids=[h.id for h in hamlets])  # type: ignore[misc]
    rows = []
    for row_unit in tree.rows:
        mine = [h for h in hamlets if tree.row_of[h.id] == row_unit.id]  # type: ignore[index]
        flags = [reports[h.id].on_time for h in mine if h.id in reports]
        rows.append(CompletenessRow(row_unit, completeness(len(mine), flags)))
    total = sum((r.figures for r in rows), Completeness(0, 0, 0))
    return [*rows, CompletenessRow(None, total)]


async def indicators_report(
    db: AsyncSession, *, unit: OrgUnit, period: ReportingPeriod, codes: Iterable[str]
) -> dict[str, dict[str, int]]:
    """Per indicator: poor and near-poor households (status at the period's end) lacking it,
    from the latest assessment approved before the period ended."""
    tree = await load_tree(db, unit)
    _, end = period_window(period)
    later, status, active = _end_state(end)
    ranked = (
        select(
            Assessment.household_id,
            Assessment.deprived,
            func.row_number()
            .over(
                partition_by=Assessment.household_id,
                order_by=(Submission.decided_at.desc(), Submission.id.desc()),  # type: ignore[union-attr]
            )
            .label("rn"),
        )
        .join(Submission, Submission.id == Assessment.submission_id)
        .where(
            Assessment.approved.is_(True),  # type: ignore[attr-defined]
            Submission.status == "approved",
            Submission.decided_at < end,  # type: ignore[operator]
        )
        .subquery()
    )
    latest = select(ranked).where(ranked.c.rn == 1).subquery()
    stmt = (
        select(status, latest.c.deprived)
        .select_from(Household)
        .outerjoin(later, later.c.household_id == Household.id)
        .outerjoin(latest, latest.c.household_id == Household.id)
        .where(
            Household.hamlet_id.in_(list(tree.units)),  # type: ignore[attr-defined]
            active.is_(True),
            status.in_(GROUPS),
        )
    )
    pairs = [(st, tuple(d or ())) for st, d in (await db.execute(stmt)).all()]
    return lacking(pairs, codes)
