"""Actions of the household's "Đăng ký thoát nghèo" (/thoatngheo) and its status (/trangthai)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from domain.classify import classify
from domain.codes import ALPHABET
from domain.i18n import N_, fold
from handlers.actions import ActionContext
from handlers.exit_review_actions import ACTIONS as REVIEW_ACTIONS
from handlers.report_actions import hamlet_context
from storage.audit import record
from storage.exit_register import (
    ELIGIBLE,
    find_poor_households,
    hamlet_heads,
    last_changes,
    link_household_chat,
    open_for_household,
    open_for_reporter,
    registration_by_ref,
    registrations_of,
)
from storage.models import OrgUnit, Person, RateEvent
from storage.models_register import EXIT_REGISTRATION, Household, Submission
from storage.orgtree import unit_by_id
from storage.people import count_recent, describe_person
from storage.register import submit
from storage.units_search import children, search_communes

PER_DAY = 3  # new registrations one chat may send in 24 hours
COMMUNE_CHOICES = 8  # more matches than this: ask for more of the name
REF = re.compile(rf"^TN-[{ALPHABET}]{{6}}$")
# Answers kept with the registration (the rest is the conversation's own bookkeeping).
STORED = ("kind", "name", "name_key", "household", "members", "income", "deprived", "note")


async def hamlet_begin(ctx: ActionContext, hamlet: OrgUnit) -> dict[str, Any]:
    """What assess.py needs to know about the place: area, standard in force, open period."""
    return await hamlet_context(ctx, hamlet.id)


def _household_person(ctx: ActionContext) -> int | None:
    return ctx.user.get("person_id") if ctx.user.get("role") == "household" else None


def _ref(arg: str) -> str | None:
    ref = arg.strip().upper().removeprefix("FIX:").strip()
    return ref if REF.match(ref) else None


def household_card(h: Household) -> dict[str, Any]:
    return {"id": h.id, "code": h.code, "head_name": h.head_name, "status": h.status}


def _open(sub: Submission) -> dict[str, Any]:
    return {
        "status": "open",
        "ref": sub.ref,
        "state": sub.status,
        "at": sub.submitted_at.isoformat(),
    }


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


async def _limited(ctx: ActionContext) -> dict[str, Any] | None:
    count, oldest = await count_recent(
        ctx.db,
        kind=EXIT_REGISTRATION,
        channel=ctx.channel,
        chat_id=ctx.chat_id,
        since=ctx.now - timedelta(hours=24),
    )
    if count < PER_DAY or oldest is None:
        return None
    wait = oldest + timedelta(hours=24) - ctx.now
    hours = max(1, -(-int(wait.total_seconds()) // 3600))  # rounded up
    return {"status": "limited", "limit": PER_DAY, "hours": hours}


async def exit_start(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """A correction (ref given), the registration already in progress, or a new one."""
    person_id = _household_person(ctx)
    ref = _ref(str(args.get("arg") or ""))
    if ref:
        sub = await registration_by_ref(ctx.db, ref)
        if sub is None or person_id is None or sub.reporter_id != person_id:
            if sub is not None:
                record(
                    ctx.db,
                    actor=f"person:{person_id}" if person_id else f"{ctx.channel}:{ctx.user_id}",
                    action="scope.denied",
                    entity=f"submission:{sub.id}",
                    after={"flow": "exit", "ref": ref},
                )
            return {"status": "denied", "ref": ref}
        if sub.status != "returned":
            return {**_open(sub), "status": "not_returned"}
        return await _fix(ctx, sub)
    if person_id is not None:
        sub = await open_for_reporter(ctx.db, reporter_id=person_id)
        if sub is not None:
            return await _fix(ctx, sub) if sub.status == "returned" else _open(sub)
    limited = await _limited(ctx)
    if limited:
        return limited
    person = await ctx.db.get(Person, person_id) if person_id else None
    hamlet = await unit_by_id(ctx.db, person.org_unit_id) if person else None
    if person is None or hamlet is None:
        return {"status": "new"}
    # A linked household registers again (e.g. after a refusal): the place and name are known.
    household = await ctx.db.get(Household, person.household_id) if person.household_id else None
    if household is not None and household.status not in ELIGIBLE:
        return {"status": "not_eligible", "klass": household.status}
    if household is not None:
        sub = await open_for_household(
            ctx.db, household_id=household.id, hamlet_id=hamlet.id, name=person.name
        )  # type: ignore[arg-type]
        if sub is not None:
            return _open(sub)
    return {
        "status": "known",
        "name": person.name,
        "household": household_card(household) if household else None,
        "begin": await hamlet_begin(ctx, hamlet),
    }


async def exit_communes(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    query = str(args.get("query", ""))
    hits = await search_communes(ctx.db, query=query)
    return {
        "query": query,
        "total": len(hits),
        "items": [
            {"id": h.id, "name": h.name, "parent": h.parent_name} for h in hits[:COMMUNE_CHOICES]
        ],
    }


async def exit_hamlets(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    hamlets = await children(ctx.db, parent_id=int(args["commune_id"]))
    return {"items": [{"id": h.id, "name": h.name} for h in hamlets]}


async def exit_begin(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    hamlet = await unit_by_id(ctx.db, int(args["hamlet_id"]))
    if hamlet is None or hamlet.parent_id != int(args["commune_id"]):
        return {"ok": False}
    return await hamlet_begin(ctx, hamlet)


async def exit_match(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """One household: take it; several: the flow asks members, then phone; none: unmatched."""
    hamlet_id = ctx.vars["begin"]["hamlet_id"]
    name = str(args["name"])
    found = await find_poor_households(
        ctx.db,
        hamlet_id=hamlet_id,
        name=name,
        members=args.get("members"),
        phone=args.get("phone"),
    )
    household = found[0] if len(found) == 1 else None
    match = "one" if household else "several" if found else "none"
    if match == "several" and args.get("phone") is not None:
        match = "none"  # still ambiguous after members and phone: the officer will sort it out
    if match != "several":
        sub = await open_for_household(
            ctx.db,
            household_id=household.id if household else None,
            hamlet_id=hamlet_id,
            name=name,
        )
        if sub is not None and sub.ref != args.get("editing"):
            return _open(sub)
    return {"status": match, "household": household_card(household) if household else None}


def _stored_answers(a: dict[str, Any]) -> dict[str, Any]:
    out = {k: a[k] for k in STORED if a.get(k) is not None}
    out["kind"] = EXIT_REGISTRATION
    out["name_key"] = fold(a["name"])
    out["members"] = int(a["members"])
    return out


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


async def exit_submit(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """Store once per flow run; link the chat to a household person; tell the hamlet head."""
    key = f"{ctx.channel}:{ctx.chat_id}:{ctx.vars['run']}"
    same = (
        await ctx.db.execute(select(Submission).where(Submission.idempotency_key == key))
    ).scalar_one_or_none()
    if same is not None:
        return {"status": "ok", "ref": same.ref, "created": False}
    a, begin, fix = ctx.answers, ctx.vars["begin"], ctx.vars.get("fix")
    hamlet = await unit_by_id(ctx.db, begin["hamlet_id"])
    assert hamlet is not None
    household_id = (a.get("household") or {}).get("id")
    if household_id is not None:  # serialise two chats registering the same household
        await ctx.db.get(Household, household_id, with_for_update=True)
    person_id = _household_person(ctx)
    resubmits = None
    if fix:
        resubmits = await registration_by_ref(ctx.db, fix["ref"], for_update=True)
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
        kind=EXIT_REGISTRATION,
        source="household",
        household_id=household_id,
        hamlet=hamlet,
        period_id=begin["period_id"],
        reporter_id=person_id,
        answers=answers,
        result=result,
        note=a.get("note"),
        now=ctx.now,
        actor=f"person:{person_id}",
        resubmits=resubmits,
    )
    if resubmits is None:
        ctx.db.add(
            RateEvent(kind=EXIT_REGISTRATION, channel=ctx.channel, chat_id=ctx.chat_id, at=ctx.now)
        )
    msgid = (
        N_("Registration {ref} from the household of {name} was corrected and sent again.")
        if resubmits
        else N_(
            "New registration to exit poverty {ref} from the household of {name}. "
            "Please bring it to the hamlet meeting and record the meeting's vote here."
        )
    )
    for head in await hamlet_heads(ctx.db, hamlet_id=hamlet.id):  # type: ignore[arg-type]
        ctx.notify(
            head,
            msgid,
            ref=new.submission.ref,
            name=a["name"],
            choices=(
                (f"flow:exit_review:{new.submission.ref}", N_("Review")),
                ("flow:meeting", N_("Hold the hamlet meeting")),
            ),
        )
    return {"status": "ok", "ref": new.submission.ref, "created": new.created}


async def exit_status(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """Only this chat's own registrations: a household sees nothing of anyone else's."""
    person_id = _household_person(ctx)
    subs = await registrations_of(ctx.db, reporter_id=person_id) if person_id else []
    changed = await last_changes(ctx.db, subs)
    return {
        "items": [
            {
                "ref": s.ref,
                "status": s.status,
                "name": s.answers.get("name", ""),
                "at": s.submitted_at.isoformat(),
                "changed": changed[s.ref].isoformat(),
                "reason": s.decision_reason,
                "revision": s.revision,
            }
            for s in subs
        ]
    }


ACTIONS = {
    "exit.start": exit_start,
    "exit.communes": exit_communes,
    "exit.hamlets": exit_hamlets,
    "exit.begin": exit_begin,
    "exit.match": exit_match,
    "exit.submit": exit_submit,
    "exit.status": exit_status,
    **REVIEW_ACTIONS,
}
