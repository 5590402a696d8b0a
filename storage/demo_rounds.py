"""The demo's decisions as review rounds, so that its documents can be made: each past month's
decisions of a commune become that month's regular round, closed by one decision (the month's
last decision day, numbered in order, signed by the commune's chairman), with its posting three
working days before; last year's review, kept as its decisions only, becomes that year's
periodic round. The hamlet meetings that voted on a round's households belong to it.

The month under way is left alone: its round is the one the officer works in (`/dotrasoat`),
as are the periodic rounds still in season. Run once, right after storage.demo.write_demo.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import procedure as proc
from domain.calendar import local_day
from storage.models import OrgUnit
from storage.models_procedure import HamletMeeting, MeetingVote
from storage.models_register import Submission
from storage.rounds import ensure_round

# The chairmen who sign the demo communes' decisions (made up, like every demo name).
CHAIRMEN = {
    "37-GIAVIEN": "Đinh Công Thành",
    "37-KIMSON": "Lương Văn Quý",
    "37-HOALU": "Trịnh Thị Mai",
}
FIRST_NUMBER = 101


def _working_days_before(day: date, n: int) -> date:
    """The n-th working day before `day` (not counting it)."""
    found = 0
    while found < n:
        day -= timedelta(days=1)
        found += proc.is_working_day(day)
    return day


def _spec(day: date, year_start: date) -> proc.RoundSpec:
    if day < year_start:
        return proc.periodic_round(day.year if day.month >= 9 else day.year - 1)
    return proc.regular_round(day.year, day.month)


async def record_rounds(db: AsyncSession, *, now: datetime) -> int:
    """Close a round over each commune's past decisions; the number of rounds made."""
    today = local_day(now)
    # The demo's year begins with its first hamlet meeting; earlier decisions are last year's.
    year_start = (
        await db.execute(select(func.min(HamletMeeting.held_on)))
    ).scalar_one_or_none() or today
    stmt = (
        select(Submission)
        .where(
            Submission.status == "approved",
            Submission.round_id.is_(None),  # type: ignore[union-attr]
            Submission.decided_at.is_not(None),  # type: ignore[union-attr]
            Submission.kind.in_(sorted(proc.procedure().meeting_kinds)),  # type: ignore[attr-defined]
        )
        .order_by(Submission.decided_at, Submission.id)
    )
    groups: dict[tuple[int, proc.RoundSpec], list[Submission]] = defaultdict(list)
    for s in (await db.execute(stmt)).scalars():
        day = local_day(s.decided_at)  # type: ignore[arg-type]
        if (day.year, day.month) == (today.year, today.month):
            continue
        groups[(s.commune_id, _spec(day, year_start))].append(s)
    communes = {
        u.id: u
        for u in (
            await db.execute(select(OrgUnit).where(OrgUnit.id.in_({c for c, _ in groups})))  # type: ignore[union-attr]
        ).scalars()
    }
    numbers: dict[int, int] = defaultdict(lambda: FIRST_NUMBER)
    for (commune_id, spec), subs in sorted(groups.items(), key=lambda g: g[1][-1].decided_at):  # type: ignore[arg-type,return-value]
        decided = max(local_day(s.decided_at) for s in subs)  # type: ignore[arg-type]
        first = min(local_day(s.decided_at) for s in subs)  # type: ignore[arg-type]
        rnd = await ensure_round(db, commune_id=commune_id, spec=spec, actor="seed")
        rnd.status = proc.CLOSED
        rnd.posting_ends_on = _working_days_before(first, 1)
        rnd.posting_starts_on = _working_days_before(first, proc.procedure().posting_days)
        code = communes[commune_id].code
        rnd.decision_number = f"{numbers[commune_id]}/QĐ-UBND"
        numbers[commune_id] += 1
        rnd.decision_date = decided
        rnd.decision_signer = CHAIRMEN.get(code, "Nguyễn Văn Chủ")
        rnd.closed_at = now
        ids = [s.id for s in subs]
        await db.execute(
            update(Submission).where(Submission.id.in_(ids)).values(round_id=rnd.id)  # type: ignore[union-attr]
        )
        meetings = select(MeetingVote.meeting_id).where(MeetingVote.submission_id.in_(ids))  # type: ignore[attr-defined]
        await db.execute(
            update(HamletMeeting)
            .where(HamletMeeting.id.in_(meetings), HamletMeeting.round_id.is_(None))  # type: ignore[union-attr]
            .values(round_id=rnd.id)
        )
    await db.flush()
    return len(groups)
