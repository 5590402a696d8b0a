"""Who is reminded of what, now: rules -> firings -> audience -> outbox rows (sent or skipped).

Planning is idempotent: each row's key names the period, the rule firing and the recipient, and
the outbox keeps one row per key. Re-planning after a restart, or by a second scheduler, adds
nothing that is already there; `preview` runs the same plan without writing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.i18n import N_, Translator
from domain.procedure import AWAITING_REVIEW, stage
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
from handlers.reminder_plan import LOOKBACK, Planned, _address, _base, _World, _world
from handlers.round_reminders import plan_rounds
from handlers.support_reminders import plan_helpers
from storage.hamlet_reports import answered_by_annual, answering_period
from storage.models import OrgUnit
from storage.models_outbox import OutboxMessage
from storage.models_register import HamletReport, ReportingPeriod, Submission
from storage.upsert import insert_ignore

HAMLET_LEVELS = ("hamlet",)

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
    skipped = await answered_by_annual(db, list(periods))
    out: list[Planned] = []
    for period in periods:
        if period.id in skipped:
            continue
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
    out += await plan_rounds(db, world, now, grace=grace, quiet=quiet)
    out += await plan_helpers(db, world, now, grace=grace, quiet=quiet)
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
        # The period hamlets answer that day: the annual review in its season, else the month.
        period = await answering_period(db, firing.at)
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
            # What waits for the officer: past the hamlet meeting, or a register change.
            pending = sum(
                1
                for s in subs
                if s.commune_id == commune.id and stage(s.kind, s.status) == AWAITING_REVIEW
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
