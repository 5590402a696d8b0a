"""Actions of the support flows: record a support (/hotro: a hamlet head in the hamlet, an officer
in the commune), assign a helper (/phancong, officers), and the gaps nobody addresses. Every
household and supporter is checked against the user's own unit here, whatever the flow sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.calendar import local_day
from domain.support import refusal
from handlers.actions import ActionContext
from handlers.report_actions import household_search
from storage.audit import record
from storage.models import OrgUnit
from storage.models_register import Household
from storage.models_support import Supporter
from storage.orgtree import unit_by_id
from storage.register import household_public, search_households
from storage.support import SupportRefused, assign, record_support, supporter_for, supporters
from storage.support_gaps import HouseholdGaps, gaps, group_count, helpers_of, without_helper

KNOWN = 300  # supporters a flow keeps to recognise a typed name; the rest are matched on save


@dataclass(frozen=True)
class Scope:
    """Where the user may act: a hamlet head their hamlet, an officer their commune."""

    unit: OrgUnit
    commune_id: int
    hamlet_id: int | None


async def _scope(ctx: ActionContext) -> Scope | None:
    unit = await unit_by_id(ctx.db, ctx.user.get("unit_id"))
    role = ctx.user.get("role")
    if unit is None:
        return None
    if role == "hamlet_head" and unit.parent_id is not None:
        return Scope(unit, unit.parent_id, unit.id)
    if role == "officer" and unit.level == "commune":
        return Scope(unit, unit.id, None)  # type: ignore[arg-type]
    return None


def _actor(ctx: ActionContext) -> str:
    return f"person:{ctx.user.get('person_id')}"


def _denied(ctx: ActionContext, entity: str) -> None:
    record(
        ctx.db,
        actor=_actor(ctx),
        action="scope.denied",
        entity=entity,
        after={"unit_id": ctx.user.get("unit_id")},
    )


async def _household(ctx: ActionContext, scope: Scope, raw: object) -> Household | None:
    """The household when it lies in the user's hamlet or commune (else audited and None)."""
    try:
        household_id = int(raw)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
    household = await ctx.db.get(Household, household_id) if 0 < household_id < 2**31 else None
    if household is None or not household.active:
        return None
    inside = (
        household.hamlet_id == scope.hamlet_id
        if scope.hamlet_id is not None
        else household.commune_id == scope.commune_id
    )
    if not inside:
        _denied(ctx, f"household:{household_id}")
        return None
    return household


async def support_begin(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    scope = await _scope(ctx)
    if scope is None:
        return {"ok": False}
    known = await supporters(ctx.db, commune_id=scope.commune_id)
    return {
        "ok": True,
        "unit_name": scope.unit.name,
        "scope": "hamlet" if scope.hamlet_id else "commune",
        "today": local_day(ctx.now).isoformat(),
        "supporters": [{"id": s.id, "name": s.name, "kind": s.kind} for s in known[:KNOWN]],
    }


async def support_search(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """As /baocao searches (the hamlet head's hamlet), or the officer's whole commune."""
    scope = await _scope(ctx)
    if scope is None:
        return {"query": str(args.get("query", "")), "total": 0, "items": []}
    if scope.hamlet_id is not None:
        return await household_search(ctx, args)
    query = str(args.get("query", ""))
    items, total = await search_households(
        ctx.db,
        commune_id=scope.commune_id,
        query=query,
        limit=min(int(args.get("limit", 5)), 20),
        offset=int(args.get("offset", 0)),
    )
    result: dict[str, Any] = {
        "query": query,
        "total": total,
        "items": [household_public(h) for h in items],
    }
    if total == 0:
        # A code of another commune's household: someone else's to act on; refused, audited.
        stmt = (
            select(func.count())
            .select_from(Household)
            .where(func.lower(Household.code) == query.strip().lower())
        )
        if (await ctx.db.execute(stmt)).scalar_one():
            result["denied"] = True
            _denied(ctx, f"household_code:{query.strip()[:40]}")
    return result


async def _supporter(
    ctx: ActionContext, scope: Scope, args: dict[str, Any]
) -> tuple[Supporter, bool]:
    """The chosen supporter of the commune, or the one typed by name (created when new)."""
    if args.get("supporter_id") is not None:
        found = await ctx.db.get(Supporter, int(args["supporter_id"]))
        if found is None or found.commune_id != scope.commune_id:
            raise SupportRefused("supporter_elsewhere")
        return found, False
    return await supporter_for(
        ctx.db,
        commune_id=scope.commune_id,
        name=str(args.get("supporter_name") or ""),
        kind=str(args.get("supporter_kind") or "other"),
        actor=_actor(ctx),
    )


async def support_record(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """Store the support once per flow run; a new supporter joins the commune's list."""
    scope = await _scope(ctx)
    household = await _household(ctx, scope, args.get("household_id")) if scope else None
    if scope is None or household is None:
        return {"ok": False, "error": "no_household"}
    value = None if args.get("value") is None else int(args["value"])
    kind, given_on, today = (
        str(args.get("kind")),
        date.fromisoformat(args["given_on"]),
        local_day(ctx.now),
    )
    code = refusal(kind, value, given_on, today)
    if code:  # checked before a new supporter is added for nothing
        return {"ok": False, "error": code}
    try:
        supporter, new = await _supporter(ctx, scope, args)
        support, created = await record_support(
            ctx.db,
            household=household,
            supporter=supporter,
            kind=kind,
            value=value,
            given_on=given_on,
            today=today,
            recorded_by=ctx.user.get("person_id"),
            source="chat",
            idempotency_key=f"{ctx.channel}:{ctx.chat_id}:{ctx.vars['run']}",
            actor=_actor(ctx),
        )
    except SupportRefused as exc:
        return {"ok": False, "error": exc.code}
    return {
        "ok": True,
        "id": support.id,
        "created": created,
        "supporter": supporter.name,
        "new_supporter": new,
    }


def gaps_json(row: HouseholdGaps) -> dict[str, Any]:
    return {
        **household_public(row.household),
        "standard_id": row.standard_id,
        "open": [n.to_json() for n in row.open],
    }


async def gaps_summary(
    db: AsyncSession, *, root_id: int, today: date, limit: int
) -> dict[str, Any]:
    """For /tinhhinh: how many poor and near-poor households have needs nobody addresses."""
    rows = await gaps(db, root_id=root_id, today=today)
    open_ = [r for r in rows if r.open]
    return {
        "households": len(rows),
        "open": len(open_),
        "items": [gaps_json(r) for r in open_[:limit]],
    }


async def assign_list(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    scope = await _scope(ctx)
    if scope is None or scope.hamlet_id is not None:
        return {"total": 0, "households": 0, "items": []}
    found, total = await without_helper(
        ctx.db,
        root_id=scope.commune_id,
        limit=min(int(args.get("limit", 5)), 20),
        offset=int(args.get("offset", 0)),
    )
    return {
        "total": total,
        "households": await group_count(ctx.db, root_id=scope.commune_id),
        "items": [household_public(h) for h in found],
    }


async def assign_household(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """The household to help: its helpers and the needs nobody addresses yet."""
    scope = await _scope(ctx)
    household = await _household(ctx, scope, args.get("household_id")) if scope else None
    if scope is None or household is None:
        return {"ok": False, "error": "no_household"}
    rows = await gaps(
        ctx.db, root_id=scope.commune_id, today=local_day(ctx.now), household_id=household.id
    )
    helpers = (await helpers_of(ctx.db, [household.id])).get(household.id, [])  # type: ignore[list-item]
    return {
        "ok": True,
        "household": household_public(household),
        "helpers": [s.name for s in helpers],
        "standard_id": rows[0].standard_id if rows else None,
        "open": [n.to_json() for n in rows[0].open] if rows else [],
    }


async def assign_save(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    scope = await _scope(ctx)
    household = await _household(ctx, scope, args.get("household_id")) if scope else None
    if scope is None or scope.hamlet_id is not None or household is None:
        return {"ok": False, "error": "no_household"}
    try:
        supporter, new = await _supporter(ctx, scope, args)
        _, created = await assign(
            ctx.db,
            household=household,
            supporter=supporter,
            assigned_on=local_day(ctx.now),
            assigned_by=ctx.user.get("person_id"),
            actor=_actor(ctx),
        )
    except SupportRefused as exc:
        return {"ok": False, "error": exc.code}
    return {"ok": True, "created": created, "supporter": supporter.name, "new_supporter": new}


ACTIONS = {
    "support.begin": support_begin,
    "support.search": support_search,
    "support.record": support_record,
    "assign.list": assign_list,
    "assign.household": assign_household,
    "assign.save": assign_save,
}
