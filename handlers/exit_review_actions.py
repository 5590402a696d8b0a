"""Actions of the hamlet head's look at exit registrations (/xacnhan): own hamlet only. Only the
hamlet meeting (handlers/meeting_actions.py) passes a registration; here it can be returned."""

from __future__ import annotations

from typing import Any

from domain.i18n import N_
from handlers.actions import ActionContext
from storage.audit import record
from storage.exit_register import hamlet_review, pending_in_hamlet, registration_by_ref
from storage.models_register import Household, Submission
from storage.orgtree import unit_by_id

PAGE = 5


async def review_list(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    hamlet_id = ctx.user.get("unit_id")
    if hamlet_id is None:
        return {"ok": False}
    page = int(args.get("page", 0))
    subs, total = await pending_in_hamlet(
        ctx.db, hamlet_id=hamlet_id, limit=PAGE, offset=PAGE * page
    )
    return {
        "ok": True,
        "total": total,
        "items": [
            {"ref": s.ref, "name": s.answers.get("name", ""), "at": s.submitted_at.isoformat()}
            for s in subs
        ],
    }


async def _scoped(
    ctx: ActionContext, ref: str, *, for_update: bool = False
) -> tuple[Submission | None, dict[str, Any] | None]:
    """The registration if it is this hamlet head's to review, else the refusal to show."""
    sub = await registration_by_ref(ctx.db, ref, for_update=for_update)
    if sub is None:
        return None, {"status": "missing", "ref": ref}
    if sub.hamlet_id != ctx.user.get("unit_id"):
        record(
            ctx.db,
            actor=f"person:{ctx.user.get('person_id')}",
            action="scope.denied",
            entity=f"submission:{sub.id}",
            after={"flow": "exit_review", "hamlet_id": ctx.user.get("unit_id")},
        )
        return None, {"status": "denied", "ref": sub.ref}
    if sub.status != "submitted":
        return None, {"status": "stale", "ref": sub.ref, "state": sub.status}
    return sub, None


async def review_load(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    sub, refusal = await _scoped(ctx, str(args.get("ref", "")))
    if sub is None:
        return refusal or {}
    household = await ctx.db.get(Household, sub.household_id) if sub.household_id else None
    hamlet = await unit_by_id(ctx.db, sub.hamlet_id)
    return {
        "status": "ok",
        "ref": sub.ref,
        "at": sub.submitted_at.isoformat(),
        "revision": sub.revision,
        "answers": sub.answers,
        "note": sub.note,
        "area": hamlet.area if hamlet else "rural",
        "standard_id": (sub.result or {}).get("standard"),
        "household": (
            {
                "code": household.code,
                "head_name": household.head_name,
                "status": household.status,
                "members": household.members,
            }
            if household
            else None
        ),
    }


async def review_decide(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """Return to the household with a reason, which it hears in its own language. Confirming is
    the hamlet meeting's vote, not a tap here."""
    sub, refusal = await _scoped(ctx, str(args.get("ref", "")), for_update=True)
    if sub is None:
        return refusal or {}
    decision, reason = "return", str(args.get("reason") or "")
    if args.get("decision") != decision or not reason:
        return {"status": "missing", "ref": sub.ref}
    await hamlet_review(
        ctx.db,
        submission=sub,
        decision=decision,
        reason=reason,
        reviewer_id=ctx.user["person_id"],
        now=ctx.now,
    )
    ctx.notify(
        sub.reporter_id,
        N_("Your registration {ref} was returned by the hamlet head for correction: {reason}"),
        ref=sub.ref,
        reason=reason,
        choices=((f"flow:exit:fix:{sub.ref}", N_("Correct and send again")),),
    )
    return {"status": "ok", "ref": sub.ref, "decision": decision}


ACTIONS = {
    "exit.review_list": review_list,
    "exit.review_load": review_load,
    "exit.review_decide": review_decide,
}
