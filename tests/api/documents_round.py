"""A review round of Xã Gia Viễn taken through the procedure by the storage functions, for the
document tests: the hamlet meeting of Thôn Đông (with its chair, secretary and place), the
commune's acceptance, the posting from Wednesday 18 to Friday 20 November 2026 and the chairman's
decision of 24 November (the test clock is 25 November).

Thôn Đông: Trần Văn Bình poor -> exits to near-poor (15 of 20 agree)
           Lê Thị Cúc newly poor, ethnic minority (16 of 20), deprived on water, latrine,
             health insurance
           Đỗ Văn Giang newly poor, but only 8 of 20 agree: not passed, not on the list
           Vũ Thị Hà poor since last year, unchanged (on the annual poor list)
Thôn Tây:  Phạm Thị Dung near-poor, unchanged (on the annual near-poor list)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import Services
from domain import procedure as proc
from domain.calendar import annual
from storage.db import transaction
from storage.meetings import close_meeting, start_meeting, vote
from storage.models import OrgUnit, Person
from storage.models_register import Household
from storage.orgtree import unit_by_code
from storage.periods import ensure_period
from storage.register import create_household, decide, submit
from storage.rounds import close_round, ensure_round, start_posting

MEETING_DAY = date(2026, 11, 16)
POSTED_ON = date(2026, 11, 18)
DECIDED_ON = date(2026, 11, 24)
AT = datetime(2026, 11, 16, 3, tzinfo=UTC)
POOR_RESULT = {
    "class": "poor",
    "standard": "nd351-2025",
    "deprived": ["water", "latrine", "health_insurance"],
    "income_per_capita": 1_500_000,
}


@dataclass(frozen=True)
class RoundData:
    round_id: int
    meeting_id: int
    households: dict[str, int]  # head's name -> id
    head_id: int


async def _household(
    db: AsyncSession, hamlet: OrgUnit, name: str, status: str, *, members: int, em: bool = False
) -> Household:
    h = await create_household(
        db,
        hamlet=hamlet,
        head_name=name,
        members=members,
        ethnic_minority=em,
        phone=None,
        actor="test",
        registered=True,
    )
    h.status = status
    return h


async def build_round(services: Services, *, decide_it: bool = True) -> RoundData:
    async with transaction(services.sessionmaker) as db:
        dong = await unit_by_code(db, "37-GIAVIEN-01")
        tay = await unit_by_code(db, "37-GIAVIEN-02")
        commune = await unit_by_code(db, "37-GIAVIEN")
        assert dong and tay and commune
        head = Person(name="Nguyễn Văn An", role="hamlet_head", org_unit_id=dong.id)
        officer = Person(name="Cán bộ Gia Viễn", role="officer", org_unit_id=commune.id)
        db.add_all([head, officer])
        await db.flush()
        binh = await _household(db, dong, "Trần Văn Bình", "poor", members=5)
        cuc = await _household(db, dong, "Lê Thị Cúc", "not_poor", members=3, em=True)
        giang = await _household(db, dong, "Đỗ Văn Giang", "not_poor", members=4)
        ha = await _household(db, dong, "Vũ Thị Hà", "poor", members=2)
        dung = await _household(db, tay, "Phạm Thị Dung", "near_poor", members=6)
        await ensure_period(db, annual(2026))
        rnd = await ensure_round(db, commune_id=commune.id, spec=proc.periodic_round(2026))  # type: ignore[arg-type]
        changes: list[tuple[Household, str, dict[str, Any], int]] = [
            (binh, "exited_poverty", {**POOR_RESULT, "class": "near_poor", "deprived": []}, 15),
            (cuc, "newly_poor", POOR_RESULT, 16),
            (giang, "newly_poor", POOR_RESULT, 8),
        ]
        meeting = await start_meeting(
            db,
            hamlet_id=dong.id,  # type: ignore[arg-type]
            round_id=rnd.id,
            held_on=MEETING_DAY,
            present=20,
            chair_id=head.id,
            place="Nhà văn hóa thôn Đông",
            secretary="Trần Thị Thu",
            actor="test",
        )
        for household, kind, result, votes_for in changes:
            new = await submit(
                db,
                idempotency_key=uuid.uuid4().hex,
                kind=kind,
                source="hamlet_head",
                household_id=household.id,
                hamlet=dong,
                period_id=None,
                reporter_id=head.id,
                answers={"members": household.members},
                result=result,
                note=None,
                now=AT,
                actor="test",
            )
            await vote(
                db, meeting=meeting, submission=new.submission, votes_for=votes_for, now=AT,
                actor="test",
            )  # fmt: skip
            if new.submission.status == proc.MEETING_PASSED:
                await decide(
                    db,
                    submission=new.submission,
                    decision="approve",
                    reason=None,
                    officer_id=officer.id,
                    now=AT,
                )
        await close_meeting(db, meeting=meeting, now=AT, actor="test")
        await start_posting(db, rnd=rnd, starts_on=POSTED_ON, actor="test")
        await db.flush()
        if decide_it:
            await close_round(
                db,
                rnd=rnd,
                number="125/QĐ-UBND",
                decided_on=DECIDED_ON,
                signer="Lê Văn Chủ",
                officer_id=officer.id,
                now=services.clock(),
                actor="test",
            )
        ids = {h.head_name: h.id for h in (binh, cuc, giang, ha, dung)}
        return RoundData(rnd.id, meeting.id, ids, head.id)  # type: ignore[arg-type]
