"""Which poor and near-poor households nobody helps: their helpers, the households without
one, and each household's needs with whoever addresses them (domain.support decides)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.support import Need, needs, year_before
from storage.models_register import Assessment, Household
from storage.models_support import Assignment, HouseholdPlan, Support, Supporter
from storage.orgtree import subtree_ids
from storage.paging import page

GROUPS = ("poor", "near_poor")  # the households the commune plans a way out for


async def helpers_of(db: AsyncSession, household_ids: list[int]) -> dict[int, list[Supporter]]:
    """The active helpers of each household."""
    if not household_ids:
        return {}
    stmt = (
        select(Assignment.household_id, Supporter)
        .join(Supporter, Supporter.id == Assignment.supporter_id)  # type: ignore[arg-type]
        .where(
            Assignment.household_id.in_(household_ids),  # type: ignore[attr-defined]
            Assignment.active.is_(True),  # type: ignore[attr-defined]
        )
        .order_by(Assignment.id)
    )
    out: dict[int, list[Supporter]] = defaultdict(list)
    for household_id, supporter in (await db.execute(stmt)).all():
        out[household_id].append(supporter)
    return dict(out)


def _in_groups(root_id: int) -> Any:
    return (
        Household.hamlet_id.in_(subtree_ids(root_id)),  # type: ignore[attr-defined]
        Household.active.is_(True),  # type: ignore[attr-defined]
        Household.status.in_(GROUPS),  # type: ignore[attr-defined]
    )


async def without_helper(
    db: AsyncSession, *, root_id: int, limit: int, offset: int
) -> tuple[list[Household], int]:
    """Poor and near-poor households of the unit no supporter is assigned to, by name."""
    helped = select(Assignment.household_id).where(Assignment.active.is_(True))  # type: ignore[attr-defined]
    stmt = select(Household).where(*_in_groups(root_id), Household.id.not_in(helped))  # type: ignore[union-attr]
    return await page(db, stmt, Household.head_name, Household.id, limit=limit, offset=offset)


@dataclass
class HouseholdGaps:
    """A poor or near-poor household's needs and who addresses each."""

    household: Household
    deprived: list[str]
    standard_id: str | None
    needs: list[Need]
    helpers: list[int] = field(default_factory=list)  # supporter ids

    @property
    def open(self) -> list[Need]:
        return [n for n in self.needs if not n.addressed]


async def group_count(db: AsyncSession, *, root_id: int) -> int:
    """How many poor and near-poor households the unit has."""
    stmt = select(func.count()).select_from(Household).where(*_in_groups(root_id))
    return int((await db.execute(stmt)).scalar_one())


async def gaps(
    db: AsyncSession, *, root_id: int, today: date, household_id: int | None = None
) -> list[HouseholdGaps]:
    """Every poor and near-poor household of the unit's subtree with its missing indicators
    (its latest approved assessment) and causes, and whether anyone addresses each: an active
    helper, a support of a matching kind in the last 12 months, or a plan naming one."""
    where = _in_groups(root_id)
    if household_id is not None:
        where = (*where, Household.id == household_id)
    households = list(
        (
            await db.execute(
                select(Household)
                .where(*where)
                .order_by(Household.hamlet_id, Household.head_name, Household.id)
            )
        )
        .scalars()
        .all()
    )
    ids = select(Household.id).where(*where)
    ranked = (
        select(
            Assessment.household_id,
            Assessment.deprived,
            Assessment.standard_id,
            func.row_number()
            .over(
                partition_by=Assessment.household_id,
                order_by=(Assessment.created_at.desc(), Assessment.id.desc()),  # type: ignore[union-attr, attr-defined]
            )
            .label("rn"),
        )
        .where(Assessment.approved.is_(True), Assessment.household_id.in_(ids))  # type: ignore[attr-defined]
        .subquery()
    )
    latest = {
        r.household_id: (list(r.deprived or ()), r.standard_id)
        for r in (await db.execute(select(ranked).where(ranked.c.rn == 1))).all()
    }
    helpers: dict[int, list[int]] = defaultdict(list)
    stmt = select(Assignment.household_id, Assignment.supporter_id).where(
        Assignment.active.is_(True),  # type: ignore[attr-defined]
        Assignment.household_id.in_(ids),  # type: ignore[attr-defined]
    )
    for household_id, supporter_id in (await db.execute(stmt.order_by(Assignment.id))).all():
        helpers[household_id].append(supporter_id)
    supported: dict[int, set[str]] = defaultdict(set)
    stmt = (
        select(Support.household_id, Support.kind)
        .where(
            Support.household_id.in_(ids),  # type: ignore[attr-defined]
            Support.given_on > year_before(today),  # type: ignore[operator]
            Support.given_on <= today,  # type: ignore[operator]
        )
        .distinct()
    )
    for household_id, kind in (await db.execute(stmt)).all():
        supported[household_id].add(kind)
    stmt = select(HouseholdPlan.household_id, HouseholdPlan.supports).where(
        HouseholdPlan.household_id.in_(ids)  # type: ignore[attr-defined]
    )
    planned = {hid: set(kinds or ()) for hid, kinds in (await db.execute(stmt)).all()}
    out = []
    for h in households:
        deprived, standard_id = latest.get(h.id, ([], None))  # type: ignore[arg-type]
        out.append(
            HouseholdGaps(
                household=h,
                deprived=deprived,
                standard_id=standard_id,
                needs=needs(
                    deprived=deprived,
                    causes=h.causes or (),
                    helper=bool(helpers.get(h.id)),  # type: ignore[arg-type]
                    supported=supported.get(h.id, ()),  # type: ignore[arg-type]
                    planned=planned.get(h.id, ()),  # type: ignore[arg-type]
                ),
                helpers=helpers.get(h.id, []),  # type: ignore[arg-type]
            )
        )
    return out


async def unaddressed(db: AsyncSession, *, root_id: int, today: date) -> list[HouseholdGaps]:
    """The households with at least one need nobody addresses."""
    return [g for g in await gaps(db, root_id=root_id, today=today) if g.open]
