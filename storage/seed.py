"""Demo data for `make run` on an empty database: a slice of Ninh Bình, a register with a year of
history (storage.demo), and three invites for the people who work in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.demo import DemoSummary, write_demo
from storage.demo_rounds import record_rounds
from storage.demo_support import write_demo_support
from storage.models import OrgUnit
from storage.orgtree import import_units, parse_csv
from storage.people import create_invite

DEMO_CSV = Path(__file__).resolve().parent / "demo_units.csv"
# Unit codes here are illustrative, not GSO codes; real trees come in with `chungtay units import`.
DEMO_INVITES = (
    ("hamlet_head", "37-GIAVIEN-01", "Nguyễn Văn An"),
    ("officer", "37-GIAVIEN", "Trần Thị Bình"),
    ("admin", "37", "Lê Văn Cường"),
)


@dataclass(frozen=True)
class DemoInvite:
    role: str
    unit_name: str
    name: str
    code: str


async def is_empty(session: AsyncSession) -> bool:
    return (await session.execute(select(func.count()).select_from(OrgUnit))).scalar_one() == 0


async def seed_demo(
    session: AsyncSession, *, secret_key: str, now: datetime
) -> tuple[list[DemoInvite], DemoSummary]:
    await import_units(session, parse_csv(DEMO_CSV.read_text(encoding="utf-8")), actor="seed")
    units = list((await session.execute(select(OrgUnit).order_by(OrgUnit.code))).scalars())
    summary, people = await write_demo(session, units=units, now=now)
    await record_rounds(session, now=now)  # the past decisions as rounds, for their documents
    await write_demo_support(session, units=units, now=now)
    by_code = {u.code: u for u in units}
    out = []
    for role, code, name in DEMO_INVITES:
        unit, person = by_code[code], people[code]
        assert person.name == name and person.role == role, (code, person.name)
        new = await create_invite(
            session,
            secret_key=secret_key,
            role=role,
            unit=unit,
            now=now,
            ttl=timedelta(days=30),
            person=person,  # the person already in the demo records, not a new one
            actor="seed",
        )
        out.append(DemoInvite(role, unit.name, name, new.code))
    return out, summary
