"""What a reminder plan is made of: the rows it plans, the world it reads, and addressing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.reminders import Decision, Firing
from storage.models import ChannelAccount, OrgUnit, Person
from storage.models_outbox import OutboxMessage
from storage.models_register import ReportingPeriod

LOOKBACK = timedelta(days=8)  # firings older than this are not looked at any more


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
