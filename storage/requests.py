"""Households asking to be reviewed (Mẫu 01 of QĐ 24/2021): what is open, what they sent, and
where each request stands in the procedure (the meeting's vote, the posting, the decision)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import procedure as proc
from domain.i18n import LOCAL_TZ, fold
from storage.complaints import open_for_submissions
from storage.meetings import last_vote
from storage.models_procedure import ReviewRound
from storage.models_register import EXIT_REGISTRATION, Submission

# Still in the procedure, or returned to the household to correct: one at a time.
OPEN_STATES = (*proc.ACTIVE_STATES, "returned")
# A household's own papers: its exit registration (Mẫu 04) and its request (Mẫu 01).
HOUSEHOLD_KINDS = (EXIT_REGISTRATION, proc.REVIEW_REQUEST)


def _open() -> Any:
    return select(Submission).where(Submission.status.in_(OPEN_STATES))  # type: ignore[attr-defined]


def _in_procedure() -> Any:
    """Open changes the hamlet meeting decides on."""
    return _open().where(Submission.kind.in_(sorted(proc.procedure().meeting_kinds)))  # type: ignore[attr-defined]


async def open_refs(db: AsyncSession, household_ids: list[int]) -> dict[int, str]:
    """For each of these households with a change in the procedure (open_for_household), that
    change's reference; one statement."""
    if not household_ids:
        return {}
    stmt = _in_procedure().where(Submission.household_id.in_(household_ids))  # type: ignore[union-attr]
    return {s.household_id: s.ref for s in (await db.execute(stmt)).scalars()}  # type: ignore[misc]


async def open_for_household(
    db: AsyncSession, *, household_id: int | None, hamlet_id: int, name: str
) -> Submission | None:
    """What the procedure already holds for this household: any change the hamlet meeting
    decides on (the hamlet head's report, an exit registration, a request). A household not
    matched in the register is known by its hamlet and the name typed."""
    if household_id is not None:
        stmt = _in_procedure().where(Submission.household_id == household_id)
        return (await db.execute(stmt.limit(1))).scalars().first()
    stmt = _open().where(
        Submission.hamlet_id == hamlet_id,
        Submission.household_id.is_(None),  # type: ignore[union-attr]
        Submission.kind.in_(HOUSEHOLD_KINDS),  # type: ignore[attr-defined]
    )
    key = fold(name)
    for sub in (await db.execute(stmt)).scalars():
        if sub.answers.get("name_key") == key:
            return sub
    return None


async def open_for_reporter(db: AsyncSession, *, reporter_id: int) -> Submission | None:
    """The household person's own exit registration or request still in progress."""
    stmt = (
        _open()
        .where(
            Submission.reporter_id == reporter_id,
            Submission.kind.in_(HOUSEHOLD_KINDS),  # type: ignore[attr-defined]
        )
        .order_by(Submission.id.desc())  # type: ignore[union-attr]
    )
    return (await db.execute(stmt.limit(1))).scalars().first()


async def requests_of(db: AsyncSession, *, reporter_id: int, limit: int = 5) -> list[Submission]:
    """A household person's own requests, newest first."""
    stmt = (
        select(Submission)
        .where(Submission.kind == proc.REVIEW_REQUEST, Submission.reporter_id == reporter_id)
        .order_by(Submission.id.desc())  # type: ignore[union-attr]
        .limit(limit)
    )
    return list((await db.execute(stmt)).scalars())


async def request_by_ref(
    db: AsyncSession, ref: str, *, for_update: bool = False
) -> Submission | None:
    stmt = select(Submission).where(
        Submission.ref == ref.strip().upper(), Submission.kind == proc.REVIEW_REQUEST
    )
    if for_update:
        stmt = stmt.with_for_update()
    return (await db.execute(stmt)).scalar_one_or_none()


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


async def progress(db: AsyncSession, subs: list[Submission]) -> dict[str, dict[str, Any]]:
    """By ref, what a household is told of where its paper stands: the procedure's stage, the
    hamlet meeting's vote once held, the posting's last day, the decision that settled it, and
    when it last moved."""
    complaints = await open_for_submissions(db, [s.id for s in subs if s.id is not None])
    out: dict[str, dict[str, Any]] = {}
    for s in subs:
        info: dict[str, Any] = {
            "stage": proc.stage(s.kind, s.status, open_complaint=s.id in complaints),
        }
        # Times the procedure itself keeps (the audit log's are the server's own clock).
        moved = [s.submitted_at, s.decided_at or s.submitted_at]
        vote = await last_vote(db, submission_id=s.id) if s.id is not None else None
        if vote is not None:
            info["vote"] = {"for": vote.votes_for, "present": vote.present, "passed": vote.passed}
            moved.append(vote.at)
        rnd = await db.get(ReviewRound, s.round_id) if s.round_id else None
        if rnd is not None:
            info["posting_ends_on"] = _iso(rnd.posting_ends_on)
            if rnd.posting_starts_on is not None:
                moved.append(datetime.combine(rnd.posting_starts_on, time(0, 0), LOCAL_TZ))
            if s.status == "approved" and rnd.decision_number:
                info["decision"] = {"number": rnd.decision_number, "date": _iso(rnd.decision_date)}
        info["changed"] = max(moved).isoformat()
        out[s.ref] = info
    return out
