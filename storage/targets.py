"""Yearly targets per unit and the "Vì người nghèo" fund's contributions: writes (audited) and
reads. The session is the caller's; the arithmetic of a unit's effective target is
domain.emulation.effective_target (storage.emulation.targets_for)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.emulation import cpp_to_pp
from domain.i18n import drop_controls, nfc
from storage.audit import record
from storage.models import OrgUnit
from storage.models_support import FundContribution, Target
from storage.orgtree import subtree_ids

DONOR_KINDS = ("organisation", "business", "bank", "individual", "family", "other")


async def set_target(
    db: AsyncSession, *, unit: OrgUnit, year: int, cpp: int, actor: str, now: datetime
) -> tuple[Target, bool]:
    """The unit's target for the year, created or replaced; (row, created)."""
    stmt = select(Target).where(Target.unit_id == unit.id, Target.year == year)
    row = (await db.execute(stmt.with_for_update())).scalar_one_or_none()
    before = None if row is None else {"reduction_pp": cpp_to_pp(row.reduction_cpp)}
    created = row is None
    if row is None:
        row = Target(unit_id=unit.id, year=year, reduction_cpp=cpp, set_by=actor, updated_at=now)  # type: ignore[arg-type]
        db.add(row)
    else:
        row.reduction_cpp, row.set_by, row.updated_at = cpp, actor, now
    await db.flush()
    record(
        db,
        actor=actor,
        action="target.set",
        entity=f"org_unit:{unit.id}",
        before=before,
        after={"unit": unit.code, "year": year, "reduction_pp": cpp_to_pp(cpp)},
    )
    return row, created


async def own_targets(db: AsyncSession, *, unit_ids: list[int], year: int) -> dict[int, Target]:
    """The targets set on these units for the year, by unit id."""
    stmt = select(Target).where(Target.year == year, Target.unit_id.in_(unit_ids))  # type: ignore[attr-defined]
    return {t.unit_id: t for t in (await db.execute(stmt)).scalars()}


@dataclass(frozen=True)
class NewContribution:
    unit: OrgUnit
    donor: str
    donor_kind: str
    value: int
    received_on: date
    note: str | None


async def record_contribution(
    db: AsyncSession, *, new: NewContribution, actor: str
) -> FundContribution:
    row = FundContribution(
        unit_id=new.unit.id,  # type: ignore[arg-type]
        donor=nfc(drop_controls(new.donor).strip()),
        donor_kind=new.donor_kind,
        value=new.value,
        received_on=new.received_on,
        note=nfc(drop_controls(new.note).strip()) if new.note else None,
        recorded_by=actor,
    )
    db.add(row)
    await db.flush()
    record(
        db,
        actor=actor,
        action="fund_contribution.create",
        entity=f"fund_contribution:{row.id}",
        after={
            "unit": new.unit.code,
            "donor": row.donor,
            "donor_kind": row.donor_kind,
            "value": row.value,
            "received_on": row.received_on.isoformat(),
        },
    )
    return row


def contributions(*, root_id: int, year: int | None) -> Select[tuple[FundContribution]]:
    """Contributions received by the unit or any unit below it (in the year, when given)."""
    stmt = select(FundContribution).where(
        FundContribution.unit_id.in_(subtree_ids(root_id))  # type: ignore[attr-defined]
    )
    if year is not None:
        stmt = stmt.where(
            FundContribution.received_on >= date(year, 1, 1),  # type: ignore[operator]
            FundContribution.received_on <= date(year, 12, 31),  # type: ignore[operator]
        )
    return stmt


async def contribution_total(db: AsyncSession, *, root_id: int, year: int | None) -> int:
    sub = contributions(root_id=root_id, year=year).subquery()
    return int((await db.execute(select(func.coalesce(func.sum(sub.c.value), 0)))).scalar_one())
