"""The official summary form's figures: the summary (storage.reports) and, beside it, the
ethnic-minority poor and near-poor households at the period's start, which the form asks for
and the summary does not carry.

The state at the start is the state at the end of the instant before it: the same statement as
storage.reports.area_tallies, run with the period's first moment as its end (no flows then), so
the figure equals the previous period's ethnic-minority count at its end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from domain.aggregates import Tally
from storage.models import OrgUnit
from storage.models_register import ReportingPeriod
from storage.reports import AREAS, SummaryRow, _area_statement, _dialect, period_window, summary

Pair = tuple[int, int]  # (poor, near-poor)


@dataclass(frozen=True)
class FormRow:
    row: SummaryRow
    ethnic_start: dict[str, Pair] = field(default_factory=dict)  # per area

    @property
    def unit(self):  # type: ignore[no-untyped-def]
        return self.row.unit

    def tally(self, area: str | None) -> Tally:
        return self.row.all if area is None else self.row.by_area.get(area, Tally())

    def start(self, area: str | None) -> Pair:
        if area is not None:
            return self.ethnic_start.get(area, (0, 0))
        pairs = list(self.ethnic_start.values())
        return (sum(p for p, _ in pairs), sum(n for _, n in pairs))


async def ethnic_at_start(
    db: AsyncSession, *, root_id: int, period: ReportingPeriod
) -> dict[tuple[int, str], Pair]:
    """Per (row unit, area): ethnic-minority poor and near-poor households at the period's
    first moment."""
    start, _ = period_window(period)
    params = {"root_id": root_id, "period_id": period.id, "start": start, "end": start}
    out = {}
    for row_id, row_area, *counts in await db.execute(_area_statement(_dialect(db)), params):
        em_p, em_n = (int(v or 0) for v in counts[3:5])
        out[(row_id, row_area)] = (em_p, em_n)
    return out


def _add(a: Pair, b: Pair) -> Pair:
    return (a[0] + b[0], a[1] + b[1])


async def summary_form(
    db: AsyncSession, *, unit: OrgUnit, period: ReportingPeriod
) -> list[FormRow]:
    """summary()'s rows (child units, then the total) with their ethnic-minority start."""
    rows = await summary(db, unit=unit, period=period)
    start = await ethnic_at_start(db, root_id=unit.id, period=period)  # type: ignore[arg-type]
    units = [r for r in rows if r.unit is not None]
    out = [
        FormRow(r, {a: start.get((r.unit.id, a), (0, 0)) for a in AREAS})  # type: ignore[union-attr]
        for r in units
    ]
    has_children = not (len(units) == 1 and units[0].unit.id == unit.id)  # type: ignore[union-attr]
    total = {}
    for a in AREAS:
        own = start.get((unit.id, a), (0, 0)) if has_children else (0, 0)  # type: ignore[arg-type]
        for r in out:
            own = _add(own, r.ethnic_start[a])
        total[a] = own
    return [*out, FormRow(rows[-1], total)]
