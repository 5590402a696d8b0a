"""Actions of the household's "Đăng ký thoát nghèo" (/thoatngheo) and its status (/trangthai)."""

from __future__ import annotations

import re
from typing import Any

from domain.codes import ALPHABET
from domain.i18n import N_
from handlers import household_filing as filing
from handlers.actions import ActionContext
from handlers.exit_review_actions import ACTIONS as REVIEW_ACTIONS
from handlers.rate_limits import limited
from storage.exit_register import (
    ELIGIBLE,
    find_poor_households,
    hamlet_heads,
    last_changes,
    open_for_household,
    open_for_reporter,
    registration_by_ref,
    registrations_of,
)
from storage.models import Person
from storage.models_register import EXIT_REGISTRATION, Household, Submission
from storage.orgtree import unit_by_id
from storage.units_search import children, search_communes

PER_DAY = 3  # new registrations one chat may send in 24 hours
COMMUNE_CHOICES = 8  # more matches than this: ask for more of the name
REF = re.compile(rf"^TN-[{ALPHABET}]{{6}}$")
# Answers kept with the registration (the rest is the conversation's own bookkeeping).
STORED = ("kind", "name", "name_key", "household", "members", "income", "deprived", "note")


def _open(sub: Submission) -> dict[str, Any]:
    return {
        "status": "open",
        "ref": sub.ref,
        "state": sub.status,
        "at": sub.submitted_at.isoformat(),
    }


EXIT = filing.Paper(
    kind=EXIT_REGISTRATION,
    flow="exit",
    ref=REF,
    stored=STORED,
    note="note",
    per_day=PER_DAY,
    by_ref=registration_by_ref,
    open_for_household=open_for_household,
    open_for_reporter=open_for_reporter,
    card=_open,
)


async def exit_start(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """A correction (ref given), the registration already in progress, or a new one."""
    person_id = filing.household_person(ctx)
    ref = filing.parse_ref(EXIT, str(args.get("arg") or ""))
    if ref:
        sub = await registration_by_ref(ctx.db, ref)
        if sub is None or person_id is None or sub.reporter_id != person_id:
            return filing.denied(ctx, EXIT, sub, ref)
        if sub.status != "returned":
            return {**_open(sub), "status": "not_returned"}
        return await filing.fix_card(ctx, EXIT, sub)
    if person_id is not None:
        sub = await open_for_reporter(ctx.db, reporter_id=person_id)
        if sub is not None:
            return await filing.fix_card(ctx, EXIT, sub) if sub.status == "returned" else _open(sub)
    refused = await limited(ctx, kind=EXIT_REGISTRATION, per_day=PER_DAY)
    if refused:
        return refused
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
        "household": filing.household_card(household) if household else None,
        "begin": await filing.hamlet_begin(ctx, hamlet),
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
    return await filing.hamlet_begin(ctx, hamlet)


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
    return {"status": match, "household": filing.household_card(household) if household else None}


async def exit_submit(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """Store once per flow run (see filing.file_paper); tell the hamlet heads."""
    reply, filed = await filing.file_paper(ctx, EXIT)
    if filed is None:
        return reply
    msgid = (
        N_("Registration {ref} from the household of {name} was corrected and sent again.")
        if filed.resent
        else N_(
            "New registration to exit poverty {ref} from the household of {name}. "
            "Please bring it to the hamlet meeting and record the meeting's vote here."
        )
    )
    for head in await hamlet_heads(ctx.db, hamlet_id=filed.hamlet_id):
        ctx.notify(
            head,
            msgid,
            ref=filed.ref,
            name=filed.name,
            choices=(
                (f"flow:exit_review:{filed.ref}", N_("Review")),
                ("flow:meeting", N_("Hold the hamlet meeting")),
            ),
        )
    return reply


async def exit_status(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """Only this chat's own registrations: a household sees nothing of anyone else's."""
    person_id = filing.household_person(ctx)
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
