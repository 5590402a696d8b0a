"""Emulation results per unit and year (issue 16, items 4-5); the arithmetic is domain.emulation.

One statement counts, per child unit of the unit asked about (communes of a province, hamlets of
a commune), everything the ranking needs; the database aggregates, never Python per household
(bench/aggregates.py measures it against a hand-written query):

- households and poor households at the end (start of the day after the last day counted): the
  register as it stands, with every approval decided after the end taken back (its before state
  counted in, its after state out, as storage.reports does for a period's end);
- at the start (1 January): the same, also taking back the year's approvals;
- exits: the year's approvals that moved an active poor household to an active status other than
  poor (moving out or dissolving is not an exit, unlike the summary's "exited" column, which
  counts every household that left the group); fell back: the year's decisions "fell_back" that
  made a household poor, as in the summary;
- sustainable exits: households whose last exit from poverty before the end reached the rules'
  years (2) within the year counted, and which since that exit neither became poor again nor
  left the register (a later decision, strictly after the exit's moment);
- support given to the unit's households (supports.given_on in the year), and contributions the
  "Vì người nghèo" fund received by units in the subtree (fund_contributions.received_on).

Households are counted as registered (active); a hamlet's own total (HamletReport) belongs to a
reporting period and is not used here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, case, exists, func, literal, not_, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.aggregates import FELL_BACK, POOR
from domain.emulation import (
    Figures,
    Outcome,
    Target,
    effective_target,
    ranked_order,
    ranks,
    rules,
    sustainable_window,
    year_days,
)
from storage.models import OrgUnit
from storage.models_register import Submission
from storage.models_support import FundContribution, Support
from storage.models_support import Target as TargetRow
from storage.reports import (
    BY_HAMLET,
    Unit,
    _dialect,
    _row_map,
    _scoped,
    _start_of,
    child_units,
    is_whole,
    tallies,
)
from storage.types import UTCDateTime

# The figures of one union part, in the order of domain.emulation.Figures after the unit id:
# end state, the year's change taken back (start = end + delta), flows, support, fund.
PARTS = ("hh_end", "p_end", "d_hh", "d_p", "exits", "fell", "sust", "sup_n", "sup_v", "fund_n")
PARTS += ("fund_v",)


@dataclass(frozen=True)
class Window:
    """The year counted: its days (supports, fund) and moments (decisions), as UTC."""

    year: int
    first: date
    last: date  # 31 December, or today in the current year
    start: datetime  # 00:00 on 1 January in Hà Nội
    end: datetime  # 00:00 on the day after `last`
    sustainable_from: datetime  # an exit decided in [from, before) becomes sustainable
    sustainable_before: datetime


def window(year: int, today: date) -> Window:
    """ValueError for a year that has not begun."""
    first, last = year_days(year, today)
    since, before = sustainable_window(first, last, rules().sustainable_years)
    return Window(
        year,
        first,
        last,
        _start_of(first),
        _start_of(last + timedelta(days=1)),
        _start_of(since),
        _start_of(before),
    )


def exit_condition(s: Any = Submission) -> Any:
    """An approval that took an active poor household out of poverty, keeping it registered."""
    return and_(
        s.before_active.is_(True),
        s.before_status == POOR,
        s.after_active.is_(True),
        s.after_status != POOR,
    )


def relapse_condition(s: Any = Submission) -> Any:
    """An approval that left a household poor, or out of the register: after an exit, it ends
    the time out of poverty."""
    return or_(s.after_active.is_(False), s.after_status == POOR)


def exits_between(since: Any | None, before: Any, *where: Any) -> Any:
    """Subquery per household (and hamlet) with an exit decided in [since, before) (since None:
    from the first): the last such exit. Reads the range of the approvals' covering index, and
    the rows of the exits only."""
    s = Submission
    if since is not None:
        where = (s.decided_at >= since, *where)  # type: ignore[operator]
    return (
        select(s.household_id, BY_HAMLET.label("hamlet_id"), func.max(s.decided_at).label("last"))
        .where(
            s.status == "approved",
            s.decided_at < before,  # type: ignore[operator]
            exit_condition(),
            s.household_id.is_not(None),  # type: ignore[union-attr]
            *where,
        )
        .group_by(s.household_id, BY_HAMLET)
        .subquery()
    )


def still_out(exits: Any, end: Any) -> Any:
    """No approval after the household's last exit and before `end` took it back into poverty
    or out of the register, or took it out of poverty again (then that later exit is its last):
    probed per household through the household_id index."""
    later = aliased(Submission)
    return ~exists().where(
        later.household_id == exits.c.household_id,
        later.status == "approved",
        later.decided_at > exits.c.last,  # type: ignore[operator]
        later.decided_at < end,  # type: ignore[operator]
        or_(exit_condition(later), relapse_condition(later)),
    )


def _parts(dialect: str, subtree: Any | None) -> Any:
    """The union of the per-unit parts, each with the columns PARTS (zeros where it has none);
    subtree None: every unit (the final join to the row map keeps those of the tree)."""

    end, start = bindparam("end", type_=UTCDateTime()), bindparam("start", type_=UTCDateTime())
    first, last = bindparam("first"), bindparam("last")
    zero = literal(0)
    g = tallies(dialect, subtree).c
    now = select(
        g.hamlet_id.label("uid"),
        *(
            func.sum(case((cond, g.n), else_=0)).label(name)
            for cond, name in (
                (g.active.is_(True), "hh_end"),
                (and_(g.active.is_(True), g.status == POOR), "p_end"),
            )
        ),
        *(zero.label(name) for name in PARTS[2:]),
    ).group_by(g.hamlet_id)

    s = Submission
    # PostgreSQL reads each hamlet's approvals of the year from the covering index that leads
    # with hamlet_id (ix_submissions_hamlet_flows): a province's own 3 % of the country's, not
    # the country's range of ix_submissions_flows hashed against the subtree (0.8 s of the
    # 2.3 s of a province at national scale). SQLite: `+ 0` keeps it on that range (the year's
    # approvals are half a province's table; probing each hamlet read the table's rows).
    in_subtree = _scoped(dialect, s.hamlet_id, subtree)
    late = s.decided_at >= end  # type: ignore[operator]
    was = and_(s.before_active.is_(True), s.before_status == POOR)  # type: ignore[union-attr]
    became = and_(s.after_active.is_(True), s.after_status == POOR)  # type: ignore[union-attr]

    def flag(condition: Any) -> Any:
        return case((condition, 1), else_=0)

    def total(value: Any, *conditions: Any) -> Any:
        return func.sum(case((and_(*conditions), value), else_=0))

    active = flag(s.before_active.is_(True)) - flag(s.after_active.is_(True))  # type: ignore[union-attr]
    poor = flag(was) - flag(became)
    # One pass over the approvals since 1 January, conditional sums per hamlet: the ones after
    # the end taken back for the end, the year's taken back for the start, the year's flows.
    decided = (
        select(
            BY_HAMLET,
            total(active, late),
            total(poor, late),
            total(active, not_(late)),
            total(poor, not_(late)),
            total(1, not_(late), exit_condition()),
            total(1, not_(late), not_(was), became, s.kind == FELL_BACK),
            *[zero] * 5,
        )
        .where(
            s.status == "approved",
            s.decided_at >= start,  # type: ignore[operator]
            *in_subtree,
        )
        .group_by(BY_HAMLET)
    )
    exits = exits_between(
        bindparam("sustainable_from", type_=UTCDateTime()),
        bindparam("sustainable_before", type_=UTCDateTime()),
        *in_subtree,
    )
    sustained = (
        select(exits.c.hamlet_id, *[zero] * 6, func.count(), *[zero] * 4)
        .where(still_out(exits, end))
        .group_by(exits.c.hamlet_id)
    )
    # Each hamlet's supports of the year from ix_supports_hamlet_given (hamlet, day, value), as
    # the approvals above: not the country's year of supports joined to their households.
    supported = (
        select(
            Support.hamlet_id,
            *[zero] * 7,
            func.count(),
            func.coalesce(func.sum(Support.value), 0),
            *[zero] * 2,
        )
        .where(
            Support.given_on >= first,  # type: ignore[operator]
            Support.given_on <= last,  # type: ignore[operator]
            *_scoped(dialect, Support.hamlet_id, subtree),
        )
        .group_by(Support.hamlet_id)
    )
    funded = (
        select(
            FundContribution.unit_id, *[zero] * 9, func.count(), func.sum(FundContribution.value)
        )
        .where(
            FundContribution.received_on >= first,  # type: ignore[operator]
            FundContribution.received_on <= last,  # type: ignore[operator]
            *_scoped(dialect, FundContribution.unit_id, subtree),
        )
        .group_by(FundContribution.unit_id)
    )
    return union_all(now, decided, sustained, supported, funded).subquery()


@cache
def _statement(dialect: str, whole: bool) -> Any:
    """Per row unit (a child of `root_id`, or the root itself for what is filed on it): the
    sums of PARTS. Parameters: root_id, start, end, sustainable_from, sustainable_before,
    first, last. `whole`: the root's tree is the whole database, the parts need no filter."""
    rowmap = _row_map(bindparam("root_id"))
    parts = _parts(dialect, None if whole else select(rowmap.c.id))
    return (
        select(rowmap.c.row_id, *(func.sum(parts.c[n]) for n in PARTS))
        .select_from(parts)
        .join(rowmap, rowmap.c.id == parts.c.uid)
        .group_by(rowmap.c.row_id)
    )


def params(root_id: int, w: Window) -> dict[str, object]:
    return {
        "root_id": root_id,
        "start": w.start,
        "end": w.end,
        "sustainable_from": w.sustainable_from,
        "sustainable_before": w.sustainable_before,
        "first": w.first,
        "last": w.last,
    }


async def figures_by_row(db: AsyncSession, *, root: OrgUnit, w: Window) -> dict[int, Figures]:
    """Per row unit id: its Figures for the year (start = end + the year's change taken back).
    The unit of a whole deployment reads its tables without matching them to its subtree (the
    year's approvals are half of them: hashing each against 2,000 hamlets is a third of the
    time), any other unit only its subtree's."""
    out = {}
    stmt = _statement(_dialect(db), await is_whole(db, root.id))  # type: ignore[arg-type]
    for row_id, *sums in await db.execute(stmt, params(root.id, w)):  # type: ignore[arg-type]
        hh_end, p_end, d_hh, d_p, exits, fell, sust, sup_n, sup_v, fund_n, fund_v = (
            int(v or 0) for v in sums
        )
        out[row_id] = Figures(
            households_start=hh_end + d_hh,
            poor_start=p_end + d_p,
            households_end=hh_end,
            poor_end=p_end,
            exits=exits,
            sustainable_exits=sust,
            fell_back=fell,
            support_count=sup_n,
            support_value=sup_v,
            fund_count=fund_n,
            fund_value=fund_v,
        )
    return out


async def ancestry(db: AsyncSession, unit_id: int) -> list[int]:
    """The unit's id and its ancestors', nearest first (a recursive CTE up the parent links)."""
    up = select(OrgUnit.id, OrgUnit.parent_id, literal(0).label("depth"))
    up = up.where(OrgUnit.id == unit_id).cte("up", recursive=True)  # type: ignore[assignment]
    up = up.union_all(  # type: ignore[attr-defined]
        select(OrgUnit.id, OrgUnit.parent_id, up.c.depth + 1).where(OrgUnit.id == up.c.parent_id)
    )
    rows = await db.execute(select(up.c.id).order_by(up.c.depth))
    return [r[0] for r in rows]


async def targets_for(
    db: AsyncSession, *, unit_ids: list[int], chain: list[int], year: int
) -> dict[int, Target]:
    """Each unit's target for the year: its own, else that of the nearest unit of `chain` (the
    units above them, nearest first) that has one, else the rules' default."""
    wanted = set(unit_ids) | set(chain)
    stmt = select(TargetRow.unit_id, TargetRow.reduction_cpp).where(
        TargetRow.year == year,
        TargetRow.unit_id.in_(wanted),  # type: ignore[attr-defined]
    )
    own = dict((await db.execute(stmt)).all())
    default = rules().default_target_cpp
    return {
        u: effective_target([(c, own.get(c)) for c in [u, *(c for c in chain if c != u)]], default)
        for u in unit_ids
    }


@dataclass(frozen=True)
class EmulationRow:
    unit: OrgUnit | Unit | None  # None: the total row
    outcome: Outcome
    rank: int | None = None


@dataclass(frozen=True)
class Emulation:
    unit: OrgUnit
    window: Window
    rows: list[EmulationRow]  # child units best first, then the total row
    # What is recorded at the unit itself, in no child unit (a province's or commune's own fund
    # contributions, households filed on a commune): in the total only, so the child rows and
    # these add up to it.
    direct: Figures = field(default_factory=Figures)

    @property
    def total(self) -> EmulationRow:
        return self.rows[-1]


async def emulation(db: AsyncSession, *, unit: OrgUnit, year: int, today: date) -> Emulation:
    """The child units ranked by their reduction of the poor rate against their target, then
    the total (households filed on the unit itself count only there)."""
    w = window(year, today)
    children = await child_units(db, unit)
    rows: list[OrgUnit | Unit] = [*children] or [unit]
    figures = await figures_by_row(db, root=unit, w=w)
    chain = await ancestry(db, unit.id)  # type: ignore[arg-type]
    targets = await targets_for(db, unit_ids=[r.id for r in rows], chain=chain, year=year)  # type: ignore[misc]
    outcomes = [Outcome(figures.get(r.id, Figures()), targets[r.id]) for r in rows]  # type: ignore[index,arg-type]
    order = ranked_order(outcomes, [r.code for r in rows])
    places = ranks([o.margin for o in outcomes])
    ranked = [EmulationRow(rows[i], outcomes[i], places[i]) for i in order]
    direct = figures.get(unit.id, Figures()) if children else Figures()  # type: ignore[arg-type]
    total = sum((o.figures for o in outcomes), direct)
    own = (await targets_for(db, unit_ids=[unit.id], chain=chain, year=year))[unit.id]  # type: ignore[index,list-item]
    return Emulation(unit, w, [*ranked, EmulationRow(None, Outcome(total, own))], direct)
