"""Queries behind the report endpoints; the arithmetic is domain.aggregates.

Scope of the figures:
- households: every household registered under the unit (any depth), replayed from the state
  before its first approved decision (the `before` of its first "household.update" audit entry,
  or its current row when it was never decided) through its approved submissions in decision
  order (`decided_at`, then id). A change belongs to the period in which it was approved.
- total households: households active at the period's end, counted per hamlet; a hamlet's own
  number (HamletReport.total_households on its current report for the period) replaces the count
  and is attributed to the hamlet's area in the rural/urban split.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.aggregates import (
    Change,
    Completeness,
    History,
    Tally,
    completeness,
    lacking,
    tally,
    with_households,
)
from domain.i18n import LOCAL_TZ
from storage.api_tokens import subtree_units
from storage.models import AuditLog, OrgUnit
from storage.models_register import Assessment, HamletReport, Household, ReportingPeriod, Submission
from storage.register import CLOSING_KINDS, KIND_STATUS

AREAS = ("rural", "urban")
HAMLET = "hamlet"


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), LOCAL_TZ).astimezone(UTC)


def period_window(period: ReportingPeriod) -> tuple[datetime, datetime]:
    """[first moment, moment after the last day) in Hà Nội time, as UTC."""
    return _start_of(period.starts_on), _start_of(period.ends_on + timedelta(days=1))


def change_of(sub: Submission) -> Change:
    """What approving this submission did to the household (mirrors storage.register.decide)."""
    at = sub.decided_at or sub.submitted_at
    if sub.kind in CLOSING_KINDS:
        return Change(at, sub.kind, None, False)
    status = KIND_STATUS.get(sub.kind) or (sub.result or {}).get("class") or None
    return Change(at, sub.kind, status, True)


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
    units = {u.id: u for u in await subtree_units(db, unit.id)}  # type: ignore[arg-type]
    rows = [u for u in units.values() if u.parent_id == unit.id] or [unit]
    row_ids = {r.id for r in rows}
    row_of: dict[int, int] = {}
    for uid in units:
        cur = uid
        while cur not in row_ids and cur != unit.id:
            cur = units[cur].parent_id  # type: ignore[assignment]
        row_of[uid] = cur  # the unit itself only when it is its own row
    return Tree(unit, units, rows, row_of)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Replayed:
    household: Household
    history: History
    changes: list[tuple[int, Change]]  # (submission id, change), decision order


async def replay(db: AsyncSession, tree: Tree, *, until: datetime) -> list[Replayed]:
    """Every household of the tree with its approved changes decided before `until`."""
    unit_ids = list(tree.units)
    households = (
        (await db.execute(select(Household).where(Household.hamlet_id.in_(unit_ids))))  # type: ignore[attr-defined]
        .scalars()
        .all()
    )
    subs = (
        (
            await db.execute(
                select(Submission)
                .join(Household, Household.id == Submission.household_id)
                .where(
                    Household.hamlet_id.in_(unit_ids),  # type: ignore[attr-defined]
                    Submission.status == "approved",
                    Submission.decided_at < until,  # type: ignore[operator]
                )
                .order_by(Submission.decided_at, Submission.id)
            )
        )
        .scalars()
        .all()
    )
    first_audit = (
        select(func.min(AuditLog.id))
        .where(
            AuditLog.action == "household.update",
            AuditLog.entity.in_([f"household:{h.id}" for h in households]),  # type: ignore[attr-defined]
        )
        .group_by(AuditLog.entity)
    )
    audits = (
        (await db.execute(select(AuditLog).where(AuditLog.id.in_(first_audit))))  # type: ignore[union-attr]
        .scalars()
        .all()
    )
    initial = {a.entity: a.before or {} for a in audits}
    by_household: dict[int, list[tuple[int, Change]]] = defaultdict(list)
    for s in subs:
        by_household[s.household_id].append((s.id, change_of(s)))  # type: ignore[index,arg-type]
    out = []
    for h in households:
        before = initial.get(f"household:{h.id}")
        status = before.get("status", h.status) if before is not None else h.status
        active = before.get("active", h.active) if before is not None else h.active
        changes = by_household.get(h.id, [])  # type: ignore[arg-type]
        history = History(
            str(status), bool(active), h.ethnic_minority, tuple(c for _, c in changes)
        )
        out.append(Replayed(h, history, changes))
    return out


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
    histories: dict[tuple[int, str], list[History]] = defaultdict(list)
    for r in await replay(db, tree, until=end):
        histories[(r.household.hamlet_id, r.household.area)].append(r.history)
    reports = await current_reports(db, period=period, hamlet_ids=tree.units)
    by_row: dict[int, dict[str, Tally]] = {r.id: {a: Tally() for a in AREAS} for r in tree.rows}  # type: ignore[misc]
    # Households filed directly on a unit that has children count only in the total.
    direct = {a: Tally() for a in AREAS}
    for hamlet_id, hamlet in tree.units.items():
        parts = {a: tally(histories.get((hamlet_id, a), []), start, end) for a in AREAS}
        entered = reports.get(hamlet_id)
        if entered is not None and entered.total_households is not None:
            own = hamlet.area if hamlet.area in AREAS else AREAS[0]
            parts = {
                a: with_households(t, entered.total_households if a == own else 0)
                for a, t in parts.items()
            }
        row = by_row.get(tree.row_of[hamlet_id], direct)
        for a in AREAS:
            row[a] = row[a] + parts[a]
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
    replayed = await replay(db, tree, until=end)
    sub_ids = [sid for r in replayed for sid, _ in r.changes]
    deprived: dict[int, tuple[str, ...]] = {}
    if sub_ids:
        stmt = select(Assessment.submission_id, Assessment.deprived).where(
            Assessment.approved.is_(True),  # type: ignore[attr-defined]
            Assessment.submission_id.in_(sub_ids),  # type: ignore[union-attr]
        )
        deprived = {sid: tuple(d or ()) for sid, d in (await db.execute(stmt)).all()}
    pairs = []
    for r in replayed:
        status, active = r.history.state_before(end)
        if not active:
            continue
        latest = next((deprived[sid] for sid, _ in reversed(r.changes) if sid in deprived), ())
        pairs.append((status, latest))
    return lacking(pairs, codes)
