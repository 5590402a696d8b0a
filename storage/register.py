"""Households and submissions: search, create, submit (idempotent), decide, timeline."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.calendar import local_day
from domain.codes import ALPHABET
from domain.decision_lists import CLOSING_KINDS, State, expected
from domain.i18n import fold, nfc
from domain.procedure import ACCEPTED, MEETING_PASSED, needs_meeting
from storage.audit import record
from storage.models import AuditLog, OrgUnit
from storage.models_register import Assessment, Household, Submission
from storage.paging import page
from storage.support import support_events

# References say what a paper is: BC- a hamlet head's report (báo cáo), TN- a household's exit
# registration (thoát nghèo), DN- a household's request to be reviewed (đề nghị, Mẫu 01).
REF_PREFIXES = {"review_request": "DN"}
OPEN_STATES = ("submitted", "returned")


def household_public(h: Household) -> dict[str, Any]:
    return {
        "id": h.id,
        "code": h.code,
        "head_name": h.head_name,
        "members": h.members,
        "status": h.status,
        "ethnic_minority": h.ethnic_minority,
        "active": h.active,
    }


async def search_households(
    db: AsyncSession,
    *,
    hamlet_id: int | None = None,
    commune_id: int | None = None,
    query: str,
    limit: int = 5,
    offset: int = 0,
) -> tuple[list[Household], int]:
    """By code (exact) or by name, without diacritics or case, within one hamlet (or, for the
    commune officer, one commune)."""
    if (hamlet_id is None) == (commune_id is None):
        raise ValueError("search one hamlet or one commune")
    key = fold(query)
    where = Household.hamlet_id == hamlet_id if hamlet_id else Household.commune_id == commune_id
    cond = [where, Household.active.is_(True)]  # type: ignore[attr-defined]
    match = or_(func.lower(Household.code) == key, Household.name_key.contains(key))  # type: ignore[attr-defined]
    base = select(Household).where(*cond, match)
    return await page(db, base, Household.head_name, Household.id, limit=limit, offset=offset)


async def create_household(
    db: AsyncSession,
    *,
    hamlet: OrgUnit,
    head_name: str,
    members: int,
    ethnic_minority: bool,
    phone: str | None,
    actor: str,
    registered: bool = False,
) -> Household:
    """A new register entry, status unknown. Reported as new (the default), it is not counted
    (inactive) until a submission about it is approved: a report the commune rejects leaves no
    household in any figure, and an approved one counts from its decision on, never in the
    periods before it. `registered`: an entry already on the commune's register (an import)."""
    commune_id = hamlet.parent_id or hamlet.id
    # Codes are numbered per commune, so creations in one commune take turns: a row lock on the
    # commune (FOR NO KEY UPDATE leaves foreign-key checks against it free) until commit.
    # Without it, concurrent reports read the same count and exhaust the retries below.
    lock = select(OrgUnit.id).where(OrgUnit.id == commune_id).with_for_update(key_share=True)
    await db.execute(lock)
    counted = select(func.count()).select_from(Household).where(Household.commune_id == commune_id)
    number = 0
    for _ in range(20):
        # Counted again on each try, so a report that committed meanwhile is seen (SQLite takes
        # its write lock only at the first insert); past the previous try when codes have gaps.
        number = max((await db.execute(counted)).scalar_one() + 1, number + 1)
        household = Household(
            code=f"H{number:05d}",
            commune_id=commune_id,  # type: ignore[arg-type]
            hamlet_id=hamlet.id,  # type: ignore[arg-type]
            head_name=nfc(head_name),
            name_key=fold(head_name),
            members=members,
            ethnic_minority=ethnic_minority,
            phone=phone,
            area=hamlet.area,
            active=registered,
        )
        try:
            async with db.begin_nested():
                db.add(household)
                await db.flush()
            break
        except IntegrityError:  # a concurrent report took this code: try the next one
            continue
    else:  # pragma: no cover - twenty concurrent creations in one commune
        raise RuntimeError("could not allocate a household code")
    record(
        db,
        actor=actor,
        action="household.create",
        entity=f"household:{household.id}",
        after=household_public(household),
    )
    return household


def new_ref(prefix: str) -> str:
    return prefix + "-" + "".join(secrets.choice(ALPHABET) for _ in range(6))


@dataclass(frozen=True)
class NewSubmission:
    submission: Submission
    created: bool  # False: the same confirmation arrived again


async def submit(
    db: AsyncSession,
    *,
    idempotency_key: str,
    kind: str,
    source: str,
    household_id: int | None,
    hamlet: OrgUnit,
    period_id: int | None,
    reporter_id: int | None,
    answers: dict[str, Any],
    result: dict[str, Any],
    note: str | None,
    now: datetime,
    actor: str,
    resubmits: Submission | None = None,
) -> NewSubmission:
    """Store a submission once per idempotency key (double confirm makes one)."""
    existing = (
        await db.execute(select(Submission).where(Submission.idempotency_key == idempotency_key))
    ).scalar_one_or_none()
    if existing is not None:
        return NewSubmission(existing, False)
    if resubmits is not None:
        before = {"status": resubmits.status, "answers": resubmits.answers}
        resubmits.answers, resubmits.result, resubmits.note = answers, result, note
        resubmits.status, resubmits.revision = "submitted", resubmits.revision + 1
        resubmits.idempotency_key, resubmits.submitted_at = idempotency_key, now
        record(
            db,
            actor=actor,
            action="submission.resubmit",
            entity=f"submission:{resubmits.id}",
            before=before,
            after={"status": "submitted", "answers": answers},
        )
        return NewSubmission(resubmits, True)
    sub = Submission(
        ref=new_ref(REF_PREFIXES.get(kind) or ("BC" if source == "hamlet_head" else "TN")),
        idempotency_key=idempotency_key,
        kind=kind,
        source=source,
        household_id=household_id,
        hamlet_id=hamlet.id,  # type: ignore[arg-type]
        commune_id=hamlet.parent_id or hamlet.id,  # type: ignore[arg-type]
        period_id=period_id,
        reporter_id=reporter_id,
        answers=answers,
        result=result,
        note=note,
        submitted_at=now,
    )
    db.add(sub)
    await db.flush()
    record(
        db,
        actor=actor,
        action="submission.create",
        entity=f"submission:{sub.id}",
        after={"ref": sub.ref, "kind": kind, "household_id": household_id, "result": result},
    )
    return NewSubmission(sub, True)


class MeetingRequired(ValueError):
    """Approval asked of a change the hamlet meeting has not passed yet (QĐ 24/2021)."""


def decidable_states(kind: str) -> tuple[str, ...]:
    """Where the officer may decide. A change that needs the hamlet meeting may be returned or
    rejected before it (approve() refuses it there), accepted onto the round's list after it,
    and taken off the list again until the posting starts."""
    if needs_meeting(kind):
        return ("submitted", "hamlet_reviewed", MEETING_PASSED, ACCEPTED)
    return ("submitted",)


async def decide(
    db: AsyncSession,
    *,
    submission: Submission,
    decision: str,
    reason: str | None,
    officer_id: int | None,
    now: datetime,
    actor: str | None = None,
) -> Household | None:
    """approve | return | reject.

    A register change (move, dissolution, correction) is applied on approval. A change the
    procedure governs is only accepted onto the round's list: the household changes when the
    commune's decision closes the round (storage.rounds.close_round).
    `actor` names who decided in the audit log when it is not the officer (an API token)."""
    actor = actor or f"person:{officer_id}"
    # Re-read under a row lock: two officers deciding at once must not both see it pending.
    await db.refresh(submission, with_for_update=True)
    if submission.status not in decidable_states(submission.kind):
        raise ValueError(
            f"submission {submission.ref} is {submission.status}, not awaiting a decision"
        )
    governed = needs_meeting(submission.kind)
    if decision == "approve" and governed:
        if submission.status not in (MEETING_PASSED, ACCEPTED):
            raise MeetingRequired(f"submission {submission.ref} has not passed the hamlet meeting")
        status = ACCEPTED
    else:
        status = {"approve": "approved", "return": "returned", "reject": "rejected"}[decision]
    before = {"status": submission.status}
    submission.status, submission.decision_reason = status, reason
    if status != ACCEPTED:
        submission.decided_by, submission.decided_at = officer_id, now
    record(
        db,
        actor=actor,
        action=f"submission.{'accept' if status == ACCEPTED else decision}",
        entity=f"submission:{submission.id}",
        before=before,
        after={"status": status, "reason": reason},
    )
    if decision != "approve" or governed:
        return None
    return await _apply(db, submission=submission, now=now, actor=actor)


async def apply_decision(
    db: AsyncSession,
    *,
    submission: Submission,
    officer_id: int | None,
    at: datetime,
    actor: str,
    decision: dict[str, Any] | None = None,
) -> Household | None:
    """The commune's decision approves a posted submission: the household changes as of `at`;
    `decision` (number, date, signer) goes on the household's timeline with it."""
    before = {"status": submission.status}
    submission.status = "approved"
    submission.decided_by, submission.decided_at = officer_id, at
    record(
        db,
        actor=actor,
        action="submission.approve",
        entity=f"submission:{submission.id}",
        before=before,
        after={"status": "approved", "round_id": submission.round_id, **(decision or {})},
    )
    if submission.household_id is None:
        return None
    return await _apply(db, submission=submission, now=at, actor=actor)


async def _apply(
    db: AsyncSession, *, submission: Submission, now: datetime, actor: str
) -> Household:
    """The approved change on the household's register entry and its assessment."""
    assert submission.household_id is not None
    household = await db.get(Household, submission.household_id, with_for_update=True)
    assert household is not None
    old = household_public(household)
    submission.before_status, submission.before_active = household.status, household.active
    result = submission.result or {}
    after = expected(submission.kind, State(household.status), result.get("class"))
    household.active = after.active
    if after.status != household.status:
        household.status, household.status_since = after.status, local_day(now)
    if submission.kind not in CLOSING_KINDS:
        if result.get("class"):
            deprived = list(result.get("deprived", []))
            db.add(
                Assessment(
                    household_id=household.id,  # type: ignore[arg-type]
                    submission_id=submission.id,
                    standard_id=result.get("standard", ""),
                    income_per_capita=int(result.get("income_per_capita", 0)),
                    members=int(submission.answers.get("members") or household.members),
                    deprived=deprived,
                    klass=result["class"],
                    source=submission.source,
                    assessed_by=submission.reporter_id,
                    approved=True,
                )
            )
            # The household's latest approved assessment: by decision moment, then the later
            # recorded (this one), as storage.indicators reads them.
            if household.assessed_at is None or now >= household.assessed_at:
                household.deprived, household.assessed_at = deprived, now
        if submission.answers.get("members"):
            household.members = int(submission.answers["members"])
        if submission.answers.get("cause"):
            household.causes = [submission.answers["cause"]]
    household.updated_at = now
    submission.after_status, submission.after_active = household.status, household.active
    record(
        db,
        actor=actor,
        action="household.update",
        entity=f"household:{household.id}",
        before=old,
        after=household_public(household),
    )
    return household


async def timeline(db: AsyncSession, household_id: int) -> list[dict[str, Any]]:
    """Submissions, assessments and decisions about one household, oldest first."""
    subs = (
        (await db.execute(select(Submission).where(Submission.household_id == household_id)))
        .scalars()
        .all()
    )
    assessments = (
        (await db.execute(select(Assessment).where(Assessment.household_id == household_id)))
        .scalars()
        .all()
    )
    entities = [f"household:{household_id}", f"household_plan:{household_id}"]
    entities += [f"submission:{s.id}" for s in subs]
    audits = (
        (await db.execute(select(AuditLog).where(AuditLog.entity.in_(entities)))).scalars().all()
    )  # type: ignore[attr-defined]
    events: list[dict[str, Any]] = []
    for s in subs:
        events.append(
            {
                "at": s.submitted_at,
                "type": "submission",
                "ref": s.ref,
                "kind": s.kind,
                "status": s.status,
                "result": s.result,
                "note": s.note,
            }
        )
    for a in assessments:
        events.append(
            {
                "at": a.created_at,
                "type": "assessment",
                "standard": a.standard_id,
                "class": a.klass,
                "income_per_capita": a.income_per_capita,
                "deprived": a.deprived,
            }
        )
    for e in audits:
        events.append(
            {"at": e.at, "type": "audit", "action": e.action, "actor": e.actor, "after": e.after}
        )
    events += await support_events(db, household_id)
    events.sort(key=lambda ev: ev["at"])
    return events
