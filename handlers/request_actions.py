"""Actions of the household's request to be reviewed (/denghi, Mẫu 01) and its status."""

from __future__ import annotations

import re
from typing import Any

from domain.classify import POOR
from domain.codes import ALPHABET
from domain.i18n import N_
from domain.procedure import REVIEW_REQUEST, stage
from handlers import household_filing as filing
from handlers.actions import ActionContext
from handlers.rate_limits import limited
from storage.exit_register import find_poor_households, hamlet_heads
from storage.models import Person
from storage.models_register import Household, Submission
from storage.orgtree import unit_by_id
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


def _open(sub: Submission) -> dict[str, Any]:
    return {
        "status": "open",
        "ref": sub.ref,
        "kind": sub.kind,
        "stage": stage(sub.kind, sub.status),
        "state": sub.status,
        "at": sub.submitted_at.isoformat(),
    }


REQUEST = filing.Paper(
    kind=REVIEW_REQUEST,
    flow="request",
    ref=REF,
    stored=STORED,
    note="reason",  # the form's "lý do đề nghị", shown on the officer's card
    per_day=PER_DAY,
    by_ref=request_by_ref,
    open_for_household=open_for_household,
    open_for_reporter=open_for_reporter,
    card=_open,
)


async def request_start(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """A correction (ref given), what is already in progress, or a new request."""
    person_id = filing.household_person(ctx)
    ref = filing.parse_ref(REQUEST, str(args.get("arg") or ""))
    if ref:
        sub = await request_by_ref(ctx.db, ref)
        if sub is None or person_id is None or sub.reporter_id != person_id:
            return filing.denied(ctx, REQUEST, sub, ref)
        if sub.status != "returned":
            return {**_open(sub), "status": "not_returned"}
        return await filing.fix_card(ctx, REQUEST, sub)
    if person_id is not None:
        sub = await open_for_reporter(ctx.db, reporter_id=person_id)
        if sub is not None:
            return (
                await filing.fix_card(ctx, REQUEST, sub)
                if sub.status == "returned" and sub.kind == REVIEW_REQUEST
                else _open(sub)
            )
    refused = await limited(ctx, kind=REVIEW_REQUEST, per_day=PER_DAY)
    if refused:
        return refused
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
        "begin": await filing.hamlet_begin(ctx, hamlet),
    }


def _card(h: Household) -> dict[str, Any]:
    return {**filing.household_card(h), "members": h.members}


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


async def request_submit(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """Store once per flow run (see filing.file_paper); tell the hamlet heads."""
    reply, filed = await filing.file_paper(ctx, REQUEST)
    if filed is None:
        return reply
    for head in await hamlet_heads(ctx.db, hamlet_id=filed.hamlet_id):
        ctx.notify(head, RESENT if filed.resent else NEW_REQUEST, ref=filed.ref, name=filed.name)
    return reply


async def request_status(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """Only this chat's own requests: a household sees nothing of anyone else's."""
    person_id = filing.household_person(ctx)
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
