"""Chung tay: supporters per commune, supports given, helpers assigned and each household's plan.
Every write is audited; the session is the caller's (storage.support_gaps reads the gaps)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.i18n import LOCAL_TZ, fold, nfc
from domain.support import refusal, support_data
from storage.audit import record
from storage.models_register import Household
from storage.models_support import Assignment, HouseholdPlan, Support, Supporter
from storage.orgtree import subtree_ids


class SupportRefused(ValueError):
    """A write the rules refuse; `code` is stable (unknown_kind, value_required, …)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def supporter_public(s: Supporter) -> dict[str, Any]:
    return {
        "id": s.id,
        "commune_id": s.commune_id,
        "name": s.name,
        "kind": s.kind,
        "contact_person_id": s.contact_person_id,
        "phone": s.phone,
        "active": s.active,
    }


def support_public(s: Support) -> dict[str, Any]:
    return {
        "id": s.id,
        "household_id": s.household_id,
        "supporter_id": s.supporter_id,
        "kind": s.kind,
        "value": s.value,
        "given_on": s.given_on.isoformat(),
        "note": s.note,
        "source": s.source,
    }


def plan_public(p: HouseholdPlan) -> dict[str, Any]:
    return {"target_year": p.target_year, "supports": list(p.supports), "note": p.note}


# ---- supporters ------------------------------------------------------------------------------


async def supporters(
    db: AsyncSession, *, commune_id: int, active_only: bool = True
) -> list[Supporter]:
    """The commune's supporters, those given most support first, then by name."""
    used = (
        select(Support.supporter_id, func.count().label("n"))
        .where(Support.commune_id == commune_id)
        .group_by(Support.supporter_id)
        .subquery()
    )
    stmt = (
        select(Supporter)
        .outerjoin(used, used.c.supporter_id == Supporter.id)
        .where(Supporter.commune_id == commune_id)
    )
    if active_only:
        stmt = stmt.where(Supporter.active.is_(True))  # type: ignore[attr-defined]
    stmt = stmt.order_by(func.coalesce(used.c.n, 0).desc(), Supporter.name_key, Supporter.id)
    return list((await db.execute(stmt)).scalars().all())


def supporter_name(name: str) -> str:
    """A supporter's name as kept: NFC, spaces collapsed, at most 200 characters."""
    return " ".join(nfc(name).split())[:200]


async def find_supporter(db: AsyncSession, *, commune_id: int, name: str) -> Supporter | None:
    """By name, whatever the accents, case or spacing."""
    stmt = select(Supporter).where(
        Supporter.commune_id == commune_id,
        Supporter.name_key == fold(supporter_name(name))[:200],
    )
    return (await db.execute(stmt)).scalar_one_or_none()


async def supporter_for(
    db: AsyncSession,
    *,
    commune_id: int,
    name: str,
    kind: str,
    actor: str,
    contact_person_id: int | None = None,
    phone: str | None = None,
) -> tuple[Supporter, bool]:
    """The commune's supporter with this name, created (with this kind) when there is none;
    (supporter, created)."""
    if kind not in support_data().supporter_codes:
        raise SupportRefused("unknown_supporter_kind")
    clean = supporter_name(name)
    if len(clean) < 2:
        raise SupportRefused("name_too_short")
    found = await find_supporter(db, commune_id=commune_id, name=clean)
    if found is not None:
        return found, False
    supporter = Supporter(
        commune_id=commune_id,
        name=clean,
        name_key=fold(clean)[:200],
        kind=kind,
        contact_person_id=contact_person_id,
        phone=phone,
    )
    try:
        async with db.begin_nested():
            db.add(supporter)
            await db.flush()
    except IntegrityError:  # typed at the same moment in another chat: that one stands
        found = await find_supporter(db, commune_id=commune_id, name=clean)
        assert found is not None
        return found, False
    record(
        db,
        actor=actor,
        action="supporter.create",
        entity=f"supporter:{supporter.id}",
        after=supporter_public(supporter),
    )
    return supporter, True


async def update_contact(
    db: AsyncSession,
    *,
    supporter: Supporter,
    contact_person_id: int | None,
    phone: str | None,
    actor: str,
) -> None:
    """Who speaks for the supporter (the monthly nudge goes to them) and its phone; None keeps."""
    before = {"contact_person_id": supporter.contact_person_id, "phone": supporter.phone}
    if contact_person_id is not None:
        supporter.contact_person_id = contact_person_id
    if phone is not None:
        supporter.phone = phone
    record(
        db,
        actor=actor,
        action="supporter.update",
        entity=f"supporter:{supporter.id}",
        before=before,
        after={"contact_person_id": supporter.contact_person_id, "phone": supporter.phone},
    )


# ---- supports --------------------------------------------------------------------------------


async def record_support(
    db: AsyncSession,
    *,
    household: Household,
    supporter: Supporter,
    kind: str,
    value: int | None,
    given_on: date,
    today: date,
    recorded_by: int | None,
    source: str,
    idempotency_key: str | None,
    actor: str,
    note: str | None = None,
) -> tuple[Support, bool]:
    """Store one support once per idempotency key; (support, created)."""
    if idempotency_key is not None:
        stmt = select(Support).where(Support.idempotency_key == idempotency_key)
        existing = (await db.execute(stmt)).scalar_one_or_none()
        if existing is not None:
            return existing, False
    if supporter.commune_id != household.commune_id:
        raise SupportRefused("supporter_elsewhere")
    code = refusal(kind, value, given_on, today)
    if code:
        raise SupportRefused(code)
    support = Support(
        household_id=household.id,  # type: ignore[arg-type]
        hamlet_id=household.hamlet_id,
        supporter_id=supporter.id,  # type: ignore[arg-type]
        commune_id=household.commune_id,
        kind=kind,
        value=value,
        given_on=given_on,
        note=note,
        recorded_by=recorded_by,
        source=source,
        idempotency_key=idempotency_key,
    )
    try:
        async with db.begin_nested():
            db.add(support)
            await db.flush()
    except IntegrityError:  # the same confirmation, arriving twice at once
        stmt = select(Support).where(Support.idempotency_key == idempotency_key)
        return (await db.execute(stmt)).scalar_one(), False
    record(
        db,
        actor=actor,
        action="support.record",
        entity=f"support:{support.id}",
        after=support_public(support),
    )
    return support, True


def supports_query(*, root_id: int, household_id: int | None = None) -> Select[tuple[Support]]:
    """Supports given to households of the unit's subtree (or to one household)."""
    stmt = select(Support).join(Household, Household.id == Support.household_id)  # type: ignore[arg-type]
    stmt = stmt.where(Household.hamlet_id.in_(subtree_ids(root_id)))  # type: ignore[attr-defined]
    if household_id is not None:
        stmt = stmt.where(Support.household_id == household_id)
    return stmt


async def household_supports(db: AsyncSession, household_id: int) -> list[Support]:
    stmt = select(Support).where(Support.household_id == household_id)
    return list((await db.execute(stmt.order_by(Support.given_on, Support.id))).scalars().all())


async def support_events(db: AsyncSession, household_id: int) -> list[dict[str, Any]]:
    """Supports given to the household (on the day given) and its helpers (when assigned)."""
    stmt = (
        select(Support, Supporter.name)
        .join(Supporter, Supporter.id == Support.supporter_id)  # type: ignore[arg-type]
        .where(Support.household_id == household_id)
    )
    events: list[dict[str, Any]] = [
        {
            "at": datetime.combine(s.given_on, time(0), LOCAL_TZ).astimezone(UTC),
            "type": "support",
            "kind": s.kind,
            "value": s.value,
            "given_on": s.given_on.isoformat(),
            "supporter": name,
            "supporter_id": s.supporter_id,
            "note": s.note,
        }
        for s, name in (await db.execute(stmt)).all()
    ]
    stmt = (
        select(Assignment, Supporter.name)  # type: ignore[assignment]
        .join(Supporter, Supporter.id == Assignment.supporter_id)  # type: ignore[arg-type]
        .where(Assignment.household_id == household_id)
    )
    for a, name in (await db.execute(stmt)).all():
        events.append(
            {
                "at": a.created_at,
                "type": "assignment",
                "supporter": name,
                "supporter_id": a.supporter_id,
                "active": a.active,
                "ended_on": a.ended_on.isoformat() if a.ended_on else None,
            }
        )
    return events


# ---- helpers ---------------------------------------------------------------------------------


async def assign(
    db: AsyncSession,
    *,
    household: Household,
    supporter: Supporter,
    assigned_on: date,
    assigned_by: int | None,
    actor: str,
) -> tuple[Assignment, bool]:
    """The supporter helps the household from now on; (assignment, created). Assigning the same
    pair again changes nothing."""
    if supporter.commune_id != household.commune_id:
        raise SupportRefused("supporter_elsewhere")
    stmt = select(Assignment).where(
        Assignment.household_id == household.id,
        Assignment.supporter_id == supporter.id,
        Assignment.active.is_(True),  # type: ignore[attr-defined]
    )
    existing = (await db.execute(stmt)).scalars().first()
    if existing is not None:
        return existing, False
    row = Assignment(
        household_id=household.id,  # type: ignore[arg-type]
        supporter_id=supporter.id,  # type: ignore[arg-type]
        assigned_on=assigned_on,
        assigned_by=assigned_by,
    )
    db.add(row)
    await db.flush()
    record(
        db,
        actor=actor,
        action="assignment.create",
        entity=f"assignment:{row.id}",
        after={"household_id": household.id, "supporter_id": supporter.id},
    )
    return row, True


async def unassign(
    db: AsyncSession, *, household_id: int, supporter_id: int, ended_on: date, actor: str
) -> list[Assignment]:
    """End the supporter's active assignment to the household (none: nothing changes)."""
    stmt = select(Assignment).where(
        Assignment.household_id == household_id,
        Assignment.supporter_id == supporter_id,
        Assignment.active.is_(True),  # type: ignore[attr-defined]
    )
    ended = list((await db.execute(stmt)).scalars().all())
    for row in ended:
        row.active, row.ended_on = False, ended_on
        record(
            db,
            actor=actor,
            action="assignment.end",
            entity=f"assignment:{row.id}",
            before={"active": True},
            after={"active": False, "ended_on": ended_on.isoformat()},
        )
    return ended


# ---- plans -----------------------------------------------------------------------------------


async def household_plan(db: AsyncSession, household_id: int) -> HouseholdPlan | None:
    stmt = select(HouseholdPlan).where(HouseholdPlan.household_id == household_id)
    return (await db.execute(stmt)).scalar_one_or_none()


async def set_plan(
    db: AsyncSession,
    *,
    household: Household,
    target_year: int | None,
    supports: list[str],
    note: str | None,
    updated_by: int | None,
    now: datetime,
    actor: str,
) -> HouseholdPlan:
    """The household's way out: the year it aims to exit and the kinds of support agreed."""
    known = support_data().support_codes
    if any(k not in known for k in supports):
        raise SupportRefused("unknown_kind")
    if target_year is not None and not 2000 <= target_year <= 2100:
        raise SupportRefused("target_year_out_of_range")
    plan = await household_plan(db, household.id)  # type: ignore[arg-type]
    before = plan_public(plan) if plan else None
    if plan is None:
        plan = HouseholdPlan(household_id=household.id)  # type: ignore[arg-type]
        db.add(plan)
    plan.target_year, plan.note = target_year, note
    plan.supports = [k for k in known if k in supports]  # each once, in the data's order
    plan.updated_by, plan.updated_at = updated_by, now
    await db.flush()
    record(
        db,
        actor=actor,
        action="household.plan",
        entity=f"household_plan:{household.id}",
        before=before,
        after=plan_public(plan),
    )
    return plan
