"""The hamlet meeting (họp bình xét): its agenda, each household's vote, the result."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import procedure as proc
from storage.audit import record
from storage.models_procedure import HamletMeeting, MeetingVote
from storage.models_register import Submission
from storage.paging import page


class MeetingRefused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


async def open_meeting(db: AsyncSession, *, hamlet_id: int) -> HamletMeeting | None:
    stmt = select(HamletMeeting).where(
        HamletMeeting.hamlet_id == hamlet_id, HamletMeeting.status == "open"
    )
    return (await db.execute(stmt)).scalars().first()


async def start_meeting(
    db: AsyncSession,
    *,
    hamlet_id: int,
    round_id: int | None,
    held_on: date,
    present: int,
    chair_id: int | None,
    place: str | None = None,
    secretary: str | None = None,
    actor: str,
) -> HamletMeeting:
    """Open the hamlet's meeting; a meeting already open is closed first (one at a time)."""
    if present < 1:
        raise MeetingRefused("present_required")
    current = await open_meeting(db, hamlet_id=hamlet_id)
    if current is not None:
        current.status = "closed"
    meeting = HamletMeeting(
        hamlet_id=hamlet_id,
        round_id=round_id,
        held_on=held_on,
        present=present,
        chair_id=chair_id,
        place=place,
        secretary=secretary,
    )
    db.add(meeting)
    await db.flush()
    record(
        db,
        actor=actor,
        action="meeting.open",
        entity=f"meeting:{meeting.id}",
        after={"hamlet_id": hamlet_id, "held_on": held_on.isoformat(), "present": present},
    )
    return meeting


def _agenda(hamlet_id: int):  # type: ignore[no-untyped-def]
    return select(Submission).where(
        Submission.hamlet_id == hamlet_id,
        Submission.status.in_(("submitted", "hamlet_reviewed")),  # type: ignore[attr-defined]
        Submission.kind.in_(sorted(proc.procedure().meeting_kinds)),  # type: ignore[attr-defined]
    )


async def agenda(
    db: AsyncSession, *, hamlet_id: int, limit: int = 50, offset: int = 0
) -> tuple[list[Submission], int]:
    """What the hamlet has not yet put to a meeting: change reports and household requests."""
    return await page(
        db, _agenda(hamlet_id), Submission.submitted_at, Submission.id, limit=limit, offset=offset
    )


async def next_on_agenda(
    db: AsyncSession,
    *,
    hamlet_id: int,
    sent_by: datetime,
    skip: Sequence[int] = (),
) -> tuple[Submission | None, int]:
    """The oldest item a meeting can still vote on (sent by the meeting's day, not put aside in
    it), and how many such items there are, put-aside ones included."""
    base = _agenda(hamlet_id).where(Submission.submitted_at <= sent_by)
    found, total = await page(db, base, Submission.submitted_at, Submission.id, limit=1, offset=0)
    if skip:
        rest = base.where(Submission.id.notin_(list(skip)))  # type: ignore[union-attr]
        found, _ = await page(db, rest, Submission.submitted_at, Submission.id, limit=1, offset=0)
    return (found[0] if found else None), total


async def vote(
    db: AsyncSession,
    *,
    meeting: HamletMeeting,
    submission: Submission,
    votes_for: int,
    now: datetime,
    actor: str,
) -> MeetingVote:
    """Record the meeting's vote on one household; it passes by the procedure's rule."""
    await db.refresh(submission, with_for_update=True)
    if meeting.status != "open":
        raise MeetingRefused("meeting_closed")
    if submission.hamlet_id != meeting.hamlet_id:
        raise MeetingRefused("other_hamlet")
    if submission.status not in ("submitted", "hamlet_reviewed") or not proc.needs_meeting(
        submission.kind
    ):
        raise MeetingRefused("not_on_agenda")
    if not 0 <= votes_for <= meeting.present:
        raise MeetingRefused("votes_out_of_range")
    rules = proc.procedure()
    passed = proc.meeting_passes(votes_for, meeting.present, rules)
    row = MeetingVote(
        meeting_id=meeting.id,  # type: ignore[arg-type]
        submission_id=submission.id,  # type: ignore[arg-type]
        present=meeting.present,
        votes_for=votes_for,
        passed=passed,
        rule=rules.meeting_article,
        at=now,
    )
    db.add(row)
    before = {"status": submission.status}
    submission.status = proc.MEETING_PASSED if passed else proc.MEETING_FAILED
    if not passed:
        submission.decided_at = now
    record(
        db,
        actor=actor,
        action="meeting.vote",
        entity=f"submission:{submission.id}",
        before=before,
        after={
            "status": submission.status,
            "meeting_id": meeting.id,
            "votes_for": votes_for,
            "present": meeting.present,
            "rule": rules.meeting_article,
        },
    )
    await db.flush()
    return row


async def close_meeting(
    db: AsyncSession, *, meeting: HamletMeeting, now: datetime, actor: str
) -> list[MeetingVote]:
    meeting.status, meeting.closed_at = "closed", now
    record(db, actor=actor, action="meeting.close", entity=f"meeting:{meeting.id}", after={})
    return await votes_of(db, meeting_id=meeting.id)  # type: ignore[arg-type]


async def votes_of(db: AsyncSession, *, meeting_id: int) -> list[MeetingVote]:
    stmt = select(MeetingVote).where(MeetingVote.meeting_id == meeting_id).order_by(MeetingVote.id)
    return list((await db.execute(stmt)).scalars().all())


async def last_vote(db: AsyncSession, *, submission_id: int) -> MeetingVote | None:
    stmt = (
        select(MeetingVote)
        .where(MeetingVote.submission_id == submission_id)
        .order_by(MeetingVote.id.desc())  # type: ignore[union-attr]
    )
    return (await db.execute(stmt)).scalars().first()
