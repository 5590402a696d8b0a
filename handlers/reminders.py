"""Who is reminded of what, now: rules -> firings -> audience -> outbox rows (sent or skipped).

Planning is idempotent: each row's key names the period, the rule firing and the recipient, and
the outbox keeps one row per key. Re-planning after a restart, or by a second scheduler, adds
nothing that is already there; `preview` runs the same plan without writing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.i18n import N_, Translator
from domain.reminders import (
    BEFORE,
    DIGEST,
    ESCALATION,
    OVERDUE,
    RULES,
    Decision,
    Firing,
    QuietHours,
    decide,
    digest_firings,
    firings,
)
from storage.models import ChannelAccount, OrgUnit, Person
from storage.models_outbox import OutboxMessage
from storage.models_register import HamletReport, ReportingPeriod, Submission
from storage.upsert import insert_ignore

HAMLET_LEVELS = ("hamlet",)
LOOKBACK = timedelta(days=8)  # firings older than this are not looked at any more

TEXTS = {
    BEFORE: N_(
        "Reminder: {hamlet} has not sent its report for period {period}. Deadline: {deadline}."
    ),
    OVERDUE: N_(
        "Overdue by {days} day(s): {hamlet} has not sent its report for period {period} (deadline {deadline})."
    ),
    ESCALATION: N_(
        "Period {period} (deadline {deadline}): {count} hamlet(s) have not reported: {hamlets}."
    ),
    "digest": N_(
        "Weekly summary: {pending} submission(s) waiting for review, {missing} hamlet(s) without a report for period {period}, {registrations} new exit registration(s) this week."
    ),
}
REPORT_BUTTON = N_("Send the period report")
REVIEW_BUTTON = N_("Review submissions")


@dataclass
class Planned:
    key: str
    rule: str
    period_id: int | None
    person_id: int | None
    hamlet_id: int | None
    due_at: datetime
    status: str  # pending | skipped
    reason: str
    channel: str | None = None
    chat_id: str | None = None
    text: str = ""
    choices: list[list[str]] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "rule": self.rule,
            "period_id": self.period_id,
            "person_id": self.person_id,
            "hamlet_id": self.hamlet_id,
            "due_at": self.due_at,
            "status": self.status,
            "reason": self.reason,
            "channel": self.channel,
            "chat_id": self.chat_id,
            "text": self.text,
            "choices": self.choices,
        }


@dataclass
class _World:
    """What a plan reads, loaded once per tick."""

    units: dict[int, OrgUnit]
    people_by_unit: dict[tuple[int, str], list[Person]]
    accounts: dict[int, list[ChannelAccount]]
    existing: set[str]


async def _world(db: AsyncSession, now: datetime) -> _World:
    units = {u.id: u for u in (await db.execute(select(OrgUnit))).scalars()}  # type: ignore[misc]
    people = (await db.execute(select(Person).where(Person.active.is_(True)))).scalars().all()  # type: ignore[attr-defined]
    by_unit: dict[tuple[int, str], list[Person]] = defaultdict(list)
    for p in people:
        if p.org_unit_id is not None:
            by_unit[(p.org_unit_id, p.role)].append(p)
    accounts: dict[int, list[ChannelAccount]] = defaultdict(list)
    for a in (await db.execute(select(ChannelAccount))).scalars():
        accounts[a.person_id].append(a)
    # Keys older than any firing still looked at can never be planned again.
    recent = select(OutboxMessage.key).where(
        OutboxMessage.created_at > now - LOOKBACK - timedelta(days=32)
    )
    return _World(units, by_unit, accounts, set((await db.execute(recent)).scalars()))


def _address(world: _World, person: Person, planned: Planned) -> Planned:
    """Pick the person's chat, or turn the row into a logged skip saying why there is none."""
    if planned.status == "skipped":
        return planned
    accounts = world.accounts.get(person.id or 0, [])
    active = [a for a in accounts if a.active]
    if not accounts:
        planned.status, planned.reason = "skipped", "no_linked_chat"
    elif not active:
        planned.status, planned.reason = "skipped", "inactive_account"
    else:
        planned.channel, planned.chat_id = active[0].channel, active[0].chat_id
    return planned


def _base(
    key: str, firing: Firing, decision: Decision, period: ReportingPeriod | None, **kw: Any
) -> Planned:
    skipped = decision.send_at is None
    return Planned(
        key=key,
        rule=firing.key,
        period_id=period.id if period else None,
        due_at=decision.send_at or firing.at,
        status="skipped" if skipped else "pending",
        reason=decision.reason,
        **kw,
    )


async def plan(
    db: AsyncSession,
    now: datetime,
    *,
    grace: timedelta,
    quiet: QuietHours,
    include_existing: bool = False,
) -> list[Planned]:
    """Every reminder due by `now` that is not in the outbox yet (all of them for a preview)."""
    world = await _world(db, now)
    periods = (
        (
            await db.execute(
                select(ReportingPeriod).where(
                    ReportingPeriod.status == "open",
                    ReportingPeriod.hamlet_deadline > now - LOOKBACK - timedelta(days=31),
                )
            )
        )
        .scalars()
        .all()
    )
    out: list[Planned] = []
    for period in periods:
        reported = set(
            (
                await db.execute(
                    select(HamletReport.hamlet_id).where(
                        HamletReport.period_id == period.id,
                        HamletReport.current.is_(True),  # type: ignore[attr-defined]
                    )
                )
            ).scalars()
        )
        due = [
            (firing, decision)
            for rule in RULES.get(period.kind, ())
            for firing in firings(rule, period.hamlet_deadline)
            if firing.at >= now - LOOKBACK
            and (decision := decide(firing, now, grace=grace, quiet=quiet)) is not None
        ]
        # After downtime several hamlet reminders can be due at once: send only the newest,
        # log the older ones as superseded (one nudge, not three identical messages).
        nudges = [(f, d) for f, d in due if f.rule.kind in (BEFORE, OVERDUE) and d.send_at]
        newest = max(nudges, key=lambda fd: fd[0].at)[0] if nudges else None
        for firing, decision in due:
            if firing.rule.kind in (BEFORE, OVERDUE):
                if decision.send_at and firing is not newest:
                    decision = Decision(None, "superseded")
                out += _to_hamlet_heads(world, period, firing, decision, reported)
            elif firing.rule.kind == ESCALATION:
                out += _to_officers(world, period, firing, decision, reported)
    out += await _digests(db, world, now, grace=grace, quiet=quiet)
    return out if include_existing else [p for p in out if p.key not in world.existing]


def _hamlets(world: _World) -> Iterable[OrgUnit]:
    return (u for u in world.units.values() if u.level in HAMLET_LEVELS and u.parent_id is not None)


def _to_hamlet_heads(
    world: _World, period: ReportingPeriod, firing: Firing, decision: Decision, reported: set[int]
) -> list[Planned]:
    out = []
    for hamlet in _hamlets(world):
        heads = world.people_by_unit.get((hamlet.id, "hamlet_head"), [])  # type: ignore[arg-type]
        for head in heads:
            key = f"p{period.id}:{firing.key}:u{head.id}:h{hamlet.id}"
            planned = _base(key, firing, decision, period, person_id=head.id, hamlet_id=hamlet.id)
            if hamlet.id in reported:
                planned.status, planned.reason = "skipped", "already_reported"
            t = Translator(head.locale)
            days = int(firing.key.rsplit("-", 1)[-1]) if firing.rule.kind == OVERDUE else 0
            planned.text = t(
                TEXTS[firing.rule.kind],
                hamlet=hamlet.name,
                period=period.code,
                deadline=t.datetime(period.hamlet_deadline),
                days=days,
            )
            planned.choices = [["flow:period_report", t(REPORT_BUTTON)]]
            out.append(_address(world, head, planned))
    return out


def _missing_by_commune(world: _World, reported: set[int]) -> dict[int, list[OrgUnit]]:
    missing: dict[int, list[OrgUnit]] = defaultdict(list)
    for hamlet in _hamlets(world):
        if hamlet.id not in reported:
            missing[hamlet.parent_id].append(hamlet)  # type: ignore[index]
    return missing


def _to_officers(
    world: _World, period: ReportingPeriod, firing: Firing, decision: Decision, reported: set[int]
) -> list[Planned]:
    out = []
    for commune_id, hamlets in _missing_by_commune(world, reported).items():
        for officer in world.people_by_unit.get((commune_id, "officer"), []):
            key = f"p{period.id}:{firing.key}:u{officer.id}:c{commune_id}"
            planned = _base(key, firing, decision, period, person_id=officer.id, hamlet_id=None)
            t = Translator(officer.locale)
            planned.text = t(
                TEXTS[ESCALATION],
                period=period.code,
                deadline=t.datetime(period.hamlet_deadline),
                count=len(hamlets),
                hamlets=", ".join(sorted(h.name for h in hamlets)),
            )
            out.append(_address(world, officer, planned))
    return out


async def _digests(
    db: AsyncSession, world: _World, now: datetime, *, grace: timedelta, quiet: QuietHours
) -> list[Planned]:
    out: list[Planned] = []
    for firing in digest_firings(now - LOOKBACK, now):
        decision = decide(firing, now, grace=grace, quiet=quiet)
        if decision is None:
            continue
        period = (
            await db.execute(
                select(ReportingPeriod)
                .where(ReportingPeriod.kind == "monthly", ReportingPeriod.status == "open")
                .order_by(ReportingPeriod.starts_on.desc())  # type: ignore[attr-defined]
                .limit(1)
            )
        ).scalar_one_or_none()
        reported: set[int] = set()
        if period is not None:
            reported = set(
                (
                    await db.execute(
                        select(HamletReport.hamlet_id).where(
                            HamletReport.period_id == period.id,
                            HamletReport.current.is_(True),  # type: ignore[attr-defined]
                        )
                    )
                ).scalars()
            )
        missing = _missing_by_commune(world, reported)
        subs = (
            await db.execute(
                select(
                    Submission.commune_id,
                    Submission.kind,
                    Submission.status,
                    Submission.submitted_at,
                )
            )
        ).all()
        for commune in (u for u in world.units.values() if u.level == "commune"):
            pending = sum(
                1
                for s in subs
                if s.commune_id == commune.id and s.status in ("submitted", "hamlet_reviewed")
            )
            fresh = sum(
                1
                for s in subs
                if s.commune_id == commune.id
                and s.kind == "exit_registration"
                and s.submitted_at > firing.at - timedelta(days=7)
            )
            for officer in world.people_by_unit.get((commune.id, "officer"), []):  # type: ignore[arg-type]
                key = f"{firing.key}:u{officer.id}:c{commune.id}"
                planned = _base(key, firing, decision, period, person_id=officer.id, hamlet_id=None)
                t = Translator(officer.locale)
                planned.text = t(
                    TEXTS[DIGEST],
                    pending=pending,
                    missing=len(missing.get(commune.id, [])),  # type: ignore[arg-type]
                    period=period.code if period else "—",
                    registrations=fresh,
                )
                planned.choices = [["flow:review", t(REVIEW_BUTTON)]]
                out.append(_address(world, officer, planned))
    return out


async def enqueue(db: AsyncSession, planned: Iterable[Planned]) -> int:
    """Write the plan; rows whose key exists are left alone. The number of rows written."""
    written = 0
    for p in planned:
        written += await insert_ignore(db, OutboxMessage, p.row(), ("key",))
    return written
