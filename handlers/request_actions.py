"""Actions of the household's request to be reviewed (/denghi, Mẫu 01) and its status."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from domain.classify import POOR, classify
from domain.codes import ALPHABET
from domain.i18n import N_, fold
from domain.procedure import REVIEW_REQUEST, stage
from handlers.actions import ActionContext
from handlers.exit_actions import hamlet_begin, household_card
from handlers.rate_limits import limited
from storage.audit import record
from storage.exit_register import find_poor_households, hamlet_heads, link_household_chat
from storage.models import Person, RateEvent
from storage.models_register import Household, Submission
from storage.orgtree import unit_by_id
from storage.people import describe_person
from storage.register import submit
from storage.requests import (
    open_for_household,
    open_for_reporter,
    progress,
    request_by_ref,
    requests_of,
)

PER_DAY = 3  # new requests one chat may send in 24 hours, as for exit registrations
REF = re.compile(rf"^DN-[{ALPHABET}]{{6}}$")
# Answers kept with the request (the rest is the conversation's own bookkeeping). No identity
# number: see conversations/flows/request.py.
STORED = ("kind", "name", "name_key", "household", "members", "income", "deprived", "reason")
NEW_REQUEST = N_(
    "New request to be reviewed (Mẫu 01) {ref} from the household of {name}. "
    "It is on the agenda of the next hamlet meeting."
)
RESENT = N_("Request {ref} from the household of {name} was corrected and sent again.")


def _household_person(ctx: ActionContext) -> int | None:
    return ctx.user.get("person_id") if ctx.user.get("role") == "household" else None


def _ref(arg: str) -> str | None:
    ref = arg.strip().upper().removeprefix("FIX:").strip()
    return ref if REF.match(ref) else None


def _open(sub: Submission) -> dict[str, Any]:
    return {
        "status": "open",
        "ref": sub.ref,
        "kind": sub.kind,
        "stage": stage(sub.kind, sub.status),
        "state": sub.status,
        "at": sub.submitted_at.isoformat(),
    }


async def _limited(ctx: ActionContext) -> dict[str, Any] | None:
    return await limited(ctx, kind=REVIEW_REQUEST, per_day=PER_DAY)


async def _fix(ctx: ActionContext, sub: Submission) -> dict[str, Any]:
    hamlet = await unit_by_id(ctx.db, sub.hamlet_id)
    assert hamlet is not None
    return {
        "status": "fix",
        "ref": sub.ref,
        "reason": sub.decision_reason,
        "answers": {k: v for k, v in sub.answers.items() if k in STORED},
        "begin": await hamlet_begin(ctx, hamlet),
    }


def _denied(ctx: ActionContext, sub: Submission | None, ref: str) -> dict[str, Any]:
    person_id = _household_person(ctx)
    if sub is not None:
        record(
            ctx.db,
            actor=f"person:{person_id}" if person_id else f"{ctx.channel}:{ctx.user_id}",
            action="scope.denied",
            entity=f"submission:{sub.id}",
            after={"flow": "request", "ref": ref},
        )
    return {"status": "denied", "ref": ref}


async def request_start(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """A correction (ref given), what is already in progress, or a new request."""
    person_id = _household_person(ctx)
    ref = _ref(str(args.get("arg") or ""))
    if ref:
        sub = await request_by_ref(ctx.db, ref)
        if sub is None or person_id is None or sub.reporter_id != person_id:
            return _denied(ctx, sub, ref)
        if sub.status != "returned":
            return {**_open(sub), "status": "not_returned"}
        return await _fix(ctx, sub)
    if person_id is not None:
        sub = await open_for_reporter(ctx.db, reporter_id=person_id)
        if sub is not None:
            return (
                await _fix(ctx, sub)
                if sub.status == "returned" and sub.kind == REVIEW_REQUEST
                else _open(sub)
            )
    limited = await _limited(ctx)
    if limited:
        return limited
    person = await ctx.db.get(Person, person_id) if person_id else None
    hamlet = await unit_by_id(ctx.db, person.org_unit_id) if person else None
    if person is None or hamlet is None:
        return {"status": "new"}
    # A linked household asks (e.g. after registering to exit, or a complaint): place known.
    household = await ctx.db.get(Household, person.household_id) if person.household_id else None
    if household is not None and household.status == POOR:
        return {"status": "already_poor", "klass": household.status}
    if household is not None:
        sub = await open_for_household(
            ctx.db, household_id=household.id, hamlet_id=hamlet.id, name=person.name
        )  # type: ignore[arg-type]
        if sub is not None:
            return _open(sub)
    return {
        "status": "known",
        "name": person.name,
        "household": _card(household) if household else None,
        "begin": await hamlet_begin(ctx, hamlet),
    }


def _card(h: Household) -> dict[str, Any]:
    return {**household_card(h), "members": h.members}


async def request_match(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """Any household of the hamlet's register: one, several (the flow asks members, then
    phone) or none; a household already poor, or with a paper in progress, is told so."""
    hamlet_id = ctx.vars["begin"]["hamlet_id"]
    name = str(args["name"])
    found = await find_poor_households(
        ctx.db,
        hamlet_id=hamlet_id,
        name=name,
        members=args.get("members"),
        phone=args.get("phone"),
        statuses=None,
    )
    household = found[0] if len(found) == 1 else None
    match = "one" if household else "several" if found else "none"
    if match == "several" and args.get("phone") is not None:
        match = "none"  # still ambiguous after members and phone: the officer will sort it out
    if household is not None and household.status == POOR:
        return {"status": "already_poor", "klass": household.status}
    if match != "several":
        sub = await open_for_household(
            ctx.db,
            household_id=household.id if household else None,
            hamlet_id=hamlet_id,
            name=name,
        )
        if sub is not None and sub.ref != args.get("editing"):
            return _open(sub)
    return {"status": match, "household": _card(household) if household else None}


def _stored_answers(a: dict[str, Any]) -> dict[str, Any]:
    out = {k: a[k] for k in STORED if a.get(k) is not None}
    out["kind"] = REVIEW_REQUEST
    out["name_key"] = fold(a["name"])
    out["members"] = int(a["members"])
    return out


async def _already(ctx: ActionContext, key: str) -> Submission | None:
    stmt = select(Submission).where(Submission.idempotency_key == key)
    return (await ctx.db.execute(stmt)).scalar_one_or_none()


async def request_submit(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """Store once per flow run; link the chat to a household person; tell the hamlet head."""
    key = f"{ctx.channel}:{ctx.chat_id}:{ctx.vars['run']}"
    same = await _already(ctx, key)
    if same is not None:
        return {"status": "ok", "ref": same.ref, "created": False}
    a, begin, fix = ctx.answers, ctx.vars["begin"], ctx.vars.get("fix")
    hamlet = await unit_by_id(ctx.db, begin["hamlet_id"])
    assert hamlet is not None
    household_id = (a.get("household") or {}).get("id")
    if household_id is not None:  # serialise two chats asking for the same household
        await ctx.db.get(Household, household_id, with_for_update=True)
    person_id = _household_person(ctx)
    resubmits = None
    if fix:
        resubmits = await request_by_ref(ctx.db, fix["ref"], for_update=True)
        if resubmits is None or resubmits.reporter_id != person_id:
            return {"status": "denied", "ref": fix["ref"]}
        if resubmits.status != "returned":
            return {**_open(resubmits), "status": "not_returned"}
    else:
        sub = await open_for_household(
            ctx.db, household_id=household_id, hamlet_id=hamlet.id, name=a["name"]
        )  # type: ignore[arg-type]
        if sub is None and person_id is not None:
            sub = await open_for_reporter(ctx.db, reporter_id=person_id)
        if sub is not None:
            return _open(sub)
        limited = await _limited(ctx)
        if limited:
            return limited
    answers = _stored_answers(a)
    result = classify(
        area=begin["area"],
        household_income=int(a["income"]),
        members=answers["members"],
        deprived=a["deprived"],
        standard=begin["standard_id"],
        standards=ctx.env.get("standards"),
    ).to_json()
    if person_id is None:
        person = await link_household_chat(
            ctx.db,
            channel=ctx.channel,
            user_id=ctx.user_id,
            chat_id=ctx.chat_id,
            name=a["name"],
            hamlet_id=hamlet.id,  # type: ignore[arg-type]
            household_id=household_id,
            locale=ctx.locale,
            via=REVIEW_REQUEST,
        )
        ctx.user.update(await describe_person(ctx.db, person))
        person_id = person.id
    else:
        await _attach_household(ctx, person_id, household_id)
    if resubmits is not None and resubmits.household_id != household_id:
        resubmits.household_id = household_id  # the name was corrected to another household
    new = await submit(
        ctx.db,
        idempotency_key=key,
        kind=REVIEW_REQUEST,
        source="household",
        household_id=household_id,
        hamlet=hamlet,
        period_id=begin["period_id"],
        reporter_id=person_id,
        answers=answers,
        result=result,
        note=a.get("reason"),  # the form's "lý do đề nghị", shown on the officer's card
        now=ctx.now,
        actor=f"person:{person_id}",
        resubmits=resubmits,
    )
    if resubmits is None:
        ctx.db.add(
            RateEvent(kind=REVIEW_REQUEST, channel=ctx.channel, chat_id=ctx.chat_id, at=ctx.now)
        )
    for head in await hamlet_heads(ctx.db, hamlet_id=hamlet.id):  # type: ignore[arg-type]
        ctx.notify(
            head, RESENT if resubmits else NEW_REQUEST, ref=new.submission.ref, name=a["name"]
        )
    return {"status": "ok", "ref": new.submission.ref, "created": new.created}


async def _attach_household(ctx: ActionContext, person_id: int, household_id: int | None) -> None:
    """A linked household person matched to the register for the first time: remember it."""
    person = await ctx.db.get(Person, person_id)
    if person is None or household_id is None or person.household_id is not None:
        return
    person.household_id = household_id
    record(
        ctx.db,
        actor=f"person:{person_id}",
        action="person.update",
        entity=f"person:{person_id}",
        before={"household_id": None},
        after={"household_id": household_id},
    )


async def request_status(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """Only this chat's own requests: a household sees nothing of anyone else's."""
    person_id = _household_person(ctx)
    subs = await requests_of(ctx.db, reporter_id=person_id) if person_id else []
    where = await progress(ctx.db, subs)
    klass: dict[int, str] = {}
    for s in subs:
        if s.status == "approved" and s.household_id is not None:
            household = await ctx.db.get(Household, s.household_id)
            if household is not None:
                klass[s.household_id] = household.status
    return {
        "items": [
            {
                "ref": s.ref,
                "status": s.status,
                "name": s.answers.get("name", ""),
                "at": s.submitted_at.isoformat(),
                "reason": s.decision_reason,
                "klass": klass.get(s.household_id) if s.household_id else None,
                **where[s.ref],
            }
            for s in subs
        ]
    }


ACTIONS = {
    "request.start": request_start,
    "request.match": request_match,
    "request.submit": request_submit,
    "request.status": request_status,
}
