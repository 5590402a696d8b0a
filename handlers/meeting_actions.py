"""Actions of the hamlet meeting recorded in chat (/hopthon): the hamlet head's own hamlet only.

Each vote commits with its notice to the reporter; closing the meeting tells the commune's
officers what now waits for their review.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from conversations.flows.assess import KIND_LABELS
from domain import procedure as proc
from domain.calendar import end_of_day, local_day
from domain.i18n import N_
from handlers.actions import ActionContext
from handlers.documents_actions import minutes_document
from storage.audit import record
from storage.meetings import (
    MeetingRefused,
    agenda,
    close_meeting,
    next_on_agenda,
    open_meeting,
    start_meeting,
    vote,
    votes_of,
)
from storage.models import Person
from storage.models_procedure import HamletMeeting, ReviewRound
from storage.models_register import Household, Submission
from storage.orgtree import unit_by_id
from storage.people import commune_officers
from storage.rounds import current_round

PASSED = N_(
    "{kind} {ref} ({household}): passed by the hamlet meeting of {date}, {votes} of {present} "
    "present in favour. Next the commune reviews it and posts the list publicly; the commune "
    "chairman decides by {due}."
)
FAILED = N_(
    "{kind} {ref} ({household}): not passed by the hamlet meeting of {date}: {votes} of "
    "{present} present in favour, at least {needed} needed ({article})."
)
TO_OFFICERS = N_(
    "{hamlet}: the hamlet meeting of {date} passed {n} household(s); they wait for your review."
)
REVIEW_BUTTON = N_("Review submissions")


def _actor(ctx: ActionContext) -> str:
    return f"person:{ctx.user.get('person_id')}"


def _denied(ctx: ActionContext, entity: str) -> dict[str, Any]:
    record(
        ctx.db,
        actor=_actor(ctx),
        action="scope.denied",
        entity=entity,
        after={"flow": "meeting", "hamlet_id": ctx.user.get("unit_id")},
    )
    return {"status": "denied"}


def _name(sub: Submission, household: Household | None) -> str:
    if household is not None:
        return household.head_name
    a = sub.answers or {}
    return str(a.get("head_name") or a.get("name") or a.get("new_name") or "?")


def _meeting_public(m: HamletMeeting, voted: int = 0) -> dict[str, Any]:
    return {
        "id": m.id,
        "held_on": m.held_on.isoformat(),
        "present": m.present,
        "place": m.place,
        "secretary": m.secretary,
        "needed": proc.votes_needed(m.present),
        "voted": voted,
    }


async def _meeting(
    ctx: ActionContext, args: dict[str, Any]
) -> tuple[HamletMeeting | None, dict[str, Any]]:
    """The meeting the flow names, if it is this hamlet head's and still open."""
    meeting = await ctx.db.get(HamletMeeting, int(args.get("meeting") or 0))
    if meeting is None:
        return None, {"status": "closed"}
    if meeting.hamlet_id != ctx.user.get("unit_id"):
        return None, _denied(ctx, f"meeting:{meeting.id}")
    if meeting.status != "open":
        return None, {"status": "closed"}
    return meeting, {}


async def meeting_begin(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """The hamlet, what waits for its meeting, and a meeting left open (to continue it)."""
    hamlet = await unit_by_id(ctx.db, ctx.user.get("unit_id"))
    if hamlet is None or hamlet.parent_id is None:
        return {"ok": False}
    _, waiting = await agenda(ctx.db, hamlet_id=hamlet.id, limit=1)  # type: ignore[arg-type]
    current = await open_meeting(ctx.db, hamlet_id=hamlet.id)  # type: ignore[arg-type]
    left_open = None
    if current is not None:
        voted = await votes_of(ctx.db, meeting_id=current.id)  # type: ignore[arg-type]
        left_open = _meeting_public(current, len(voted))
    return {
        "ok": True,
        "hamlet": hamlet.name,
        "count": waiting,
        "today": local_day(ctx.now).isoformat(),
        "open": left_open,
    }


async def meeting_open(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """Open the meeting; one left open in the hamlet is closed first, with its notices."""
    hamlet = await unit_by_id(ctx.db, ctx.user.get("unit_id"))
    if hamlet is None or hamlet.parent_id is None:
        return {"status": "no_hamlet"}
    held_on = date.fromisoformat(str(args["held_on"]))
    present = int(args["present"])
    if held_on > local_day(ctx.now) or present < 1:
        return {"status": "invalid"}
    left_open = await open_meeting(ctx.db, hamlet_id=hamlet.id)  # type: ignore[arg-type]
    if left_open is not None:
        await _close(ctx, left_open, hamlet.name)
    rnd = await current_round(
        ctx.db, commune_id=hamlet.parent_id, now=ctx.now, standards=ctx.env.get("standards")
    )
    meeting = await start_meeting(
        ctx.db,
        hamlet_id=hamlet.id,  # type: ignore[arg-type]
        round_id=rnd.id,
        held_on=held_on,
        present=present,
        chair_id=ctx.user.get("person_id"),
        place=(args.get("place") or None),
        secretary=(args.get("secretary") or None),
        actor=_actor(ctx),
    )
    return {"status": "ok", "meeting": _meeting_public(meeting)}


async def meeting_next(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """The next household to vote on, with what the meeting needs to see of it."""
    meeting, refusal = await _meeting(ctx, args)
    if meeting is None:
        return refusal
    skip = [int(i) for i in args.get("skip") or []]
    sub, remaining = await next_on_agenda(
        ctx.db, hamlet_id=meeting.hamlet_id, sent_by=end_of_day(meeting.held_on), skip=skip
    )
    if sub is None:
        return {"status": "done", "remaining": remaining}
    household = await ctx.db.get(Household, sub.household_id) if sub.household_id else None
    reporter = await ctx.db.get(Person, sub.reporter_id) if sub.reporter_id else None
    a = sub.answers or {}
    return {
        "status": "ok",
        "remaining": remaining,
        "item": {
            "id": sub.id,
            "ref": sub.ref,
            "kind": sub.kind,
            "name": _name(sub, household),
            "code": household.code if household else None,
            "household_status": household.status if household else None,
            "reporter": reporter.name if reporter else None,
            "submitted_at": sub.submitted_at.isoformat(),
            "income": a.get("income"),
            "members": a.get("members") or a.get("new_members"),
            "cause": a.get("cause"),
            "result": sub.result or {},
            "note": sub.note,
        },
    }


async def meeting_vote(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """Record the meeting's vote on one household; its reporter hears the result."""
    meeting, refusal = await _meeting(ctx, args)
    if meeting is None:
        return refusal
    sub = await ctx.db.get(Submission, int(args.get("submission") or 0))
    if sub is None:
        return {"status": "not_on_agenda"}
    if sub.hamlet_id != ctx.user.get("unit_id"):
        return _denied(ctx, f"submission:{sub.id}")
    if sub.submitted_at > end_of_day(meeting.held_on):
        return {"status": "after_meeting", "ref": sub.ref}
    try:
        row = await vote(
            ctx.db,
            meeting=meeting,
            submission=sub,
            votes_for=int(args["votes_for"]),
            now=ctx.now,
            actor=_actor(ctx),
        )
    except MeetingRefused as refused:
        return {"status": refused.code, "ref": sub.ref}
    household = await ctx.db.get(Household, sub.household_id) if sub.household_id else None
    needed = proc.votes_needed(row.present)
    rnd = await ctx.db.get(ReviewRound, meeting.round_id) if meeting.round_id else None
    due = proc.decision_due(proc.spec_for(rnd.kind, rnd.code)) if rnd else None
    notified = False
    # The chair was there: only someone else who sent it (a household, another head) is told.
    if sub.reporter_id is not None and sub.reporter_id != ctx.user.get("person_id"):
        ctx.notify(
            sub.reporter_id,
            PASSED if row.passed else FAILED,
            kind=KIND_LABELS.get(sub.kind, sub.kind),
            ref=sub.ref,
            household=_name(sub, household),
            date=meeting.held_on.strftime("%d/%m/%Y"),
            votes=row.votes_for,
            present=row.present,
            needed=needed,
            article=row.rule,
            due=due.strftime("%d/%m/%Y") if due else "—",
            translate=("kind",),
        )
        notified = True
    return {
        "status": "ok",
        "ref": sub.ref,
        "name": _name(sub, household),
        "passed": row.passed,
        "votes_for": row.votes_for,
        "present": row.present,
        "needed": needed,
        "article": row.rule,
        "notified": notified,
    }


async def _close(ctx: ActionContext, meeting: HamletMeeting, hamlet_name: str) -> dict[str, Any]:
    votes = await close_meeting(ctx.db, meeting=meeting, now=ctx.now, actor=_actor(ctx))
    passed = sum(1 for v in votes if v.passed)
    officers: list[int] = []
    if passed:
        hamlet = await unit_by_id(ctx.db, meeting.hamlet_id)
        commune_id = hamlet.parent_id if hamlet and hamlet.parent_id else meeting.hamlet_id
        officers = await commune_officers(ctx.db, commune_id=commune_id)
        for officer in officers:
            ctx.notify(
                officer,
                TO_OFFICERS,
                hamlet=hamlet_name,
                date=meeting.held_on.strftime("%d/%m/%Y"),
                n=passed,
                choices=(("flow:review", REVIEW_BUTTON),),
            )
    return {
        "passed": passed,
        "failed": len(votes) - passed,
        "officers": len(officers),
        "meeting": _meeting_public(meeting, len(votes)),
    }


async def meeting_close(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """Close the meeting: the tally, and the commune's officers told what passed."""
    meeting, refusal = await _meeting(ctx, args)
    if meeting is None:
        return refusal
    hamlet = await unit_by_id(ctx.db, meeting.hamlet_id)
    summary = await _close(ctx, meeting, hamlet.name if hamlet else "")
    _, left = await agenda(ctx.db, hamlet_id=meeting.hamlet_id, limit=1)
    # The minutes (biên bản họp bình xét) come with the summary, ready to print and sign.
    minutes = minutes_document(meeting.id, locale=ctx.locale)  # type: ignore[arg-type]
    return {"status": "ok", "left": left, "document": minutes, **summary}


ACTIONS = {
    "meeting.begin": meeting_begin,
    "meeting.open": meeting_open,
    "meeting.next": meeting_next,
    "meeting.vote": meeting_vote,
    "meeting.close": meeting_close,
}
