"""The indicators report: per indicator, the poor and near-poor households (status at the
period's end) lacking it on their latest assessment approved before the period ended.

One statement per report, counted by the database (bench/aggregates.py measures it against a
hand-written query):
- the households poor or near-poor at the end: those on the lists now with no approval decided
  since (read off the partial covering index ix_households_listed), and those whose first
  approval since the end found them on a list (its `before_*` state: each household's
  approvals chain);
- for each, its latest approved assessment decided before the end: the one the household
  keeps (households.deprived, assessed_at) where that was decided before the end, else probed
  through ix_assessments_household_id (its few assessments, their submission's decision moment
  by primary key) — only households assessed since the end;
- grouped by (status, deprived indicators as stored), each distinct list then expanded into
  its indicators by the database: one row per (status, indicator), which
  domain.aggregates.lacking_counted lays out per indicator.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    String,
    bindparam,
    cast,
    exists,
    func,
    literal_column,
    not_,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.aggregates import GROUPS, lacking_counted
from storage.models import OrgUnit
from storage.models_register import Assessment, Household, ReportingPeriod, Submission
from storage.orgtree import subtree_ids
from storage.reports import _dialect, _within, period_window
from storage.types import UTCDateTime

# The households on the lists now, written as ix_households_listed's condition
# (storage.models_register.LISTED_CONDITION) with values in the statement, not parameters: the
# planner proves the partial index applies from them.
LISTED = (Household.active, Household.status.in_([literal_column(f"'{g}'") for g in GROUPS]))  # type: ignore[attr-defined]


@cache
def _statement(dialect: str) -> Any:
    """Parameters root_id, end; rows (status at the end, deprived as text, households)."""
    end = bindparam("end", type_=UTCDateTime())
    subtree = subtree_ids(bindparam("root_id"))
    s = Submission
    first_later = (
        select(
            s.household_id,
            s.before_status,
            s.before_active,
            func.row_number()
            .over(partition_by=s.household_id, order_by=(s.decided_at, s.id))
            .label("rn"),
        )
        .where(
            s.status == "approved",
            s.decided_at >= end,  # type: ignore[operator]
            s.household_id.is_not(None),  # type: ignore[union-attr]
        )
        .subquery()
    )
    later = select(first_later).where(first_later.c.rn == 1).cte("later")
    since = aliased(Submission)
    unchanged = select(
        Household.id, Household.status, Household.deprived, Household.assessed_at
    ).where(
        _within(dialect, Household.hamlet_id, subtree, in_order=True),
        *LISTED,  # as ix_households_listed's condition: its entries are these households
        ~exists().where(
            since.household_id == Household.id,
            since.status == "approved",
            since.decided_at >= end,  # type: ignore[operator]
        ),
    )
    changed = (
        select(Household.id, later.c.before_status, Household.deprived, Household.assessed_at)
        .join(later, later.c.household_id == Household.id)
        .where(
            Household.hamlet_id.in_(subtree),  # type: ignore[attr-defined]
            later.c.before_active.is_(True),
            later.c.before_status.in_(GROUPS),
        )
    )
    listed = union_all(unchanged, changed).subquery("listed")
    a, d = aliased(Assessment), aliased(Submission)
    latest = (
        select(a.deprived)
        .join(d, d.id == a.submission_id)
        .where(
            a.household_id == listed.c.id,
            a.approved.is_(True),  # type: ignore[attr-defined]
            d.status == "approved",
            d.decided_at < end,  # type: ignore[operator]
        )
        .order_by(d.decided_at.desc(), a.id.desc())  # type: ignore[union-attr]
        .limit(1)
        .scalar_subquery()
    )
    # The household keeps its latest approved assessment (storage.register._apply; migration
    # 0010 filled it in): decided before the end, it is the latest before the end, and none
    # kept means none approved. Only a household assessed since the end is probed.
    kept = or_(listed.c.assessed_at.is_(None), listed.c.assessed_at < end)

    def grouped(deprived: Any, *where: Any) -> Any:
        text = cast(deprived, String)
        return (
            select(listed.c.status, text.label("deprived"), func.count().label("n"))
            .where(*where)
            .group_by(listed.c.status, text)
        )

    # Grouped apart: the kept lists (nearly all) off the household, the others off the probe;
    # then each distinct list expanded into its indicators by the database
    # (json_array_elements_text / json_each) and counted per (status, indicator).
    lists = union_all(grouped(listed.c.deprived, kept), grouped(latest, not_(kept))).subquery()
    if dialect == "postgresql":
        code = func.json_array_elements_text(cast(lists.c.deprived, JSON))
    else:
        code = func.json_each(lists.c.deprived)
    code = code.table_valued("value", joins_implicitly=True)
    return (
        select(lists.c.status, code.c.value, func.sum(lists.c.n))
        .select_from(lists)
        .join(code, true())
        .group_by(lists.c.status, code.c.value)
    )


async def indicators_report(
    db: AsyncSession, *, unit: OrgUnit, period: ReportingPeriod, codes: Iterable[str]
) -> dict[str, dict[str, int]]:
    """Per indicator: poor and near-poor households (status at the period's end) lacking it,
    from the latest assessment approved before the period ended."""
    _, end = period_window(period)
    rows = await db.execute(_statement(_dialect(db)), {"root_id": unit.id, "end": end})
    return lacking_counted([(status, (code,), int(n)) for status, code, n in rows], codes)
