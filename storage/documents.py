"""What the procedure's documents print, read in a few queries: a meeting with its votes, a
round's list, the commune's register as the round's decision leaves it, a household's latest
assessment, the decisions that concerned a household, the round of a reporting period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import procedure as proc
from domain.decision_lists import State, expected, full_lists
from storage.models import OrgUnit, Person
from storage.models_procedure import HamletMeeting, MeetingVote, ReviewRound
from storage.models_register import Assessment, Household, Submission
from storage.rounds import decision_moment

GROUPS = ("poor", "near_poor")


@dataclass(frozen=True)
class Entry:
    """One household on a round's or a meeting's list."""

    submission: Submission
    household: Household | None
    hamlet: OrgUnit
    vote: MeetingVote | None
    before: State
    after: State  # as decided, or as the decision would leave it


@dataclass(frozen=True)
class Place:
    commune: OrgUnit
    province: OrgUnit | None


@dataclass(frozen=True)
class MeetingSheet:
    meeting: HamletMeeting
    hamlet: OrgUnit
    place: Place
    chair: Person | None
    entries: list[Entry]


@dataclass(frozen=True)
class RoundSheet:
    round: ReviewRound
    place: Place
    entries: list[Entry]  # the round's list, by hamlet
    # Every household poor or near-poor once the decision applies (the annual lists), by hamlet.
    register: list[tuple[Household, OrgUnit, State]]


async def place_of(db: AsyncSession, unit: OrgUnit) -> Place:
    """The commune a unit belongs to (itself, or a hamlet's parent) and its province."""
    commune = unit
    if unit.level == "hamlet" and unit.parent_id is not None:
        commune = await db.get(OrgUnit, unit.parent_id) or unit
    province = await db.get(OrgUnit, commune.parent_id) if commune.parent_id else None
    return Place(commune, province)


async def _units(db: AsyncSession, ids: set[int]) -> dict[int, OrgUnit]:
    rows = (await db.execute(select(OrgUnit).where(OrgUnit.id.in_(ids)))).scalars()  # type: ignore[union-attr]
    return {u.id: u for u in rows}  # type: ignore[misc]


async def _entries(
    db: AsyncSession, subs: Sequence[Submission], votes: dict[int, MeetingVote]
) -> list[Entry]:
    ids = {s.household_id for s in subs if s.household_id}
    households = (
        {
            h.id: h
            for h in (await db.execute(select(Household).where(Household.id.in_(ids)))).scalars()  # type: ignore[union-attr]
        }
        if ids
        else {}
    )
    hamlets = await _units(db, {s.hamlet_id for s in subs})
    out = []
    for s in subs:
        h = households.get(s.household_id) if s.household_id else None
        before, after = _transition(s, h)
        out.append(Entry(s, h, hamlets[s.hamlet_id], votes.get(s.id), before, after))  # type: ignore[arg-type]
    return out


def _transition(s: Submission, h: Household | None) -> tuple[State, State]:
    """The household's state before and after a submission: as its approval recorded them, or
    (not decided yet) as the register stands and the change would leave it."""
    if s.status == "approved" and s.before_status is not None:
        before = State(s.before_status, bool(s.before_active))
        return before, State(s.after_status or s.before_status, bool(s.after_active))
    before = State(h.status, h.active) if h else State("unknown", False)
    return before, expected(s.kind, before, (s.result or {}).get("class"))


async def _last_votes(db: AsyncSession, submission_ids: list[int]) -> dict[int, MeetingVote]:
    if not submission_ids:
        return {}
    stmt = (
        select(MeetingVote)
        .where(MeetingVote.submission_id.in_(submission_ids))  # type: ignore[attr-defined]
        .order_by(MeetingVote.id)
    )
    return {v.submission_id: v for v in (await db.execute(stmt)).scalars()}  # the latest wins


async def meeting_sheet(db: AsyncSession, meeting: HamletMeeting) -> MeetingSheet:
    hamlet = await db.get(OrgUnit, meeting.hamlet_id)
    assert hamlet is not None
    votes = list(
        (
            await db.execute(
                select(MeetingVote)
                .where(MeetingVote.meeting_id == meeting.id)
                .order_by(MeetingVote.id)
            )
        ).scalars()
    )
    subs = {
        s.id: s
        for s in (
            await db.execute(
                select(Submission).where(Submission.id.in_([v.submission_id for v in votes]))  # type: ignore[union-attr]
            )
        ).scalars()
    }
    by_sub = {v.submission_id: v for v in votes}
    entries = await _entries(db, [subs[v.submission_id] for v in votes], by_sub)
    chair = await db.get(Person, meeting.chair_id) if meeting.chair_id else None
    return MeetingSheet(meeting, hamlet, await place_of(db, hamlet), chair, entries)


def _round_list(rnd: ReviewRound):  # type: ignore[no-untyped-def]
    """The round's list: its decided households once closed, the posted ones while posted, the
    ones the commune accepted while it is open (a draft of the list to post)."""
    if rnd.status == proc.CLOSED:
        where = (Submission.round_id == rnd.id, Submission.status == "approved")
    elif rnd.status == proc.POSTING:
        where = (Submission.round_id == rnd.id, Submission.status == proc.POSTED)
    else:
        where = (Submission.commune_id == rnd.commune_id, Submission.status == proc.ACCEPTED)
    return select(Submission).where(*where).order_by(Submission.hamlet_id, Submission.id)


async def round_entries(db: AsyncSession, rnd: ReviewRound) -> list[Entry]:
    subs = list((await db.execute(_round_list(rnd))).scalars())
    return await _entries(db, subs, await _last_votes(db, [s.id for s in subs]))  # type: ignore[misc]


async def _states_at_decision(
    db: AsyncSession, rnd: ReviewRound, households: Sequence[Household]
) -> dict[int, State]:
    """Each household's state right after a closed round's decision: its register entry, or
    the state before its first approval decided after that moment."""
    assert rnd.decision_date is not None
    stmt = (
        select(Submission)
        .where(
            Submission.commune_id == rnd.commune_id,
            Submission.status == "approved",
            Submission.decided_at > decision_moment(rnd.decision_date),  # type: ignore[operator]
            Submission.household_id.is_not(None),  # type: ignore[union-attr]
        )
        .order_by(Submission.decided_at.desc(), Submission.id.desc())  # type: ignore[union-attr]
    )
    states = {h.id: State(h.status, h.active) for h in households}
    for s in (await db.execute(stmt)).scalars():  # the earliest is read last and wins
        if s.before_status is not None:
            states[s.household_id] = State(s.before_status, bool(s.before_active))  # type: ignore[index]
    return states  # type: ignore[return-value]


async def round_sheet(db: AsyncSession, rnd: ReviewRound) -> RoundSheet:
    commune = await db.get(OrgUnit, rnd.commune_id)
    assert commune is not None
    entries = await round_entries(db, rnd)
    households = list(
        (
            await db.execute(
                select(Household)
                .where(Household.commune_id == rnd.commune_id)
                .order_by(Household.hamlet_id, Household.code)
            )
        ).scalars()
    )
    if rnd.status == proc.CLOSED and rnd.decision_date is not None:
        states = await _states_at_decision(db, rnd, households)
    else:
        states = {h.id: State(h.status, h.active) for h in households}
        for e in entries:
            if e.household is not None:
                states[e.household.id] = e.after  # type: ignore[index]
    hamlets = await _units(db, {h.hamlet_id for h in households})
    register = [
        (h, hamlets[h.hamlet_id], states[h.id])  # type: ignore[index]
        for h in households
        if any(states[h.id].member(g) for g in GROUPS)  # type: ignore[index]
    ]
    return RoundSheet(rnd, await place_of(db, commune), entries, register)


async def latest_assessment(db: AsyncSession, household_id: int) -> Assessment | None:
    stmt = (
        select(Assessment)
        .where(
            Assessment.household_id == household_id,
            Assessment.approved.is_(True),  # type: ignore[attr-defined]
        )
        .order_by(Assessment.created_at.desc(), Assessment.id.desc())  # type: ignore[union-attr]
    )
    return (await db.execute(stmt.limit(1))).scalars().first()


async def assessments_of(db: AsyncSession, household_ids: Sequence[int]) -> dict[int, Assessment]:
    """The latest approved assessment of each household."""
    if not household_ids:
        return {}
    stmt = (
        select(Assessment)
        .where(
            Assessment.household_id.in_(list(household_ids)),  # type: ignore[attr-defined]
            Assessment.approved.is_(True),  # type: ignore[attr-defined]
        )
        .order_by(Assessment.created_at, Assessment.id)
    )
    return {a.household_id: a for a in (await db.execute(stmt)).scalars()}


@dataclass(frozen=True)
class Recognition:
    """A closed round's decision that concerned a household: the state it left the household in,
    and the deprivations it was decided on (None where the decision recorded none)."""

    round: ReviewRound
    after: State
    deprived: list[str] | None


async def recognitions(
    db: AsyncSession, households: Sequence[Household]
) -> dict[int, list[Recognition]]:
    """Each household's decisions, oldest first: every closed round that approved a change of
    it, and every closed round recognising whole lists (the annual review) of its commune that
    found it poor or near-poor at its decision. Nothing else concerns a household: a round of
    the commune that neither changed it nor recognised whole lists is not its decision."""
    ids = [h.id for h in households if h.id is not None]
    if not ids:
        return {}
    subs = list(
        (
            await db.execute(
                select(Submission)
                .where(
                    Submission.household_id.in_(ids),  # type: ignore[union-attr]
                    Submission.status == "approved",
                    Submission.decided_at.is_not(None),  # type: ignore[union-attr]
                )
                .order_by(Submission.decided_at, Submission.id)  # type: ignore[arg-type]
            )
        ).scalars()
    )
    round_ids = {s.round_id for s in subs if s.round_id is not None}
    communes = {h.commune_id for h in households}
    rounds = {
        r.id: r
        for r in (
            await db.execute(
                select(ReviewRound).where(
                    or_(
                        ReviewRound.id.in_(round_ids),  # type: ignore[union-attr]
                        ReviewRound.commune_id.in_(communes),  # type: ignore[attr-defined]
                    ),
                    ReviewRound.status == proc.CLOSED,
                    ReviewRound.decision_date.is_not(None),  # type: ignore[union-attr]
                )
            )
        ).scalars()
    }
    assessed = (
        {
            a.submission_id: a
            for a in (
                await db.execute(
                    select(Assessment).where(
                        Assessment.submission_id.in_([s.id for s in subs]),  # type: ignore[union-attr]
                        Assessment.approved.is_(True),  # type: ignore[attr-defined]
                    )
                )
            ).scalars()
        }
        if subs
        else {}
    )
    by_household: dict[int, list[Submission]] = {i: [] for i in ids}  # type: ignore[misc]
    for s in subs:
        by_household[s.household_id].append(s)  # type: ignore[index]
    out: dict[int, list[Recognition]] = {}
    for h in households:
        own = by_household.get(h.id, [])  # type: ignore[arg-type]
        decided: dict[int, Recognition] = {}
        for s in own:  # a round's later approval of the household wins
            rnd = rounds.get(s.round_id) if s.round_id is not None else None
            if rnd is None:
                continue  # not a round's decision (a register change), or not decided
            a = assessed.get(s.id)
            deprived = a.deprived if a is not None else (s.result or {}).get("deprived")
            decided[rnd.id] = Recognition(  # type: ignore[index]
                rnd, _transition(s, h)[1], list(deprived) if deprived is not None else None
            )
        for rnd in rounds.values():
            if rnd.id in decided or rnd.commune_id != h.commune_id or not full_lists(rnd.kind):
                continue
            # The household as the decision found it: its register entry, or the state before
            # its first approval decided after that moment (as _states_at_decision reads it).
            moment = decision_moment(rnd.decision_date)  # type: ignore[arg-type]
            later = (
                s
                for s in own
                if s.decided_at > moment and s.before_status is not None  # type: ignore[operator]
            )
            first = next(later, None)
            state = (
                State(first.before_status, bool(first.before_active))  # type: ignore[arg-type]
                if first is not None
                else State(h.status, h.active)
            )
            if any(state.member(g) for g in GROUPS):
                decided[rnd.id] = Recognition(rnd, state, None)  # type: ignore[index]
        out[h.id] = sorted(  # type: ignore[index]
            decided.values(), key=lambda r: (r.round.decision_date, r.round.id)
        )
    return out


PERIOD_ROUNDS = {"annual": proc.PERIODIC, "monthly": proc.REGULAR}


async def period_round(
    db: AsyncSession, *, commune_id: int, kind: str, code: str
) -> ReviewRound | None:
    """The commune's round of a reporting period: the annual review of an annual period, the
    monthly review of a month (the same code: "2026", "2026-05"); None for other periods."""
    round_kind = PERIOD_ROUNDS.get(kind)
    if round_kind is None:
        return None
    stmt = select(ReviewRound).where(
        ReviewRound.commune_id == commune_id,
        ReviewRound.kind == round_kind,
        ReviewRound.code == code,
    )
    return (await db.execute(stmt.limit(1))).scalars().first()
