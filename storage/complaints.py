"""Complaints (phản ánh) about households on a posted list, and the officer's answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import procedure as proc
from domain.calendar import local_day
from storage.audit import record
from storage.models_procedure import Complaint, ReviewRound
from storage.models_register import Submission
from storage.register import new_ref


class ComplaintRefused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


async def file_complaint(
    db: AsyncSession,
    *,
    submission: Submission,
    text: str,
    sender_person_id: int | None,
    channel: str | None,
    chat_id: str | None,
    now: datetime,
    actor: str,
) -> Complaint:
    """A complaint about a household on the list while it is posted."""
    rnd = await db.get(ReviewRound, submission.round_id) if submission.round_id else None
    if submission.status != proc.POSTED or rnd is None or rnd.status != proc.POSTING:
        raise ComplaintRefused("not_posted")
    today = local_day(now)
    assert rnd.posting_starts_on is not None and rnd.posting_ends_on is not None
    if not rnd.posting_starts_on <= today <= rnd.posting_ends_on:
        raise ComplaintRefused("posting_over")
    text = text.strip()
    if len(text) < 3:
        raise ComplaintRefused("text_required")
    complaint = Complaint(
        ref=new_ref("PA"),
        round_id=rnd.id,  # type: ignore[arg-type]
        submission_id=submission.id,  # type: ignore[arg-type]
        sender_person_id=sender_person_id,
        channel=channel,
        chat_id=chat_id,
        text=text[:1000],
        created_at=now,
    )
    db.add(complaint)
    await db.flush()
    record(
        db,
        actor=actor,
        action="complaint.create",
        entity=f"complaint:{complaint.id}",
        after={"ref": complaint.ref, "submission_id": submission.id},
    )
    return complaint


async def decide_complaint(
    db: AsyncSession,
    *,
    complaint: Complaint,
    decision: str,
    reason: str | None,
    officer_id: int | None,
    now: datetime,
    actor: str,
) -> Submission:
    """accept: the household leaves the posted list and goes back to the commune's review;
    reject: it stays, with the reason the sender is told."""
    await db.refresh(complaint, with_for_update=True)
    if complaint.status != "open":
        raise ComplaintRefused("complaint_closed")
    if decision == "reject" and not (reason and reason.strip()):
        raise ComplaintRefused("reason_required")
    submission = await db.get(Submission, complaint.submission_id, with_for_update=True)
    assert submission is not None
    complaint.status = "accepted" if decision == "accept" else "rejected"
    complaint.reason = (reason or "").strip() or None
    complaint.decided_by, complaint.decided_at = officer_id, now
    if decision == "accept" and submission.status == proc.POSTED:
        submission.status, submission.round_id = proc.MEETING_PASSED, None
    record(
        db,
        actor=actor,
        action=f"complaint.{decision}",
        entity=f"complaint:{complaint.id}",
        after={"status": complaint.status, "reason": complaint.reason},
    )
    return submission


async def complaint_by_ref(db: AsyncSession, ref: str) -> Complaint | None:
    key = "".join(ref.split()).upper()
    return (await db.execute(select(Complaint).where(Complaint.ref == key))).scalar_one_or_none()


async def open_for_submissions(db: AsyncSession, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    stmt = select(Complaint.submission_id).where(
        Complaint.submission_id.in_(ids),  # type: ignore[attr-defined]
        Complaint.status == "open",
    )
    return set((await db.execute(stmt)).scalars().all())
