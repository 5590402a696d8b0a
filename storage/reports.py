"""Queries behind the report endpoints; the arithmetic is domain.aggregates.

The figures are aggregated by the database in one statement per report, never by loading
households one by one (bench/aggregates.py measures it against a hand-written query):
- the state of every household at the period's end: the register as it stands, with every
  approval decided after the period taken back (its `before_*` state counted in, its `after_*`
  state out: each household's approvals chain, so the sum telescopes);
- the transitions (`before_*` → `after_*`, stored by storage.register.decide) approved within the
  period. A change belongs to the period in which it was approved.
- total households: households active at the period's end, counted per hamlet; a hamlet's own
  number (HamletReport.total_households on its current report for the period) replaces the count.
- rural/urban: a hamlet's figures go to its unit's area (areas are set on the org tree).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

from sqlalchemy import and_, any_, bindparam, case, func, literal, not_, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from domain.aggregates import (
    FELL_BACK,
    GROUPS,
    Block,
    Completeness,
    Tally,
    completeness,
)
from domain.i18n import LOCAL_TZ
from storage.models import OrgUnit
from storage.models_register import (
    HamletReport,
    Household,
    HouseholdTally,
    ReportingPeriod,
    Submission,
)
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


def _count(*conditions: Any) -> Any:
    return func.sum(case((and_(*conditions), 1), else_=0))


def _member(status: Any, active: Any, group: str) -> Any:
    return and_(active.is_(True), status == group)


# Grouped by an expression, not the column: SQLite would otherwise walk the whole hamlet_id index
# to save a sort, instead of the covering range scan on (status, decided_at).
BY_HAMLET = Submission.hamlet_id + 0


def _undo(group: str | None, *extra: Any) -> Any:
    """Summed over approvals: taking each back counts its before state in and its after state
    out (members of `group`, or active households when None; `extra`: further conditions)."""

    def counted(state: str, sign: int) -> Any:
        status = getattr(Submission, f"{state}_status")
        active = getattr(Submission, f"{state}_active")
        cond = active.is_(True) if group is None else _member(status, active, group)
        return case((and_(cond, *extra), sign), else_=0)

    return func.sum(counted("before", 1) + counted("after", -1))


def _dialect(db: AsyncSession) -> str:
    return db.get_bind().dialect.name


def _within(dialect: str, column: Any, subtree: Any, *, in_order: bool = False) -> Any:
    """`column IN (subtree)`, written so that each backend keeps to the covering index. With
    `in_order` on PostgreSQL, `= ANY(ARRAY(subtree))`: the scan stays in index order, so the
    households are counted by a streaming GroupAggregate instead of hashing every one."""
    if dialect == "postgresql":
        if in_order:
            return column == any_(func.array(subtree.scalar_subquery()))
        return column.in_(subtree)  # a hash join against the subtree
    # SQLite: `+ 0` keeps the planner on the covering indexes instead of probing the plain
    # hamlet_id index once per unit and reading every row it points to.
    return (column + 0).in_(subtree)


def _scoped(dialect: str, column: Any, subtree: Any | None, *, in_order: bool = False) -> Any:
    """The `_within` condition as a tuple for `.where(*…)`; none when subtree is None (the
    unit is the whole database: the final join to the row map keeps its rows)."""
    return () if subtree is None else (_within(dialect, column, subtree, in_order=in_order),)


async def is_whole(db: AsyncSession, unit_id: int) -> bool:
    """Whether every unit in the database lies under this one (a country's or a province's own
    deployment): its reports read their tables without matching each row to the subtree."""
    stmt = select(OrgUnit.id).where(OrgUnit.parent_id.is_(None)).limit(2)  # type: ignore[union-attr]
    return list((await db.execute(stmt)).scalars()) == [unit_id]


def tallies(dialect: str, subtree: Any | None) -> Any:
    """The households per (hamlet_id, status, active, ethnic_minority): column n, as the
    triggers on households keep them (migration 0011); subtree None: every hamlet."""
    t = HouseholdTally
    return (
        select(t.hamlet_id, t.status, t.active, t.ethnic_minority, t.n)
        .where(*_scoped(dialect, t.hamlet_id, subtree, in_order=True))
        .subquery()
    )


# Per hamlet: households, poor and near-poor at the end, ethnic-minority poor and near-poor at
# the end, then poor exited / fell back / newly, near-poor exited / fell back / newly.
FIGURES = ("households", "p_end", "n_end", "em_p", "em_n", "px", "pf", "pn", "nx", "nf", "nn")


def _hamlet_parts(dialect: str, subtree: Any, period_id: Any, start: Any, end: Any) -> Any:
    """Per hamlet under `root_id`: households and group members at `end`, and the flows in
    [start, end), in one statement of three grouped parts:

    - now: the register as it stands, per (hamlet, status, active, ethnic minority) as the
      triggers keep it in household_tallies, summed per hamlet;
    - undo: every approval decided at or after `end`, taken back (its before state counted in,
      its after state out). Each household's decisions chain (one's after is the next one's
      before, and the last one's after is the register row), so the sum telescopes to the
      state at `end`;
    - flows: the approvals decided in [start, end), by the rules domain.aggregates describes.
    The two approval scans read only the covering index ix_submissions_flows.
    """
    zeros = [literal(0)] * 6
    em = Household.ethnic_minority.is_(True)  # type: ignore[attr-defined]
    c = tallies(dialect, subtree).c

    def households(*conditions: Any) -> Any:
        return func.sum(case((and_(*conditions), c.n), else_=0))

    counted = [
        households(c.active.is_(True)),
        *(households(_member(c.status, c.active, g)) for g in GROUPS),
        *(households(c.ethnic_minority.is_(True), _member(c.status, c.active, g)) for g in GROUPS),
        *zeros,
    ]
    # The union's columns take their names from this first part.
    now = select(
        c.hamlet_id.label("hamlet_id"),
        *(col.label(name) for col, name in zip(counted, FIGURES, strict=True)),
    ).group_by(c.hamlet_id)

    undone = (
        select(
            BY_HAMLET,
            _undo(None),
            *(_undo(g) for g in GROUPS),
            *(_undo(g, em) for g in GROUPS),
            *zeros,
        )
        .join(Household, Household.id == Submission.household_id)
        .where(
            Submission.status == "approved",
            Submission.decided_at >= end,  # type: ignore[operator]
            *_scoped(dialect, Submission.hamlet_id, subtree),
        )
        .group_by(BY_HAMLET)
    )
    fell_back = Submission.kind == FELL_BACK
    flows = []
    for g in GROUPS:
        was = _member(Submission.before_status, Submission.before_active, g)
        became = _member(Submission.after_status, Submission.after_active, g)
        flows += [_count(was, not_(became)), _count(not_(was), became, fell_back)]
        flows += [_count(not_(was), became, not_(fell_back))]
    moved = (
        select(BY_HAMLET, *zeros[:5], *flows)
        .where(
            Submission.status == "approved",
            Submission.decided_at >= start,  # type: ignore[operator]
            Submission.decided_at < end,  # type: ignore[operator]
            *_scoped(dialect, Submission.hamlet_id, subtree),
        )
        .group_by(BY_HAMLET)
    )
    # Hamlets whose only figure is the total they entered.
    entered = select(HamletReport.hamlet_id, *zeros[:5], *zeros).where(
        HamletReport.period_id == period_id,
        HamletReport.current.is_(True),  # type: ignore[attr-defined]
        HamletReport.total_households.is_not(None),  # type: ignore[union-attr]
        *(() if subtree is None else (HamletReport.hamlet_id.in_(subtree),)),  # type: ignore[attr-defined]
    )
    return union_all(now, undone, moved, entered).subquery()


async def current_reports(
    db: AsyncSession, *, period: ReportingPeriod, root_id: int
) -> dict[int, HamletReport]:
    """The current period report of every hamlet under `root_id`, by hamlet id."""
    stmt = select(HamletReport).where(
        HamletReport.period_id == period.id,
        HamletReport.current.is_(True),  # type: ignore[attr-defined]
        HamletReport.hamlet_id.in_(subtree_ids(root_id)),  # type: ignore[attr-defined]
    )
    return {r.hamlet_id: r for r in (await db.execute(stmt)).scalars()}


def _row_map(root_id: int) -> Any:
    """CTE (id, row_id): every unit under the root with the child of the root it is reported
    under; the root itself maps to itself (households filed on it count in the total only)."""
    rows = (
        select(OrgUnit.id, OrgUnit.id.label("row_id"))  # type: ignore[union-attr]
        .where(or_(OrgUnit.parent_id == root_id, OrgUnit.id == root_id))
        .cte("rowmap", recursive=True)
    )
    return rows.union_all(
        select(OrgUnit.id, rows.c.row_id).where(
            OrgUnit.parent_id == rows.c.id, rows.c.id != root_id
        )
    )


@cache
def _area_statement(dialect: str, whole: bool = False) -> Any:
    """The area_tallies statement, built once per backend; parameters root_id, period_id, start,
    end. Per hamlet, the union of _hamlet_parts (the register now, approvals after the period
    taken back, the period's flows, entered totals) is summed, a hamlet's entered total replaces
    its counted households, and the hamlets are summed per row unit and area."""
    root_id, period_id = bindparam("root_id"), bindparam("period_id")
    rowmap = _row_map(root_id)
    subtree = None if whole else select(rowmap.c.id)
    parts = _hamlet_parts(dialect, subtree, period_id, bindparam("start"), bindparam("end"))
    per_hamlet = (
        select(parts.c.hamlet_id, *(func.sum(parts.c[n]).label(n) for n in FIGURES))
        .group_by(parts.c.hamlet_id)
        .subquery()
    )
    h = per_hamlet.c
    hamlet = OrgUnit.__table__.alias("hamlet")  # type: ignore[attr-defined]
    area = case((hamlet.c.area == "urban", "urban"), else_="rural")
    households = func.coalesce(HamletReport.total_households, h.households)
    return (
        select(
            rowmap.c.row_id,
            area,
            func.sum(households),
            *(func.sum(getattr(h, n)) for n in FIGURES[1:]),
        )
        .select_from(per_hamlet)
        .join(rowmap, rowmap.c.id == h.hamlet_id)
        .join(hamlet, hamlet.c.id == h.hamlet_id)
        .outerjoin(
            HamletReport,
            and_(
                HamletReport.hamlet_id == h.hamlet_id,
                HamletReport.period_id == period_id,
                HamletReport.current.is_(True),  # type: ignore[attr-defined]
            ),
        )
        .group_by(rowmap.c.row_id, area)
    )


async def area_tallies(
    db: AsyncSession, *, root_id: int, period: ReportingPeriod
) -> dict[tuple[int, str], Tally]:
    """Per (row unit, area): the period's figures, in one statement (_area_statement)."""
    start, end = period_window(period)
    params = {"root_id": root_id, "period_id": period.id, "start": start, "end": end}
    stmt = _area_statement(_dialect(db), await is_whole(db, root_id))
    out = {}
    for row_id, row_area, *counts in await db.execute(stmt, params):
        households, p_end, n_end, em_p, em_n, px, pf, pn, nx, nf, nn = (int(v or 0) for v in counts)
        out[(row_id, row_area)] = Tally(
            households,
            Block.at_end(p_end, px, pf, pn),
            Block.at_end(n_end, nx, nf, nn),
            em_p,
            em_n,
        )
    return out


@dataclass(frozen=True)
class SummaryRow:
    unit: OrgUnit | Unit | None  # None: the total row
    by_area: dict[str, Tally]

    @property
    def all(self) -> Tally:
        return sum(self.by_area.values(), Tally())


async def child_units(db: AsyncSession, unit: OrgUnit) -> list[Unit]:
    cols = (OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.level, OrgUnit.parent_id, OrgUnit.area)
    stmt = select(*cols).where(OrgUnit.parent_id == unit.id).order_by(OrgUnit.code)
    return [Unit(*r) for r in (await db.execute(stmt)).all()]


async def summary(db: AsyncSession, *, unit: OrgUnit, period: ReportingPeriod) -> list[SummaryRow]:
    """One row per child unit (the unit itself when it has none), then the total row."""
    children = await child_units(db, unit)
    rows: list[OrgUnit | Unit] = [*children] or [unit]
    tallies = await area_tallies(db, root_id=unit.id, period=period)  # type: ignore[arg-type]
    out = [SummaryRow(u, {a: tallies.get((u.id, a), Tally()) for a in AREAS}) for u in rows]  # type: ignore[arg-type]
    # Households filed directly on a unit that has children count only in the total.
    direct = {a: tallies.get((unit.id, a), Tally()) if children else Tally() for a in AREAS}  # type: ignore[arg-type]
    total = {a: sum((r.by_area[a] for r in out), direct[a]) for a in AREAS}
    return [*out, SummaryRow(None, total)]


@dataclass(frozen=True)
class EndTotals:
    households: int
    poor: int
    near_poor: int


async def end_totals(
    db: AsyncSession, *, root_id: int, periods: list[ReportingPeriod]
) -> dict[int, EndTotals]:
    """For each period (by id): households, poor and near-poor under `root_id` at its end —
    the summary's total row, for many periods in three queries instead of one summary each.

    The register now, minus the approvals after each period's end (one scan of the approvals
    since the earliest end, bucketed by the period ends they follow), with hamlets' entered
    totals in place of their counted households.
    """
    if not periods:
        return {}
    ends = sorted({period_window(p)[1] for p in periods})
    subtree, dialect = subtree_ids(root_id), _dialect(db)
    c = tallies(dialect, subtree).c

    def households(*conditions: Any) -> Any:
        return func.sum(case((and_(*conditions), c.n), else_=0))

    now_stmt = select(
        c.hamlet_id,
        households(c.active.is_(True)),
        *(households(_member(c.status, c.active, g)) for g in GROUPS),
    ).group_by(c.hamlet_id)
    now = {h: [int(v or 0) for v in rest] for h, *rest in await db.execute(now_stmt)}
    # bucket k: decided in [ends[k], ends[k + 1]) — undone for every period ending at or before
    bucket = case(
        *((Submission.decided_at >= e, k) for k, e in reversed(list(enumerate(ends)))),  # type: ignore[operator]
        else_=-1,
    )
    later_stmt = (
        select(BY_HAMLET, bucket, _undo(None), *(_undo(g) for g in GROUPS))
        .where(
            Submission.status == "approved",
            Submission.decided_at >= ends[0],  # type: ignore[operator]
            _within(dialect, Submission.hamlet_id, subtree),
        )
        .group_by(BY_HAMLET, bucket)
    )
    later: dict[int, dict[int, list[int]]] = {}
    for hamlet_id, k, *deltas in await db.execute(later_stmt):
        later.setdefault(hamlet_id, {})[k] = [int(v or 0) for v in deltas]
    entered_stmt = select(
        HamletReport.hamlet_id, HamletReport.period_id, HamletReport.total_households
    ).where(
        HamletReport.period_id.in_([p.id for p in periods]),  # type: ignore[attr-defined]
        HamletReport.current.is_(True),  # type: ignore[attr-defined]
        HamletReport.total_households.is_not(None),  # type: ignore[union-attr]
        HamletReport.hamlet_id.in_(subtree),  # type: ignore[attr-defined]
    )
    entered: dict[int, dict[int, int]] = {}
    for hamlet_id, period_id, total in await db.execute(entered_stmt):
        entered.setdefault(period_id, {})[hamlet_id] = total
    out = {}
    for p in periods:
        k = ends.index(period_window(p)[1])
        totals = [0, 0, 0]
        for hamlet_id in set(now) | set(later) | set(entered.get(p.id, {})):
            counted = list(now.get(hamlet_id, [0, 0, 0]))
            for j, deltas in later.get(hamlet_id, {}).items():
                if j >= k:
                    counted = [a + b for a, b in zip(counted, deltas, strict=True)]
            own = entered.get(p.id, {}).get(hamlet_id)
            if own is not None:
                counted[0] = own
            totals = [a + b for a, b in zip(totals, counted, strict=True)]
        out[p.id] = EndTotals(*totals)  # type: ignore[index]
    return out


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
    reports = await current_reports(db, period=period, root_id=unit.id)  # type: ignore[arg-type]
    rows = []
    for row_unit in tree.rows:
        mine = [h for h in hamlets if tree.row_of[h.id] == row_unit.id]  # type: ignore[index]
        flags = [reports[h.id].on_time for h in mine if h.id in reports]
        rows.append(CompletenessRow(row_unit, completeness(len(mine), flags)))
    total = sum((r.figures for r in rows), Completeness(0, 0, 0))
    return [*rows, CompletenessRow(None, total)]
