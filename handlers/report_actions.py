"""Actions of the hamlet head's change report: where am I, find a household, store the report."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from domain.calendar import local_day, on_time
from domain.classify import classify
from domain.procedure import decision_due, spec_for
from domain.standards import standard_for
from handlers.actions import ActionContext
from storage.audit import record
from storage.hamlet_reports import current_report, reporting_period
from storage.models_register import Household, Submission
from storage.orgtree import unit_and_parent, unit_by_id
from storage.periods import current_monthly
from storage.register import create_household, household_public, search_households, submit
from storage.requests import open_refs
from storage.rounds import current_round


async def report_begin(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    return await hamlet_context(ctx, ctx.user.get("unit_id"))


async def hamlet_context(ctx: ActionContext, hamlet_id: int | None) -> dict[str, Any]:
    """Where a report is made: the hamlet, its commune, the open period and the standard in force."""
    hamlet, commune = await unit_and_parent(ctx.db, hamlet_id)
    if hamlet is None or commune is None:
        return {"ok": False}
    period = await current_monthly(ctx.db, ctx.now)
    standards = ctx.env.get("standards")
    # The round under way decides which standard its lists fall under (QĐ 24/2021): the annual
    # review of 2026 classifies for the 2027 lists while NĐ 07/2021 is still in force.
    rnd = await current_round(ctx.db, commune_id=commune.id, now=ctx.now, standards=standards)
    return {
        "ok": True,
        "hamlet_id": hamlet.id,
        "hamlet_name": hamlet.name,
        "commune_name": commune.name,
        "area": hamlet.area,
        "standard_id": rnd.standard_id,
        "current_standard_id": standard_for(local_day(ctx.now), standards).id,
        "round_id": rnd.id,
        "round_code": rnd.code,
        "round_kind": rnd.kind,
        "decision_due": decision_due(spec_for(rnd.kind, rnd.code)).isoformat(),
        "period_id": period.id,
        "period_code": period.code,
    }


async def household_search(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    hamlet_id = ctx.user["unit_id"]
    query = str(args.get("query", ""))
    items, total = await search_households(
        ctx.db,
        hamlet_id=hamlet_id,
        query=query,
        limit=int(args.get("limit", 5)),
        offset=int(args.get("offset", 0)),
    )
    # A change already in the procedure for a household is shown when it is picked.
    waiting = await open_refs(ctx.db, [h.id for h in items])  # type: ignore[misc]
    found = [{**household_public(h), "open_ref": waiting.get(h.id)} for h in items]  # type: ignore[arg-type]
    result: dict[str, Any] = {"query": query, "total": total, "items": found}
    if total == 0:
        # A code that exists elsewhere in the commune is someone else's household: refuse, audit.
        hamlet = await unit_by_id(ctx.db, hamlet_id)
        stmt = (
            select(func.count())
            .select_from(Household)
            .where(
                Household.commune_id == (hamlet.parent_id if hamlet else None),
                func.lower(Household.code) == query.strip().lower(),
            )
        )
        if (await ctx.db.execute(stmt)).scalar_one():
            result["denied"] = True
            record(
                ctx.db,
                actor=f"person:{ctx.user.get('person_id')}",
                action="scope.denied",
                entity=f"household_code:{query.strip()[:40]}",
                after={"hamlet_id": hamlet_id},
            )
    return result


async def report_submit(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """Store the report once per flow run; the class is recomputed here from the answers."""
    a = dict(ctx.answers)
    begin = ctx.vars["begin"]
    hamlet = await unit_by_id(ctx.db, begin["hamlet_id"])
    assert hamlet is not None
    actor = f"person:{ctx.user.get('person_id')}"
    result: dict[str, Any] = {}
    members = a.get("members") or a.get("new_members") or (a.get("household") or {}).get("members")
    if "income" in a and "deprived" in a:
        result = classify(
            area=begin["area"],
            household_income=int(a["income"]),
            members=int(members or 1),
            deprived=a["deprived"],
            standard=begin["standard_id"],
            standards=ctx.env.get("standards"),
        ).to_json()
    key = f"{ctx.channel}:{ctx.chat_id}:{ctx.vars['run']}"
    household_id = (a.get("household") or {}).get("id")
    if household_id is None and a.get("new_name"):
        # Only create the household once even if this action runs again for the same run.
        existing = await submit_existing(ctx, key)
        if existing is not None:
            return existing
        household = await create_household(
            ctx.db,
            hamlet=hamlet,
            head_name=a["new_name"],
            members=int(a["new_members"]),
            ethnic_minority=bool(a.get("new_dtts")),
            phone=a.get("phone"),
            actor=actor,
        )
        household_id = household.id
    answers = {
        k: v for k, v in a.items() if not k.startswith("_") and k not in ("find", "household")
    }
    if members:
        answers["members"] = int(members)
    resubmits = None
    if ctx.vars.get("load"):
        resubmits = await _returned(ctx, ctx.vars["load"]["ref"])
        if resubmits is None:  # decided or withdrawn while the correction was being made
            return {"ref": ctx.vars["load"]["ref"], "created": False, "id": None}
    new = await submit(
        ctx.db,
        resubmits=resubmits,
        idempotency_key=key,
        kind=a["kind"],
        source="hamlet_head",
        household_id=household_id,
        hamlet=hamlet,
        period_id=begin["period_id"],
        reporter_id=ctx.user.get("person_id"),
        answers=answers,
        result=result,
        note=a.get("note"),
        now=ctx.now,
        actor=actor,
    )
    return {
        "ref": new.submission.ref,
        "created": new.created,
        "id": new.submission.id,
        "period_report": await period_report_due(ctx, hamlet.id),  # type: ignore[arg-type]
    }


async def period_report_due(ctx: ActionContext, hamlet_id: int) -> dict[str, Any] | None:
    """The period report the hamlet can still send (/baocaoky), to remind the hamlet head of it
    after a change report: a change report does not count as the period's report, and a hamlet
    that sent only changes shows as missing to the commune. None when it can no longer change."""
    period = await reporting_period(ctx.db, ctx.now)
    current = await current_report(ctx.db, period_id=period.id, hamlet_id=hamlet_id)  # type: ignore[arg-type]
    if current is not None and (
        current.status == "approved" or not on_time(ctx.now, period.hamlet_deadline)
    ):
        return None
    return {
        "period_code": period.code,
        "hamlet_deadline": period.hamlet_deadline.isoformat(),
        "sent": current is not None,
    }


async def _returned(ctx: ActionContext, ref: str) -> Submission | None:
    stmt = (
        select(Submission)
        .where(Submission.ref == ref, Submission.status == "returned")
        .with_for_update()
    )
    sub = (await ctx.db.execute(stmt)).scalar_one_or_none()
    return sub if sub is not None and sub.hamlet_id == ctx.user.get("unit_id") else None


async def report_load(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """A returned change report of the hamlet head's own hamlet, to correct and resubmit."""
    ref = str(args.get("ref", ""))[:16]
    sub = (
        await ctx.db.execute(select(Submission).where(Submission.ref == ref))
    ).scalar_one_or_none()
    if sub is None or sub.source != "hamlet_head":
        return {"ok": False, "reason": "missing", "ref": ref}
    if sub.hamlet_id != ctx.user.get("unit_id"):
        record(
            ctx.db,
            actor=f"person:{ctx.user.get('person_id')}",
            action="scope.denied",
            entity=f"submission:{sub.id}",
            after={"hamlet_id": ctx.user.get("unit_id")},
        )
        return {"ok": False, "reason": "missing", "ref": ref}
    if sub.status != "returned":
        return {"ok": False, "reason": "not_returned", "ref": ref}
    begin = await hamlet_context(ctx, sub.hamlet_id)
    answers = dict(sub.answers)
    if sub.household_id is not None:
        household = await ctx.db.get(Household, sub.household_id)
        if household is not None:
            answers["household"] = household_public(household)
            answers.pop("new_name", None)  # already created; the correction is about it
    return {
        "ok": True,
        "ref": ref,
        "begin": begin,
        "answers": answers,
        "reason_text": sub.decision_reason,
    }


async def submit_existing(ctx: ActionContext, key: str) -> dict[str, Any] | None:
    sub = (
        await ctx.db.execute(select(Submission).where(Submission.idempotency_key == key))
    ).scalar_one_or_none()
    return None if sub is None else {"ref": sub.ref, "created": False, "id": sub.id}


ACTIONS = {
    "report.begin": report_begin,
    "household.search": household_search,
    "report.submit": report_submit,
    "report.load": report_load,
}
