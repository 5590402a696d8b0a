"""The commune's steps of the procedure, shared by the chat and the admin API: the posting, the
decision that closes a round, the answer to a complaint; each queues the notices it owes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.flows.assess import CLASS_LABELS, KIND_LABELS
from domain.decision_lists import CLOSING_KINDS
from domain.i18n import N_
from handlers.notify import Notice
from storage.complaints import decide_complaint
from storage.models_procedure import Complaint, ReviewRound
from storage.models_register import Household, Submission
from storage.rounds import close_round

DECIDED = N_(
    "{kind} {ref} ({household}): recognised by the commune's decision No. {number} of {date}."
)
DECIDED_WITH_STATUS = N_(
    "{kind} {ref} ({household}): recognised by the commune's decision No. {number} of {date}. "
    "The household's status is now: {status}."
)
COMPLAINT_ACCEPTED = N_(
    "Your complaint {ref} about {household} was accepted: the commune reviews the household "
    "again. {reason}"
)
COMPLAINT_REJECTED = N_("Your complaint {ref} about {household} was not accepted. Reason: {reason}")
COMPLAINT_NEW = N_("New complaint {ref} about {household} ({hamlet}) on the posted list: {text}")


def _name(sub: Submission, household: Household | None) -> str:
    if household is not None:
        return household.head_name
    a = sub.answers or {}
    return str(a.get("head_name") or a.get("name") or a.get("new_name") or "?")


async def close_and_notify(
    db: AsyncSession,
    *,
    rnd: ReviewRound,
    number: str,
    decided_on: date,
    signer: str,
    officer_id: int | None,
    actor: str,
    now: datetime,
    notices: list[Notice],
) -> list[Submission]:
    """Close the round with the decision; each reporter or household hears its result."""
    subs = await close_round(
        db,
        rnd=rnd,
        number=number,
        decided_on=decided_on,
        signer=signer,
        officer_id=officer_id,
        now=now,
        actor=actor,
    )
    day = decided_on.strftime("%d/%m/%Y")
    for s in subs:
        if s.reporter_id is None:
            continue
        household = await db.get(Household, s.household_id) if s.household_id else None
        params = {
            "kind": KIND_LABELS.get(s.kind, s.kind),
            "ref": s.ref,
            "household": _name(s, household),
            "number": number,
            "date": day,
        }
        if household is not None and household.active and s.kind not in CLOSING_KINDS:
            params["status"] = CLASS_LABELS.get(household.status, household.status)
            notices.append(Notice(s.reporter_id, DECIDED_WITH_STATUS, params, ("kind", "status")))
        else:
            notices.append(Notice(s.reporter_id, DECIDED, params, ("kind",)))
    return subs


async def answer_complaint(
    db: AsyncSession,
    *,
    complaint: Complaint,
    decision: str,
    reason: str | None,
    officer_id: int | None,
    actor: str,
    now: datetime,
    notices: list[Notice],
) -> Submission:
    """Accept or reject a complaint; the sender is told either way."""
    sub = await decide_complaint(
        db,
        complaint=complaint,
        decision=decision,
        reason=reason,
        officer_id=officer_id,
        now=now,
        actor=actor,
    )
    if complaint.sender_person_id is not None:
        household = await db.get(Household, sub.household_id) if sub.household_id else None
        msgid = COMPLAINT_ACCEPTED if decision == "accept" else COMPLAINT_REJECTED
        params = {"ref": complaint.ref, "household": _name(sub, household), "reason": reason or ""}
        notices.append(Notice(complaint.sender_person_id, msgid, params))
    return sub
