"""Writes the demo plan (storage.demo_plan) into an empty database, through the functions the bot
itself uses to submit and decide reports, so every figure is derived as a real one would be.

Everything it writes is marked: the audit log's "demo.seed" entry (has_demo_data), which the
dashboard shows as a banner, and the people, invites and decisions recorded by "seed".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.calendar import monthly
from domain.i18n import LOCAL_TZ, fold
from domain.procedure import POSTED, needs_meeting
from storage.audit import record
from storage.demo_plan import DemoPlan, build
from storage.hamlet_reports import approve_report, change_counts, submit_report
from storage.meetings import close_meeting, start_meeting, vote
from storage.models import AuditLog, OrgUnit, Person
from storage.models_procedure import HamletMeeting
from storage.models_register import Household, ReportingPeriod, Submission
from storage.periods import ensure_period
from storage.register import apply_decision, decide, submit

MARKER = "demo.seed"
# Who works in the demo tree (the invites of storage.seed name three of them).
PEOPLE: dict[str, tuple[str, str]] = {
    "37": ("admin", "Lê Văn Cường"),
    "37-GIAVIEN": ("officer", "Trần Thị Bình"),
    "37-KIMSON": ("officer", "Hoàng Văn Tùng"),
    "37-HOALU": ("officer", "Phạm Thu Hằng"),
    "37-GIAVIEN-01": ("hamlet_head", "Nguyễn Văn An"),
    "37-GIAVIEN-02": ("hamlet_head", "Phạm Thị Dung"),
    "37-GIAVIEN-03": ("hamlet_head", "Bùi Văn Khánh"),
    "37-KIMSON-01": ("hamlet_head", "Đinh Văn Giang"),
    "37-KIMSON-02": ("hamlet_head", "Quách Thị Lan"),
    "37-HOALU-01": ("hamlet_head", "Vũ Thị Hoa"),
    "37-HOALU-02": ("hamlet_head", "Đỗ Minh Tuấn"),
}


@dataclass(frozen=True)
class DemoSummary:
    households: int
    hamlets: int
    poor: int
    near_poor: int
    changes: int  # approved during the year
    pending: int  # awaiting the officer
    reports: int


async def has_demo_data(db: AsyncSession) -> bool:
    stmt = select(AuditLog.id).where(AuditLog.action == MARKER).limit(1)
    return (await db.execute(stmt)).first() is not None


async def _people(db: AsyncSession, units: dict[str, OrgUnit]) -> dict[str, Person]:
    out = {}
    for code, (role, name) in PEOPLE.items():
        if code in units:
            person = Person(name=name, role=role, org_unit_id=units[code].id)
            db.add(person)
            out[code] = person
    await db.flush()
    return out


async def _periods(db: AsyncSession, plan: DemoPlan) -> dict[tuple[int, int], ReportingPeriod]:
    out = {}
    for month in plan.months:
        out[(month.year, month.month)] = await ensure_period(
            db, monthly(month.year, month.month), actor="seed"
        )
    return out


async def _households(
    db: AsyncSession, plan: DemoPlan, units: dict[str, OrgUnit], since: datetime
) -> list[int]:
    """Inserted in one statement (a thousand ORM objects take a second); their ids, in order."""
    rows: list[dict[str, object]] = []
    numbers: dict[int, int] = {}
    for h in plan.households:
        hamlet = units[h.hamlet]
        commune_id = hamlet.parent_id or hamlet.id
        numbers[commune_id] = numbers.get(commune_id, 0) + 1  # H00001… per commune, as the bot
        rows.append(
            {
                "code": f"H{numbers[commune_id]:05d}",
                "commune_id": commune_id,
                "hamlet_id": hamlet.id,
                "head_name": h.head_name,
                "name_key": fold(h.head_name),
                "members": h.members,
                "ethnic_minority": h.ethnic_minority,
                "phone": None,
                "area": h.area,
                "status": h.initial_status,
                "status_since": None,
                "active": True,
                "causes": [],
                "created_at": since,
                "updated_at": since,
            }
        )
    stmt = insert(Household).returning(Household.id, sort_by_parameter_order=True)  # type: ignore[arg-type]
    return list((await db.execute(stmt, rows)).scalars())


@dataclass
class _Writer:
    db: AsyncSession
    plan: DemoPlan
    ids: list[int]  # household ids, in the plan's order
    units: dict[str, OrgUnit]
    people: dict[str, Person]
    periods: dict[tuple[int, int], ReportingPeriod]
    year: datetime  # the first moment of the demo's year
    meetings: dict[str, HamletMeeting] = field(default_factory=dict)  # open, per hamlet

    def head(self, hamlet: OrgUnit) -> Person:
        return self.people[hamlet.code]

    def officer(self, hamlet: OrgUnit) -> Person:
        commune = next(u for u in self.units.values() if u.id == hamlet.parent_id)
        return self.people[commune.code]

    async def meeting(self, hamlet: OrgUnit, at: datetime) -> HamletMeeting:
        """The hamlet's meeting on that day: one a day, opened by the hamlet head."""
        day = at.astimezone(LOCAL_TZ).date()
        held = self.meetings.get(hamlet.code)
        if held is not None and held.held_on == day:
            return held
        if held is not None:
            await self.close(held)
        held = await start_meeting(
            self.db,
            hamlet_id=hamlet.id,  # type: ignore[arg-type]
            round_id=None,
            held_on=day,
            present=18 + (day.toordinal() * 7 + len(hamlet.code)) % 23,
            chair_id=self.head(hamlet).id,
            actor=self.as_head(hamlet),
        )
        self.meetings[hamlet.code] = held
        return held

    def as_head(self, hamlet: OrgUnit) -> str:
        return f"person:{self.head(hamlet).id}"

    async def approve(self, submission: Submission, hamlet: OrgUnit, at: datetime) -> None:
        """As the procedure has it (QĐ 24/2021): a change of status passes the hamlet meeting,
        the officer puts it on the list and the commune's decision applies it; a change of the
        register itself the officer approves. Last year's review, before the demo's year, is
        kept as its decisions only."""
        officer = self.officer(hamlet).id
        if not needs_meeting(submission.kind):
            await decide(
                self.db,
                submission=submission,
                decision="approve",
                reason=None,
                officer_id=officer,
                now=at,
            )
            return
        if at >= self.year:
            meeting = await self.meeting(hamlet, at - timedelta(hours=3))
            await vote(
                self.db,
                meeting=meeting,
                submission=submission,
                votes_for=meeting.present - (submission.id or 0) % 4,  # type: ignore[operator]
                now=at - timedelta(hours=3),
                actor=self.as_head(hamlet),
            )
            await decide(
                self.db,
                submission=submission,
                decision="approve",
                reason=None,
                officer_id=officer,
                now=at - timedelta(hours=1),
            )
        submission.status = POSTED  # the list's public posting, which the demo does not keep
        await apply_decision(
            self.db, submission=submission, officer_id=officer, at=at, actor=f"person:{officer}"
        )

    async def changes(self) -> None:
        """Each report submitted, then approved, in order of decision."""
        for n, c in enumerate(self.plan.changes):
            hamlet = self.units[self.plan.households[c.household].hamlet]
            local = c.submitted_at.astimezone(LOCAL_TZ)
            period = self.periods.get((local.year, local.month))
            reporter = self.head(hamlet) if c.source == "hamlet_head" else None
            new = await submit(
                self.db,
                idempotency_key=f"demo:{n}",
                kind=c.kind,
                source=c.source,
                household_id=self.ids[c.household],
                hamlet=hamlet,
                period_id=period.id if period else None,
                reporter_id=reporter.id if reporter else None,
                answers=c.answers,
                result=c.result,
                note=None,
                now=c.submitted_at,
                actor=f"person:{reporter.id}" if reporter else "seed",
            )
            if c.decided_at is not None:
                await self.approve(new.submission, hamlet, c.decided_at)
        for held in self.meetings.values():
            await self.close(held)

    async def close(self, meeting: HamletMeeting) -> None:
        """Closed the evening of the day it was held."""
        end = datetime.combine(meeting.held_on, time(17), LOCAL_TZ)
        await close_meeting(self.db, meeting=meeting, now=end, actor="seed")

    async def reports(self) -> None:
        """The hamlets' period reports, counting their month's changes as the bot does."""
        for r in self.plan.reports:
            hamlet, period = self.units[r.hamlet], self.periods[(r.month.year, r.month.month)]
            counts = await change_counts(self.db, period=period, hamlet_id=hamlet.id)  # type: ignore[arg-type]
            out = await submit_report(
                self.db,
                period=period,
                hamlet_id=hamlet.id,  # type: ignore[arg-type]
                counts=counts,
                no_change=not counts,
                person_id=self.head(hamlet).id,  # type: ignore[arg-type]
                seen_version=0,
                now=r.submitted_at,
            )
            if r.approved and out.report is not None:
                await approve_report(
                    self.db,
                    report_id=out.report.id,  # type: ignore[arg-type]
                    officer_id=self.officer(hamlet).id,  # type: ignore[arg-type]
                    commune_id=hamlet.parent_id,  # type: ignore[arg-type]
                )


async def write_demo(
    db: AsyncSession, *, units: Sequence[OrgUnit], now: datetime
) -> tuple[DemoSummary, dict[str, Person]]:
    """The demo register and its year of history for these units' hamlets."""
    by_code = {u.code: u for u in units}
    hamlets = [(u.code, u.area) for u in units if u.level == "hamlet"]
    plan = build(hamlets, now)
    people = await _people(db, by_code)
    periods = await _periods(db, plan)
    ids = await _households(db, plan, by_code, since=now - timedelta(days=400))
    year = datetime.combine(plan.months[0], time(0), LOCAL_TZ)
    writer = _Writer(db, plan, ids, by_code, people, periods, year)
    # Audit rows and assessments wait for the next explicit flush and go in batches, instead of
    # one statement each before every query.
    with db.no_autoflush:
        await writer.changes()
    await db.flush()
    await writer.reports()
    summary = DemoSummary(
        households=len(ids),
        hamlets=len(hamlets),
        poor=sum(h.status == "poor" and h.active for h in plan.households),
        near_poor=sum(h.status == "near_poor" and h.active for h in plan.households),
        changes=sum(c.decided_at is not None and c.submitted_at >= year for c in plan.changes),
        pending=sum(c.decided_at is None for c in plan.changes),
        reports=len(plan.reports),
    )
    record(db, actor="seed", action=MARKER, entity="database", after=summary.__dict__)
    return summary, people
