"""Actions of complaints during the public posting (/phananh): anyone picks a household on the
commune's posted list and says what is wrong; the commune's officer accepts or rejects it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from domain.calendar import local_day
from domain.i18n import N_, fold
from handlers.actions import ActionContext
from handlers.household_filing import link_chat
from handlers.procedure_actions import COMPLAINT_NEW, answer_complaint
from handlers.rate_limits import limited
from storage.audit import record
from storage.complaint_queue import commune_officers, open_in_commune, posting_round
from storage.complaints import ComplaintRefused, complaint_by_ref, file_complaint
from storage.models import OrgUnit, Person, RateEvent
from storage.models_procedure import Complaint, ReviewRound
from storage.models_register import Submission
from storage.orgtree import unit_by_id
from storage.review_queue import by_ref, names
from storage.rounds import posted

PER_DAY = 5  # complaints one chat may send in 24 hours
RATE_KIND = "complaint"
ANSWER = N_("Answer the complaint")


# -- the sender's side ----------------------------------------------------------------------------


async def _commune_of(ctx: ActionContext) -> OrgUnit | None:
    """The commune a linked person belongs to (a hamlet's parent), if any."""
    unit = await unit_by_id(ctx.db, ctx.user.get("unit_id"))
    if unit is not None and unit.level != "commune" and unit.parent_id is not None:
        unit = await unit_by_id(ctx.db, unit.parent_id)
    return unit if unit is not None and unit.level == "commune" else None


async def _limited(ctx: ActionContext) -> dict[str, Any] | None:
    return await limited(ctx, kind=RATE_KIND, per_day=PER_DAY)


async def complaint_start(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """A linked person's commune is known; anyone else types it (and later their hamlet)."""
    limited = await _limited(ctx)
    if limited:
        return limited
    linked = ctx.user.get("person_id") is not None
    commune = await _commune_of(ctx) if linked else None
    if commune is None:
        return {"status": "new", "linked": linked}
    return {"status": "known", "linked": True, "commune_id": commune.id}


async def complaint_posted(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """The households on the list the commune posts today."""
    commune = await unit_by_id(ctx.db, int(args["commune_id"]))
    if commune is None:
        return {"ok": False, "commune_name": ""}
    rnd = await posting_round(ctx.db, commune_id=commune.id, today=local_day(ctx.now))  # type: ignore[arg-type]
    subs = await posted(ctx.db, round_id=rnd.id) if rnd is not None else []  # type: ignore[arg-type]
    if rnd is None or not subs:
        return {"ok": False, "commune_name": commune.name}
    households, units, _ = await names(ctx.db, subs)
    items = []
    for s in subs:
        h = households.get(s.household_id) if s.household_id else None
        hamlet = units.get(s.hamlet_id)
        name = h.head_name if h else str((s.answers or {}).get("name") or "?")
        items.append(
            {
                "ref": s.ref,
                "name": name,
                "key": fold(name),
                "hamlet": hamlet.name if hamlet else "",
                "klass": (s.result or {}).get("class") or (h.status if h else "unknown"),
            }
        )
    return {
        "ok": True,
        "commune_name": commune.name,
        "round_id": rnd.id,
        "posting_ends_on": rnd.posting_ends_on.isoformat(),  # type: ignore[union-attr]
        "items": items,
    }


async def complaint_submit(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """File the complaint; a chat without a person becomes a household person of the hamlet it
    named, so the answer reaches it; the commune's officers are told."""
    a = ctx.answers
    picked = a["household"]
    sub = await by_ref(ctx.db, picked["ref"])
    if sub is None or sub.commune_id != int(a["commune_id"]):
        return {"status": "not_posted"}
    person_id = ctx.user.get("person_id")
    same = await _same(ctx, sub, person_id)
    if same is not None:
        return {"status": "ok" if same.text == a["text"] else "duplicate", "ref": same.ref}
    limited = await _limited(ctx)
    if limited:
        return limited
    hamlet = None
    if person_id is None:  # the flow offers only the hamlets of the list's commune
        hamlet = await unit_by_id(ctx.db, int(a["hamlet"]))
        if hamlet is None or hamlet.parent_id != sub.commune_id:
            return {"status": "not_posted"}
    try:
        complaint = await file_complaint(
            ctx.db,
            submission=sub,
            text=a["text"],
            sender_person_id=person_id,
            channel=ctx.channel,
            chat_id=ctx.chat_id,
            now=ctx.now,
            actor=f"person:{person_id}" if person_id else f"{ctx.channel}:{ctx.user_id}",
        )
    except ComplaintRefused as exc:
        return {"status": exc.code}
    if hamlet is not None:
        person = await link_chat(
            ctx,
            name=a["sender_name"],
            hamlet_id=hamlet.id,  # type: ignore[arg-type]
            household_id=None,
            via=RATE_KIND,
        )
        complaint.sender_person_id = person.id
    ctx.db.add(RateEvent(kind=RATE_KIND, channel=ctx.channel, chat_id=ctx.chat_id, at=ctx.now))
    for officer in await commune_officers(ctx.db, commune_id=sub.commune_id):
        ctx.notify(
            officer,
            COMPLAINT_NEW,
            ref=complaint.ref,
            household=picked["name"],
            hamlet=picked["hamlet"],
            text=complaint.text,
            choices=((f"flow:complaint:{complaint.ref}", ANSWER),),
        )
    return {"status": "ok", "ref": complaint.ref}


async def _same(ctx: ActionContext, sub: Submission, person_id: int | None) -> Complaint | None:
    """This chat's complaint about the household still waiting for an answer (one at a time)."""
    who = [Complaint.chat_id == ctx.chat_id]
    if person_id is not None:
        who.append(Complaint.sender_person_id == person_id)
    stmt = select(Complaint).where(
        Complaint.submission_id == sub.id, Complaint.status == "open", or_(*who)
    )
    return (await ctx.db.execute(stmt.limit(1))).scalars().first()


# -- the officer's side ---------------------------------------------------------------------------


def _denied(ctx: ActionContext, complaint: Complaint) -> dict[str, Any]:
    record(
        ctx.db,
        actor=f"person:{ctx.user.get('person_id')}",
        action="scope.denied",
        entity=f"complaint:{complaint.id}",
        after={"unit_id": ctx.user.get("unit_id")},
    )
    return {"found": True, "denied": True, "ref": complaint.ref}


async def _in_scope(ctx: ActionContext, complaint: Complaint) -> ReviewRound | None:
    """The complaint's round when it is of the officer's own commune."""
    rnd = await ctx.db.get(ReviewRound, complaint.round_id)
    unit_id = ctx.user.get("unit_id")
    if rnd is None or unit_id is None or rnd.commune_id != unit_id:
        return None
    return rnd


async def complaint_list(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    unit_id = ctx.user.get("unit_id")
    if unit_id is None:
        return {"ok": False}
    rows, total = await open_in_commune(ctx.db, commune_id=unit_id)
    subs = [s for s in [await ctx.db.get(Submission, k.submission_id) for k in rows] if s]
    households, units, _ = await names(ctx.db, subs)
    by_id = {s.id: s for s in subs}
    items = []
    for k in rows:
        s = by_id.get(k.submission_id)
        h = households.get(s.household_id) if s and s.household_id else None
        hamlet = units.get(s.hamlet_id) if s else None
        name = h.head_name if h else str(((s.answers if s else None) or {}).get("name") or "?")
        items.append({"ref": k.ref, "household": name, "hamlet": hamlet.name if hamlet else ""})
    return {"ok": True, "total": total, "items": items}


async def complaint_load(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    ref = str(args.get("ref", ""))[:40]
    complaint = await complaint_by_ref(ctx.db, ref)
    if complaint is None:
        return {"found": False, "ref": ref}
    if await _in_scope(ctx, complaint) is None:
        return _denied(ctx, complaint)
    sub = await ctx.db.get(Submission, complaint.submission_id)
    assert sub is not None
    households, units, _ = await names(ctx.db, [sub])
    h = households.get(sub.household_id) if sub.household_id else None
    hamlet = units.get(sub.hamlet_id)
    sender = None
    if complaint.sender_person_id is not None:
        person = await ctx.db.get(Person, complaint.sender_person_id)
        sender = person.name if person else None
    return {
        "found": True,
        "denied": False,
        "ref": complaint.ref,
        "status": complaint.status,
        "text": complaint.text,
        "reason": complaint.reason,
        "at": complaint.created_at.isoformat(),
        "sender": sender,
        "submission": {
            "ref": sub.ref,
            "kind": sub.kind,
            "name": h.head_name if h else str((sub.answers or {}).get("name") or "?"),
            "hamlet": hamlet.name if hamlet else "",
            "klass": (sub.result or {}).get("class"),
        },
    }


async def complaint_answer(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    decision = str(args.get("decision"))
    complaint = await complaint_by_ref(ctx.db, str(args.get("ref", ""))[:40])
    if complaint is None or decision not in ("accept", "reject"):
        return {"status": "missing"}
    if await _in_scope(ctx, complaint) is None:
        _denied(ctx, complaint)
        return {"status": "denied"}
    reason = (str(args.get("reason") or "")).strip() or None
    try:
        await answer_complaint(
            ctx.db,
            complaint=complaint,
            decision=decision,
            reason=reason,
            officer_id=ctx.user["person_id"],
            actor=f"person:{ctx.user['person_id']}",
            now=ctx.now,
            notices=ctx.notices,
        )
    except ComplaintRefused as exc:
        return {"status": exc.code, "current": complaint.status}
    return {
        "status": "ok",
        "decision": decision,
        "notified": complaint.sender_person_id is not None,
    }


ACTIONS = {
    "complaint.start": complaint_start,
    "complaint.posted": complaint_posted,
    "complaint.submit": complaint_submit,
    "complaint.list": complaint_list,
    "complaint.load": complaint_load,
    "complaint.answer": complaint_answer,
}
