"""What the household's two papers share: the exit registration (/thoatngheo) and the request to
be reviewed (/denghi, Mẫu 01). Both are filed alike: once per flow run, one at a time for a
household, a correction sent again in place of the returned paper, a few new ones a day per chat,
the chat linked to a household person. A `Paper` names the parts in which they differ."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from domain.classify import classify
from domain.i18n import fold
from handlers.actions import ActionContext
from handlers.rate_limits import limited
from handlers.report_actions import hamlet_context
from storage.audit import record
from storage.exit_register import link_household_chat
from storage.models import OrgUnit, Person, RateEvent
from storage.models_register import Household, Submission
from storage.orgtree import unit_by_id
from storage.people import describe_person
from storage.register import submit

Find = Callable[..., Awaitable[Submission | None]]


@dataclass(frozen=True)
class Paper:
    """One kind of household paper: its storage functions and its own answers."""

    kind: str  # the submission's kind, its rate events' and what the chat was linked via
    flow: str  # the conversation's name, as the audit log of a denied ref gives it
    ref: re.Pattern[str]  # what a reference of this kind looks like
    stored: tuple[str, ...]  # answers kept with the paper (the rest is the flow's bookkeeping)
    note: str  # the answer shown on the officer's card as the paper's note
    per_day: int  # new papers one chat may send in 24 hours
    by_ref: Find  # (db, ref, *, for_update=False)
    open_for_household: Find  # (db, *, household_id, hamlet_id, name)
    open_for_reporter: Find  # (db, *, reporter_id)
    card: Callable[[Submission], dict[str, Any]]  # a paper already in progress, for the flow


@dataclass(frozen=True)
class Filed:
    """A paper stored by `file_paper`: what the hamlet heads are told of."""

    ref: str
    resent: bool  # a correction of a returned paper, not a new one
    hamlet_id: int
    name: str


async def hamlet_begin(ctx: ActionContext, hamlet: OrgUnit) -> dict[str, Any]:
    """What assess.py needs to know about the place: area, standard in force, open period."""
    return await hamlet_context(ctx, hamlet.id)


def household_card(h: Household) -> dict[str, Any]:
    return {"id": h.id, "code": h.code, "head_name": h.head_name, "status": h.status}


def household_person(ctx: ActionContext) -> int | None:
    return ctx.user.get("person_id") if ctx.user.get("role") == "household" else None


def parse_ref(paper: Paper, arg: str) -> str | None:
    ref = arg.strip().upper().removeprefix("FIX:").strip()
    return ref if paper.ref.match(ref) else None


def denied(ctx: ActionContext, paper: Paper, sub: Submission | None, ref: str) -> dict[str, Any]:
    """Someone else's paper, or none: refused, and an attempt on a real one is logged."""
    person_id = household_person(ctx)
    if sub is not None:
        record(
            ctx.db,
            actor=f"person:{person_id}" if person_id else f"{ctx.channel}:{ctx.user_id}",
            action="scope.denied",
            entity=f"submission:{sub.id}",
            after={"flow": paper.flow, "ref": ref},
        )
    return {"status": "denied", "ref": ref}


async def fix_card(ctx: ActionContext, paper: Paper, sub: Submission) -> dict[str, Any]:
    """A returned paper to correct: its reason, its answers, its place."""
    hamlet = await unit_by_id(ctx.db, sub.hamlet_id)
    assert hamlet is not None
    return {
        "status": "fix",
        "ref": sub.ref,
        "reason": sub.decision_reason,
        "answers": {k: v for k, v in sub.answers.items() if k in paper.stored},
        "begin": await hamlet_begin(ctx, hamlet),
    }


def stored_answers(paper: Paper, a: dict[str, Any]) -> dict[str, Any]:
    out = {k: a[k] for k in paper.stored if a.get(k) is not None}
    out["kind"] = paper.kind
    out["name_key"] = fold(a["name"])
    out["members"] = int(a["members"])
    return out


async def link_chat(
    ctx: ActionContext, *, name: str, hamlet_id: int, household_id: int | None, via: str
) -> Person:
    """The chat that sent a paper becomes a household person (storage's link_household_chat),
    and the conversation knows it as one from now on."""
    person = await link_household_chat(
        ctx.db,
        channel=ctx.channel,
        user_id=ctx.user_id,
        chat_id=ctx.chat_id,
        name=name,
        hamlet_id=hamlet_id,
        household_id=household_id,
        locale=ctx.locale,
        via=via,
    )
    ctx.user.update(await describe_person(ctx.db, person))
    return person


async def _already(ctx: ActionContext, key: str) -> Submission | None:
    stmt = select(Submission).where(Submission.idempotency_key == key)
    return (await ctx.db.execute(stmt)).scalar_one_or_none()


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


async def file_paper(ctx: ActionContext, paper: Paper) -> tuple[dict[str, Any], Filed | None]:
    """Store the flow's answers once per flow run and link the chat to a household person.
    Returns the flow's reply and, when this call stored the paper, what the heads are told."""
    key = f"{ctx.channel}:{ctx.chat_id}:{ctx.vars['run']}"
    same = await _already(ctx, key)
    if same is not None:
        return {"status": "ok", "ref": same.ref, "created": False}, None
    a, begin, fix = ctx.answers, ctx.vars["begin"], ctx.vars.get("fix")
    hamlet = await unit_by_id(ctx.db, begin["hamlet_id"])
    assert hamlet is not None
    household_id = (a.get("household") or {}).get("id")
    if household_id is not None:  # serialise two chats filing for the same household
        await ctx.db.get(Household, household_id, with_for_update=True)
    person_id = household_person(ctx)
    resubmits = None
    if fix:
        resubmits = await paper.by_ref(ctx.db, fix["ref"], for_update=True)
        if resubmits is None or resubmits.reporter_id != person_id:
            return {"status": "denied", "ref": fix["ref"]}, None
        if resubmits.status != "returned":
            return {**paper.card(resubmits), "status": "not_returned"}, None
    else:
        sub = await paper.open_for_household(
            ctx.db, household_id=household_id, hamlet_id=hamlet.id, name=a["name"]
        )
        if sub is None and person_id is not None:
            sub = await paper.open_for_reporter(ctx.db, reporter_id=person_id)
        if sub is not None:
            return paper.card(sub), None
        refused = await limited(ctx, kind=paper.kind, per_day=paper.per_day)
        if refused:
            return refused, None
    answers = stored_answers(paper, a)
    result = classify(
        area=begin["area"],
        household_income=int(a["income"]),
        members=answers["members"],
        deprived=a["deprived"],
        standard=begin["standard_id"],
        standards=ctx.env.get("standards"),
    ).to_json()
    if person_id is None:
        person = await link_chat(
            ctx,
            name=a["name"],
            hamlet_id=hamlet.id,  # type: ignore[arg-type]
            household_id=household_id,
            via=paper.kind,
        )
        person_id = person.id
    else:
        await _attach_household(ctx, person_id, household_id)
    if resubmits is not None and resubmits.household_id != household_id:
        resubmits.household_id = household_id  # the name was corrected to another household
    new = await submit(
        ctx.db,
        idempotency_key=key,
        kind=paper.kind,
        source="household",
        household_id=household_id,
        hamlet=hamlet,
        period_id=begin["period_id"],
        reporter_id=person_id,
        answers=answers,
        result=result,
        note=a.get(paper.note),
        now=ctx.now,
        actor=f"person:{person_id}",
        resubmits=resubmits,
    )
    if resubmits is None:
        ctx.db.add(RateEvent(kind=paper.kind, channel=ctx.channel, chat_id=ctx.chat_id, at=ctx.now))
    reply = {"status": "ok", "ref": new.submission.ref, "created": new.created}
    filed = Filed(
        ref=new.submission.ref,
        resent=resubmits is not None,
        hamlet_id=hamlet.id,  # type: ignore[arg-type]
        name=a["name"],
    )
    return reply, filed
