"""Reminders that follow the review rounds: the hamlet head's agenda for the meeting, and the
commune officer's posting end and decision deadline. Planned like handlers/reminders.py: one
outbox row per key, so re-planning adds nothing already there."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import procedure as proc
from domain.i18n import N_, Translator
from domain.reminders import (
    AGENDA,
    DECISION_DUE,
    POSTING_OVER,
    ROUND_RULES,
    QuietHours,
    day_firing,
    decide,
    digest_firings,
)
from handlers.reminder_plan import LOOKBACK, Planned, _address, _base, _World
from storage.models_procedure import ReviewRound
from storage.models_register import Submission

TEXTS = {
    AGENDA: N_(
        "{hamlet}: {count} household(s) are waiting for the hamlet meeting (họp bình xét). "
        "The commune can decide only after the meeting."
    ),
    POSTING_OVER: N_(
        "Review round {round}: the public posting ended on {date}. {count} household(s) wait for "
        "the commune's decision, due by {due}."
    ),
    DECISION_DUE: N_(
        "Review round {round}: the commune's decision is due by {due}; {count} household(s) are "
        "still in the procedure."
    ),
}
MEETING_BUTTON = N_("Hold the hamlet meeting")
RULE = {r.kind: r for r in ROUND_RULES}


async def plan_rounds(
    db: AsyncSession, world: _World, now: datetime, *, grace: timedelta, quiet: QuietHours
) -> list[Planned]:
    out: list[Planned] = []
    subs = (
        await db.execute(
            select(
                Submission.hamlet_id, Submission.commune_id, Submission.kind, Submission.status
            ).where(Submission.status.in_(proc.ACTIVE_STATES))  # type: ignore[attr-defined]
        )
    ).all()
    agenda = Counter(
        s.hamlet_id for s in subs if proc.stage(s.kind, s.status) == proc.AWAITING_MEETING
    )
    in_procedure = Counter(s.commune_id for s in subs if proc.needs_meeting(s.kind))
    posted = Counter(s.commune_id for s in subs if s.status == proc.POSTED)
    for firing in digest_firings(now - LOOKBACK, now, RULE[AGENDA]):
        decision = decide(firing, now, grace=grace, quiet=quiet)
        if decision is None:
            continue
        for hamlet_id, count in agenda.items():
            hamlet = world.units.get(hamlet_id)
            for head in world.people_by_unit.get((hamlet_id, "hamlet_head"), []):
                key = f"{firing.key}:u{head.id}:h{hamlet_id}"
                planned = _base(key, firing, decision, None, person_id=head.id, hamlet_id=hamlet_id)
                t = Translator(head.locale)
                planned.text = t(TEXTS[AGENDA], hamlet=hamlet.name if hamlet else "", count=count)
                planned.choices = [["flow:meeting", t(MEETING_BUTTON)]]
                out.append(_address(world, head, planned))
    rounds = (
        await db.execute(select(ReviewRound).where(ReviewRound.status != proc.CLOSED))
    ).scalars()
    for rnd in rounds:
        due = proc.decision_due(proc.spec_for(rnd.kind, rnd.code))
        events = [(RULE[DECISION_DUE], due - timedelta(days=RULE[DECISION_DUE].days))]
        if rnd.status == proc.POSTING and rnd.posting_ends_on is not None:
            events.append((RULE[POSTING_OVER], rnd.posting_ends_on + timedelta(days=1)))
        for rule, day in events:
            count = (
                posted[rnd.commune_id]
                if rule.kind == POSTING_OVER
                else in_procedure[rnd.commune_id]
            )
            firing = day_firing(rule, day)
            if not count or firing.at < now - LOOKBACK:
                continue
            decision = decide(firing, now, grace=grace, quiet=quiet)
            if decision is None:
                continue
            for officer in world.people_by_unit.get((rnd.commune_id, "officer"), []):
                key = f"r{rnd.id}:{firing.key}:u{officer.id}"
                planned = _base(key, firing, decision, None, person_id=officer.id, hamlet_id=None)
                t = Translator(officer.locale)
                planned.text = t(
                    TEXTS[rule.kind],
                    round=rnd.code,
                    date=t.date(rnd.posting_ends_on) if rnd.posting_ends_on else "",
                    due=t.date(due),
                    count=count,
                )
                out.append(_address(world, officer, planned))
    return out
