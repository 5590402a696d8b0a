"""Review rounds of a commune: the standard they classify by, the posting, the decision."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import procedure as proc
from domain.calendar import local_day
from domain.decision_lists import State, expected
from domain.i18n import LOCAL_TZ
from domain.standards import Standard, standard_for
from storage.audit import record
from storage.models_procedure import Complaint, HamletMeeting, MeetingVote, ReviewRound
from storage.models_register import Household, Submission
from storage.register import apply_decision
from storage.upsert import get_or_insert


class RoundRefused(Exception):
    """A round step that is not possible now; `code` is the API's error."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code


def default_standard(spec: proc.RoundSpec, standards: Mapping[str, Standard] | None) -> str:
    """The standard of the lists the round produces (its lists' year, see procedure.lists_day)."""
    return standard_for(proc.lists_day(spec), standards).id


async def ensure_round(
    db: AsyncSession,
    *,
    commune_id: int,
    spec: proc.RoundSpec,
    standards: Mapping[str, Standard] | None = None,
    actor: str = "system",
) -> ReviewRound:
    """The commune's round for this spec, created with the default standard the first time."""
    rnd, created = await get_or_insert(
        db,
        ReviewRound,
        {"commune_id": commune_id, "kind": spec.kind, "code": spec.code},
        {
            "starts_on": spec.starts_on,
            "ends_on": spec.ends_on,
            "standard_id": default_standard(spec, standards),
            "status": proc.OPEN,
        },
    )
    if created:
        record(
            db,
            actor=actor,
            action="round.create",
            entity=f"round:{rnd.id}",
            after={"kind": rnd.kind, "code": rnd.code, "standard": rnd.standard_id},
        )
    return rnd


async def current_round(
    db: AsyncSession,
    *,
    commune_id: int,
    now: datetime,
    standards: Mapping[str, Standard] | None = None,
) -> ReviewRound:
    """The round under way in the commune today: the periodic review in its season, else the
    month's regular review; a closed round gives way to the next month's."""
    day = local_day(now)
    rnd = await ensure_round(
        db, commune_id=commune_id, spec=proc.round_for(day), standards=standards
    )
    if rnd.status == proc.CLOSED and rnd.kind == proc.PERIODIC:
        # After the annual decision the rest of the season is regular review again.
        rnd = await ensure_round(
            db,
            commune_id=commune_id,
            spec=proc.regular_round(day.year, day.month),
            standards=standards,
        )
    return rnd


async def rounds_of(db: AsyncSession, *, commune_ids: list[int]) -> list[ReviewRound]:
    stmt = (
        select(ReviewRound)
        .where(ReviewRound.commune_id.in_(commune_ids))  # type: ignore[attr-defined]
        .order_by(ReviewRound.starts_on.desc(), ReviewRound.id)  # type: ignore[attr-defined]
    )
    return list((await db.execute(stmt)).scalars().all())


async def set_standard(
    db: AsyncSession, *, rnd: ReviewRound, standard_id: str, actor: str
) -> ReviewRound:
    """An officer changes the round's standard; only while nothing is posted under it."""
    if rnd.status != proc.OPEN:
        raise RoundRefused("round_not_open")
    before = {"standard": rnd.standard_id}
    rnd.standard_id = standard_id
    record(
        db,
        actor=actor,
        action="round.standard",
        entity=f"round:{rnd.id}",
        before=before,
        after={"standard": standard_id},
    )
    return rnd


async def start_posting(
    db: AsyncSession, *, rnd: ReviewRound, starts_on: date, actor: str, today: date | None = None
) -> list[Submission]:
    """Post the round's preliminary list: every submission of the commune the officer accepted.
    The posting lasts the working days the procedure sets, from `starts_on`: never before the
    hamlet meetings that passed them (the list is their result), and, given `today`, never so
    far back that its complaint window is already over (nobody could have complained)."""
    await db.refresh(rnd, with_for_update=True)
    if rnd.status != proc.OPEN:
        raise RoundRefused("round_not_open")
    if today is not None and proc.posting_ends(starts_on) < today:
        raise RoundRefused("posting_over")
    stmt = (
        select(Submission)
        .where(Submission.commune_id == rnd.commune_id, Submission.status == proc.ACCEPTED)
        .order_by(Submission.hamlet_id, Submission.id)
        .with_for_update()
    )
    subs = list((await db.execute(stmt)).scalars().all())
    if not subs:
        raise RoundRefused("nothing_to_post")
    met = (
        select(func.max(HamletMeeting.held_on))
        .join(MeetingVote, MeetingVote.meeting_id == HamletMeeting.id)
        .where(MeetingVote.submission_id.in_([s.id for s in subs]))  # type: ignore[attr-defined]
    )
    last_meeting = (await db.execute(met)).scalar_one_or_none()
    if last_meeting is not None and starts_on < last_meeting:
        raise RoundRefused("posting_before_meeting")
    for s in subs:
        s.status, s.round_id = proc.POSTED, rnd.id
    rnd.status = proc.POSTING
    rnd.posting_starts_on = starts_on
    rnd.posting_ends_on = proc.posting_ends(starts_on)
    record(
        db,
        actor=actor,
        action="round.posting",
        entity=f"round:{rnd.id}",
        after={
            "from": starts_on.isoformat(),
            "to": rnd.posting_ends_on.isoformat(),
            "submissions": [s.id for s in subs],
        },
    )
    return subs


async def posted(db: AsyncSession, *, round_id: int) -> list[Submission]:
    stmt = (
        select(Submission)
        .where(Submission.round_id == round_id, Submission.status == proc.POSTED)
        .order_by(Submission.hamlet_id, Submission.id)
    )
    return list((await db.execute(stmt)).scalars().all())


async def open_complaints(db: AsyncSession, *, round_id: int) -> int:
    stmt = (
        select(func.count())
        .select_from(Complaint)
        .where(Complaint.round_id == round_id, Complaint.status == "open")
    )
    return int((await db.execute(stmt)).scalar_one())


async def lock_for_decisions(db: AsyncSession, submissions: Sequence[Submission]) -> None:
    """Before one transaction approves many submissions (the commune's decision closing a
    round), on PostgreSQL: their households' rows in id order, then every register tally the
    changes will touch, in key order (made at 0 where missing). A transaction that changes one
    household takes its row, then its two tallies in key order (migration 0011's triggers); the
    commune's decision, taking its tallies one household at a time, could hold one of them and
    wait for another held by such a transaction waiting for the first: PostgreSQL would cancel
    one after deadlock_timeout. Taken up front in the same orders, no such cycle can form."""
    if db.get_bind().dialect.name != "postgresql":
        return  # SQLite: one writer at a time
    ids = sorted({s.household_id for s in submissions if s.household_id is not None})
    if not ids:
        return
    h = Household
    rows = await db.execute(
        select(h.id, h.hamlet_id, h.status, h.active, h.ethnic_minority)
        .where(h.id.in_(ids))  # type: ignore[union-attr]
        .order_by(h.id)
        .with_for_update()
    )
    state = {r.id: (r.hamlet_id, r.status, r.active, r.ethnic_minority) for r in rows}
    keys = set(state.values())
    for sub in submissions:  # in the order they will be applied: a household's changes chain
        if sub.household_id in state:
            hamlet, status, _, em = state[sub.household_id]
            after = expected(sub.kind, State(status), (sub.result or {}).get("class"))
            state[sub.household_id] = (hamlet, after.status, after.active, em)
            keys.add(state[sub.household_id])
    # Each existing tally locked (a no-op update), each missing one made, in key order as
    # PostgreSQL compares them (the triggers' order, the column's collation).
    hamlets, statuses, actives, ems = (list(c) for c in zip(*keys, strict=True))
    await db.execute(
        text(
            "INSERT INTO household_tallies (hamlet_id, status, active, ethnic_minority, n)"
            " SELECT h, s, a, e, 0 FROM unnest(CAST(:h AS integer[]), CAST(:s AS varchar[]),"
            " CAST(:a AS boolean[]), CAST(:e AS boolean[])) AS k (h, s, a, e)"
            " ORDER BY h, s, a, e ON CONFLICT (hamlet_id, status, active, ethnic_minority)"
            " DO UPDATE SET n = household_tallies.n"
        ),
        {"h": hamlets, "s": statuses, "a": actives, "e": ems},
    )


def decision_moment(day: date) -> datetime:
    """The start of the decision's day in Hà Nội: a change counts in the period of that day."""
    return datetime.combine(day, time(0, 0), LOCAL_TZ)


async def close_round(
    db: AsyncSession,
    *,
    rnd: ReviewRound,
    number: str,
    decided_on: date,
    signer: str,
    officer_id: int | None,
    now: datetime,
    actor: str,
) -> list[Submission]:
    """The commune's decision: every household still on the posted list changes on its date.
    Refused while posting has not ended or a complaint is open."""
    await db.refresh(rnd, with_for_update=True)
    if rnd.status == proc.CLOSED:
        raise RoundRefused("round_closed")
    if rnd.status != proc.POSTING or rnd.posting_ends_on is None:
        raise RoundRefused("posting_required")
    if local_day(now) <= rnd.posting_ends_on or decided_on <= rnd.posting_ends_on:
        raise RoundRefused("posting_not_over", rnd.posting_ends_on.isoformat())
    if decided_on > local_day(now):
        raise RoundRefused("decision_in_future")
    if await open_complaints(db, round_id=rnd.id):  # type: ignore[arg-type]
        raise RoundRefused("complaint_open")
    subs = await posted(db, round_id=rnd.id)  # type: ignore[arg-type]
    await lock_for_decisions(db, subs)
    moment = decision_moment(decided_on)
    decision = {"decision_number": number, "decision_date": decided_on.isoformat()}
    for s in subs:
        await apply_decision(
            db, submission=s, officer_id=officer_id, at=moment, actor=actor, decision=decision
        )
    rnd.status = proc.CLOSED
    rnd.decision_number, rnd.decision_date, rnd.decision_signer = number, decided_on, signer
    rnd.closed_at = now
    record(
        db,
        actor=actor,
        action="round.decision",
        entity=f"round:{rnd.id}",
        after={
            "number": number,
            "date": decided_on.isoformat(),
            "signer": signer,
            "submissions": [s.id for s in subs],
        },
    )
    return subs


def round_public(rnd: ReviewRound) -> dict[str, object]:
    def iso(d: date | None) -> str | None:
        return d.isoformat() if d else None

    return {
        "id": rnd.id,
        "kind": rnd.kind,
        "code": rnd.code,
        "standard": rnd.standard_id,
        "status": rnd.status,
        "starts_on": iso(rnd.starts_on),
        "ends_on": iso(rnd.ends_on),
        "posting_starts_on": iso(rnd.posting_starts_on),
        "posting_ends_on": iso(rnd.posting_ends_on),
        "decision_number": rnd.decision_number,
        "decision_date": iso(rnd.decision_date),
        "decision_signer": rnd.decision_signer,
        "decision_due": proc.decision_due(proc.spec_for(rnd.kind, rnd.code)).isoformat(),
    }
