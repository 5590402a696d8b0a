"""Households registering themselves to exit poverty: matching, open registrations, hamlet review.

The officer's decision stays in storage.register.decide(), the hamlet meeting's vote in
storage.meetings; the hamlet head may only return a registration ("returned") before the meeting.
"hamlet_reviewed" is kept from before the meeting was recorded: such registrations still await it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.i18n import fold, nfc
from storage.audit import record
from storage.models import AuditLog, ChannelAccount, Person
from storage.models_procedure import MeetingVote
from storage.models_register import EXIT_REGISTRATION, Household, Submission
from storage.paging import page
from storage.people import account_for

OPEN_STATES = ("submitted", "hamlet_reviewed", "returned")
ELIGIBLE = ("poor", "near_poor")  # only these households can register to exit
REVIEW_STATUS = {"return": "returned"}
# Audited hamlet reviews, the old "confirm" included: they date a registration's last change.
REVIEW_ACTIONS = ("submission.hamlet_confirm", "submission.hamlet_return")


async def find_poor_households(
    db: AsyncSession,
    *,
    hamlet_id: int,
    name: str,
    members: int | None = None,
    phone: str | None = None,
    statuses: tuple[str, ...] | None = ELIGIBLE,
) -> list[Household]:
    """Poor or near-poor households of a hamlet with this head's name (the exact name first);
    `statuses=None`: any household of the hamlet's register."""
    key = fold(name)
    base = select(Household).where(
        Household.hamlet_id == hamlet_id,
        Household.active.is_(True),  # type: ignore[attr-defined]
    )
    if statuses is not None:
        base = base.where(Household.status.in_(statuses))  # type: ignore[attr-defined]
    found = list((await db.execute(base.where(Household.name_key == key))).scalars())
    if not found:
        partial = base.where(Household.name_key.contains(key, autoescape=True))  # type: ignore[attr-defined]
        found = list((await db.execute(partial)).scalars())
    if members is not None:
        found = [h for h in found if h.members == members]
    if phone is not None:
        found = [h for h in found if h.phone == phone]
    return sorted(found, key=lambda h: h.id or 0)


def _open() -> Any:
    return select(Submission).where(
        Submission.kind == EXIT_REGISTRATION,
        Submission.status.in_(OPEN_STATES),  # type: ignore[attr-defined]
    )


async def open_for_household(
    db: AsyncSession, *, household_id: int | None, hamlet_id: int, name: str
) -> Submission | None:
    """The household's registration still in progress; an unmatched one is known by hamlet + name."""
    if household_id is not None:
        stmt = _open().where(Submission.household_id == household_id)
        return (await db.execute(stmt.limit(1))).scalars().first()
    stmt = _open().where(Submission.hamlet_id == hamlet_id, Submission.household_id.is_(None))  # type: ignore[union-attr]
    key = fold(name)
    for sub in (await db.execute(stmt)).scalars():
        if sub.answers.get("name_key") == key:
            return sub
    return None


async def open_for_reporter(db: AsyncSession, *, reporter_id: int) -> Submission | None:
    stmt = _open().where(Submission.reporter_id == reporter_id).order_by(Submission.id.desc())  # type: ignore[union-attr]
    return (await db.execute(stmt.limit(1))).scalars().first()


async def registrations_of(
    db: AsyncSession, *, reporter_id: int, limit: int = 5
) -> list[Submission]:
    """A household person's own registrations, newest first."""
    stmt = (
        select(Submission)
        .where(Submission.kind == EXIT_REGISTRATION, Submission.reporter_id == reporter_id)
        .order_by(Submission.id.desc())  # type: ignore[union-attr]
        .limit(limit)
    )
    return list((await db.execute(stmt)).scalars())


async def registration_by_ref(
    db: AsyncSession, ref: str, *, for_update: bool = False
) -> Submission | None:
    stmt = select(Submission).where(
        Submission.ref == ref.strip().upper(), Submission.kind == EXIT_REGISTRATION
    )
    if for_update:
        stmt = stmt.with_for_update()
    return (await db.execute(stmt)).scalar_one_or_none()


async def pending_in_hamlet(
    db: AsyncSession, *, hamlet_id: int, limit: int = 5, offset: int = 0
) -> tuple[list[Submission], int]:
    """Registrations of one hamlet waiting for the hamlet meeting, oldest first."""
    base = select(Submission).where(
        Submission.kind == EXIT_REGISTRATION,
        Submission.hamlet_id == hamlet_id,
        Submission.status == "submitted",
    )
    return await page(db, base, Submission.submitted_at, Submission.id, limit=limit, offset=offset)


async def hamlet_review(
    db: AsyncSession,
    *,
    submission: Submission,
    decision: str,
    reason: str | None,
    reviewer_id: int,
    now: datetime,
) -> None:
    """return (to the household, with a reason); only the hamlet meeting passes one."""
    if decision not in REVIEW_STATUS:
        raise ValueError(f"{decision!r}: only the hamlet meeting's vote passes a registration")
    if submission.status != "submitted":
        raise ValueError(f"registration {submission.ref} is {submission.status}, not submitted")
    status = REVIEW_STATUS[decision]
    before = {"status": submission.status}
    submission.status = status
    submission.decision_reason = reason if decision == "return" else None
    entry = record(
        db,
        actor=f"person:{reviewer_id}",
        action=f"submission.hamlet_{decision}",
        entity=f"submission:{submission.id}",
        before=before,
        after={"status": status, "reason": reason},
    )
    entry.at = now  # the review's own time: the household's /trangthai dates it from here


async def last_changes(db: AsyncSession, subs: list[Submission]) -> dict[str, datetime]:
    """When each registration (by ref) last changed: sent again, reviewed at the hamlet, decided."""
    out = {s.ref: max(s.submitted_at, s.decided_at or s.submitted_at) for s in subs}
    refs = {f"submission:{s.id}": s.ref for s in subs}
    if not refs:
        return out
    stmt = select(AuditLog.entity, AuditLog.at).where(
        AuditLog.entity.in_(refs),  # type: ignore[attr-defined]
        AuditLog.action.in_(REVIEW_ACTIONS),  # type: ignore[attr-defined]
    )
    for entity, at in (await db.execute(stmt)).all():
        out[refs[entity]] = max(out[refs[entity]], at)
    by_id = {s.id: s.ref for s in subs}
    votes = select(MeetingVote.submission_id, MeetingVote.at).where(
        MeetingVote.submission_id.in_(by_id)  # type: ignore[attr-defined]
    )
    for sub_id, at in (await db.execute(votes)).all():  # the hamlet meeting's vote
        out[by_id[sub_id]] = max(out[by_id[sub_id]], at)
    return out


async def hamlet_heads(db: AsyncSession, *, hamlet_id: int) -> list[int]:
    stmt = select(Person.id).where(
        Person.role == "hamlet_head",
        Person.org_unit_id == hamlet_id,
        Person.active.is_(True),  # type: ignore[attr-defined]
    )
    return [int(i) for i in (await db.execute(stmt)).scalars()]


async def link_household_chat(
    db: AsyncSession,
    *,
    channel: str,
    user_id: str,
    chat_id: str,
    name: str,
    hamlet_id: int,
    household_id: int | None,
    locale: str,
    via: str = EXIT_REGISTRATION,
) -> Person:
    """The registering chat becomes a household person, so decisions can reach it later;
    `via` names what it sent (an exit registration, a request, a complaint) in the audit log."""
    actor = f"{channel}:{user_id}"
    person = Person(
        name=nfc(name),
        role="household",
        org_unit_id=hamlet_id,
        household_id=household_id,
        locale=locale,
    )
    db.add(person)
    await db.flush()
    record(
        db,
        actor=actor,
        action="person.create",
        entity=f"person:{person.id}",
        after={
            "name": person.name,
            "role": person.role,
            "org_unit_id": hamlet_id,
            "household_id": household_id,
        },
    )
    account = await account_for(db, channel=channel, user_id=user_id)
    before = None
    if account is None:
        account = ChannelAccount(
            channel=channel,
            external_user_id=user_id,
            chat_id=chat_id,
            person_id=person.id,  # type: ignore[arg-type]
        )
        db.add(account)
    else:  # an account whose person was deactivated: it now speaks for this household
        before = {"person_id": account.person_id, "active": account.active}
        account.person_id, account.chat_id, account.active = person.id, chat_id, True  # type: ignore[assignment]
    await db.flush()
    record(
        db,
        actor=actor,
        action="account.link",
        entity=f"channel_account:{account.id}",
        before=before,
        after={"person_id": person.id, "channel": channel, "via": via},
    )
    return person
