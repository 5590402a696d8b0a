"""What an officer reviews: the pending submissions of their unit, and the scope check."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from domain.procedure import ACTIVE_STATES, procedure
from storage.audit import record
from storage.models import OrgUnit, Person
from storage.models_register import Household, Submission
from storage.orgtree import subtree_ids
from storage.paging import page
from storage.register import decidable_states


def _subtree(unit_id: int) -> ColumnElement[bool]:
    """Submission.commune_id within the unit's subtree (the commune itself for an officer)."""
    return Submission.commune_id.in_(subtree_ids(unit_id))  # type: ignore[attr-defined]


def _pending() -> ColumnElement[bool]:
    """Still in the procedure: a governed change until the decision, a register change until
    the officer decides it."""
    governed = sorted(procedure().meeting_kinds)
    return or_(
        and_(Submission.kind.in_(governed), Submission.status.in_(ACTIVE_STATES)),  # type: ignore[attr-defined]
        and_(
            Submission.kind.not_in(governed),  # type: ignore[attr-defined]
            Submission.status.in_(decidable_states("")),  # type: ignore[attr-defined]
        ),
    )


async def pending(
    db: AsyncSession,
    *,
    unit_id: int | None,
    limit: int = 5,
    offset: int = 0,
    hamlet_id: int | None = None,
) -> tuple[list[Submission], int]:
    """Awaiting a decision, oldest first; unit None (a national admin) sees every commune;
    hamlet_id narrows the list to one hamlet."""
    cond = [_pending()] + ([_subtree(unit_id)] if unit_id is not None else [])
    if hamlet_id is not None:
        cond.append(Submission.hamlet_id == hamlet_id)  # type: ignore[arg-type]
    base = select(Submission).where(*cond)
    return await page(db, base, Submission.submitted_at, Submission.id, limit=limit, offset=offset)


async def by_ref(db: AsyncSession, ref: str) -> Submission | None:
    key = "".join(ref.split()).upper()
    return (await db.execute(select(Submission).where(Submission.ref == key))).scalar_one_or_none()


async def in_scope(
    db: AsyncSession,
    *,
    submission: Submission,
    unit_id: int | None,
    person_id: int | None,
    everywhere: bool = False,
) -> bool:
    """Whether the person's unit covers the submission's commune; a refusal is audited. No unit
    covers nothing unless the caller says this person acts everywhere (a national admin)."""
    if person_id is None:
        return False
    if unit_id is None:
        return everywhere
    stmt = (
        select(func.count())
        .select_from(Submission)
        .where(Submission.id == submission.id, _subtree(unit_id))
    )
    if (await db.execute(stmt)).scalar_one():
        return True
    record(
        db,
        actor=f"person:{person_id}",
        action="scope.denied",
        entity=f"submission:{submission.id}",
        after={"unit_id": unit_id},
    )
    return False


async def names(
    db: AsyncSession, subs: list[Submission]
) -> tuple[dict[int, Household], dict[int, OrgUnit], dict[int, Person]]:
    """Households, hamlets and reporters of these submissions, by id (one query each)."""
    hh_ids = {s.household_id for s in subs if s.household_id}
    unit_ids = {s.hamlet_id for s in subs}
    person_ids = {s.reporter_id for s in subs if s.reporter_id}
    households = (
        (await db.execute(select(Household).where(Household.id.in_(hh_ids)))).scalars().all()  # type: ignore[union-attr]
        if hh_ids
        else []
    )
    units = (await db.execute(select(OrgUnit).where(OrgUnit.id.in_(unit_ids)))).scalars().all()  # type: ignore[union-attr]
    people = (
        (await db.execute(select(Person).where(Person.id.in_(person_ids)))).scalars().all()  # type: ignore[union-attr]
        if person_ids
        else []
    )
    return (
        {h.id: h for h in households},  # type: ignore[misc]
        {u.id: u for u in units},  # type: ignore[misc]
        {p.id: p for p in people},  # type: ignore[misc]
    )
