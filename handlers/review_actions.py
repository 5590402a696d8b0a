"""Actions of the officer's review: the pending list, one submission's card, the decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.flows.assess import CLASS_LABELS, KIND_LABELS
from domain.decision_lists import CLOSING_KINDS, State, expected
from domain.i18n import N_
from domain.procedure import ACCEPTED, REVIEW_REQUEST, needs_meeting, stage
from handlers.actions import ActionContext
from handlers.notify import Notice
from storage.models_register import EXIT_REGISTRATION, Household, Submission
from storage.register import MeetingRequired, decidable_states, decide
from storage.review_queue import by_ref, in_scope, names, pending

NOTICES = {
    "approve": N_("{kind} {ref} ({household}): approved by the commune."),
    "return": N_(
        "{kind} {ref} ({household}): returned by the commune for correction. Reason: {reason}"
    ),
    "reject": N_("{kind} {ref} ({household}): rejected by the commune. Reason: {reason}"),
}
ACCEPTED_NOTICE = N_(
    "{kind} {ref} ({household}): accepted by the commune onto the round's list. It becomes "
    "official with the commune's decision after the list is posted publicly."
)
APPROVED_WITH_STATUS = N_(
    "{kind} {ref} ({household}): approved by the commune. The household's status is now: {status}."
)
FIX_REPORT = N_("Fix the report")
FIX_REGISTRATION = N_("Correct and send again")  # the same words as the hamlet's return
# The flow a returned paper is corrected in: the household's own, else the hamlet head's report.
FIX_FLOWS = {EXIT_REGISTRATION: "exit", REVIEW_REQUEST: "request"}


def _scope_unit(ctx: ActionContext) -> tuple[bool, int | None]:
    """(allowed, unit id): a linked officer needs a unit; an admin without one sees every
    commune. Anyone else is refused."""
    unit_id = ctx.user.get("unit_id")
    if ctx.user.get("person_id") is None:
        return False, None
    if unit_id is None and ctx.user.get("role") != "admin":
        return False, None
    return True, unit_id


async def _covers(ctx: ActionContext, sub: Submission) -> bool:
    ok, unit_id = _scope_unit(ctx)
    return ok and await in_scope(
        ctx.db,
        submission=sub,
        unit_id=unit_id,
        person_id=ctx.user.get("person_id"),
        everywhere=ctx.user.get("role") == "admin",
    )


def _typed_name(sub: Submission) -> str:
    a = sub.answers or {}
    return str(a.get("head_name") or a.get("name") or a.get("new_name") or "?")


async def review_list(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    ok, unit_id = _scope_unit(ctx)
    if not ok:
        return {"ok": False}
    subs, total = await pending(
        ctx.db, unit_id=unit_id, limit=int(args.get("limit", 5)), offset=int(args.get("offset", 0))
    )
    households, units, _ = await names(ctx.db, subs)
    items = []
    for s in subs:
        h = households.get(s.household_id) if s.household_id else None
        hamlet = units.get(s.hamlet_id)
        items.append(
            {
                "ref": s.ref,
                "kind": s.kind,
                "name": h.head_name if h else _typed_name(s),
                "hamlet": hamlet.name if hamlet else "",
                "stage": stage(s.kind, s.status),
            }
        )
    return {"ok": True, "total": total, "items": items}


def _new_status(sub: Submission, household: Household | None) -> str | None:
    """The status approval would give the household (what decide() does), for the confirmation."""
    if household is None or sub.kind in CLOSING_KINDS:
        return None
    new = expected(sub.kind, State(household.status), (sub.result or {}).get("class")).status
    return new if new != household.status else None


async def review_open(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    ref = str(args.get("ref", ""))[:40]
    sub = await by_ref(ctx.db, ref)
    if sub is None:
        return {"found": False, "ref": ref}
    if not await _covers(ctx, sub):
        return {"found": True, "denied": True, "ref": sub.ref}
    households, units, people = await names(ctx.db, [sub])
    household = households.get(sub.household_id) if sub.household_id else None
    hamlet = units.get(sub.hamlet_id)
    reporter = people.get(sub.reporter_id) if sub.reporter_id else None
    answers = sub.answers or {}
    return {
        "found": True,
        "denied": False,
        "id": sub.id,
        "ref": sub.ref,
        "kind": sub.kind,
        "status": sub.status,
        "pending": sub.status in decidable_states(sub.kind),
        "stage": stage(sub.kind, sub.status),
        "governed": needs_meeting(sub.kind),
        "household": {"name": household.head_name, "code": household.code} if household else None,
        "typed_name": _typed_name(sub),
        "hamlet": hamlet.name if hamlet else "",
        "reporter": reporter.name if reporter else None,
        "submitted_at": sub.submitted_at.isoformat(),
        "revision": sub.revision,
        "income": answers.get("income"),
        "members": answers.get("members"),
        "cause": answers.get("cause"),
        "result": sub.result or {},
        "note": sub.note,
        "new_status": _new_status(sub, household),
        "closing": household is not None and sub.kind in CLOSING_KINDS,
        "decision_reason": sub.decision_reason,
    }


async def review_decide(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    decision = str(args["decision"])
    sub = await ctx.db.get(Submission, int(args["id"]))
    if sub is None or decision not in NOTICES:
        return {"status": "missing"}
    if not await _covers(ctx, sub):
        return {"status": "denied"}
    return await decide_and_notify(
        ctx.db,
        submission=sub,
        decision=decision,
        reason=args.get("reason"),
        officer_id=ctx.user["person_id"],
        actor=None,
        now=ctx.now,
        notices=ctx.notices,
    )


async def decide_and_notify(
    db: AsyncSession,
    *,
    submission: Submission,
    decision: str,
    reason: str | None,
    officer_id: int | None,
    actor: str | None,
    now: datetime,
    notices: list[Notice],
) -> dict[str, Any]:
    """The officer's decision, from the chat review or the admin API: decide, then queue the
    sender's notice (written to the outbox with the caller's transaction)."""
    sub = submission
    try:
        household = await decide(
            db,
            submission=sub,
            decision=decision,
            reason=reason,
            officer_id=officer_id,
            now=now,
            actor=actor,
        )
    except MeetingRequired:
        return {"status": "meeting_required", "current": sub.status}
    except ValueError:  # decided meanwhile: another officer, another chat, a replayed tap
        return {"status": "already", "current": sub.status}
    if household is None and sub.household_id:
        household = await db.get(Household, sub.household_id)
    name = household.head_name if household else _typed_name(sub)
    notified = _notify(
        notices, sub, decision, name, reason, household if sub.status == "approved" else None
    )
    return {
        "status": "ok",
        "decision": decision,
        "accepted": sub.status == ACCEPTED,
        "household_status": household.status
        if household is not None and sub.status == "approved" and sub.kind not in CLOSING_KINDS
        else None,
        "notified": notified,
    }


def _notify(
    notices: list[Notice],
    sub: Submission,
    decision: str,
    household_name: str,
    reason: str | None,
    approved: Household | None,
) -> bool:
    """Tell the sender in their own language; a returned item carries the button to fix it."""
    if sub.reporter_id is None:
        return False
    msgid, params = NOTICES[decision], {"reason": reason or ""}
    if sub.status == ACCEPTED:
        msgid = ACCEPTED_NOTICE
    translate: tuple[str, ...] = ("kind",)
    if approved is not None and approved.active and sub.kind not in CLOSING_KINDS:
        msgid, params = APPROVED_WITH_STATUS, {"status": _class_msgid(approved.status)}
        translate = ("kind", "status")
    choices: tuple[tuple[str, str], ...] = ()
    if decision == "return":
        fix = FIX_FLOWS.get(sub.kind, "report")
        label = FIX_REGISTRATION if sub.kind in FIX_FLOWS else FIX_REPORT
        choices = ((f"flow:{fix}:fix:{sub.ref}", label),)
    params = {
        "kind": KIND_LABELS.get(sub.kind, sub.kind),
        "ref": sub.ref,
        "household": household_name,
        **params,
    }
    notices.append(Notice(sub.reporter_id, msgid, params, translate, choices))
    return True


def _class_msgid(status: str) -> str:
    return CLASS_LABELS.get(status, status)


ACTIONS = {
    "review.list": review_list,
    "review.open": review_open,
    "review.decide": review_decide,
}
