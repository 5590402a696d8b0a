"""A small hand-computed province for the report endpoints, written through storage functions.

Ninh Bình demo tree, period 2026-11 (monthly). "Oct" decisions set the state at the start of the
period, "Nov" ones are the period's changes, later ones must not count.

Xã Gia Viễn (rural)
  Thôn Đông:  A poor (Oct) -> exited to near-poor (Nov)
              B poor (Oct), ethnic minority, stays poor
              C poor (Oct) -> average (Oct) -> fell back (Nov)
              D newly poor (Nov), ethnic minority
              E registered, never decided
  Thôn Tây:   F near-poor (Oct), ethnic minority; G poor (Oct) -> exit registration approved (Nov);
              H poor (Oct) -> exited at 00:30 on 1 Dec in Hà Nội (not in the period);
              I newly poor (Nov) but rejected. The hamlet entered 50 households (late report).
  Thôn Trung: J near-poor (Oct) -> moved out (Nov). No report.
Xã Kim Sơn:   K poor (Oct)
Phường Hoa Lư (urban): L poor (Oct)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.services import Services
from domain.calendar import monthly
from storage.api_tokens import create_token
from storage.db import transaction
from storage.hamlet_reports import submit_report
from storage.models import OrgUnit, Person
from storage.models_register import Household
from storage.orgtree import unit_by_code
from storage.periods import ensure_period
from storage.register import create_household, decide, submit
from tests.support import approve_through_procedure, link_person, seed_units

OCT = datetime(2026, 10, 10, 3, tzinfo=UTC)
NOV = datetime(2026, 11, 10, 3, tzinfo=UTC)
DEC_1_LOCAL = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)  # 00:30 on 1 Dec in Hà Nội
PENDING_AT = datetime(2026, 11, 24, 3, tzinfo=UTC)


@dataclass(frozen=True)
class Tokens:
    giavien: str  # officer of Xã Gia Viễn
    kimson: str  # officer of Xã Kim Sơn
    province: str  # province staff of Ninh Bình


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def make_token(
    services: Services, role: str, unit_code: str, *, expires_at: datetime | None = None
) -> str:
    async with transaction(services.sessionmaker) as db:
        unit = await unit_by_code(db, unit_code)
        assert unit is not None
        new = await create_token(
            db,
            secret_key=services.settings.secret_key.get_secret_value(),
            role=role,
            unit=unit,
            name=None,
            actor="test",
            expires_at=expires_at,
        )
        return new.token


class Register:
    """Households and decided submissions, each in its own transaction like real use."""

    def __init__(self, services: Services, officer_id: int) -> None:
        self.services, self.officer_id = services, officer_id

    async def household(self, hamlet_code: str, head: str, *, em: bool = False) -> int:
        async with transaction(self.services.sessionmaker) as db:
            hamlet = await unit_by_code(db, hamlet_code)
            assert hamlet is not None
            h = await create_household(
                db,
                hamlet=hamlet,
                head_name=head,
                members=4,
                ethnic_minority=em,
                phone=None,
                actor="test",
                registered=True,
            )
            return h.id  # type: ignore[return-value]

    async def change(
        self,
        household_id: int,
        kind: str,
        klass: str | None,
        at: datetime,
        deprived: tuple[str, ...] = (),
        decision: str | None = "approve",
    ) -> None:
        """Submit a change and decide it (decision None: leave it awaiting the officer)."""
        async with transaction(self.services.sessionmaker) as db:
            household = await db.get(Household, household_id)
            hamlet = await db.get(OrgUnit, household.hamlet_id)  # type: ignore[union-attr]
            result = (
                {
                    "class": klass,
                    "standard": "nd07-2021",
                    "deprived": list(deprived),
                    "income_per_capita": 1_000_000,
                }
                if klass
                else {}
            )
            new = await submit(
                db,
                idempotency_key=uuid.uuid4().hex,
                kind=kind,
                source="household" if kind == "exit_registration" else "hamlet_head",
                household_id=household_id,
                hamlet=hamlet,  # type: ignore[arg-type]
                period_id=None,
                reporter_id=None,
                answers={},
                result=result,
                note=None,
                now=at,
                actor="test",
            )
            if decision is None:
                return
            if decision == "approve":
                await approve_through_procedure(
                    db, submission=new.submission, officer_id=self.officer_id, now=at
                )
                return
            await decide(
                db,
                submission=new.submission,
                decision=decision,
                reason=None,
                officer_id=self.officer_id,
                now=at,
            )


@pytest.fixture
async def tokens(services: Services) -> Tokens:
    await seed_units(services)
    return Tokens(
        giavien=await make_token(services, "officer", "37-GIAVIEN"),
        kimson=await make_token(services, "officer", "37-KIMSON"),
        province=await make_token(services, "province", "37"),
    )


@pytest.fixture
async def fixture_data(services: Services, tokens: Tokens) -> Tokens:
    officer = await link_person(services, "officer", "37-GIAVIEN", "Cán bộ xã", None)
    reg = Register(services, officer)
    dong, tay, trung = "37-GIAVIEN-01", "37-GIAVIEN-02", "37-GIAVIEN-03"

    a = await reg.household(dong, "A")
    await reg.change(a, "newly_poor", "poor", OCT, ("water", "latrine", "telecom"))
    await reg.change(a, "exited_poverty", "near_poor", NOV, ("water",))
    b = await reg.household(dong, "B", em=True)
    await reg.change(b, "newly_poor", "poor", OCT, ("water", "health_insurance", "nutrition"))
    c = await reg.household(dong, "C")
    await reg.change(c, "newly_poor", "poor", OCT, ("latrine",))
    await reg.change(c, "exited_poverty", "average", OCT.replace(day=20))
    await reg.change(c, "fell_back", "poor", NOV, ("water", "latrine", "telecom", "info_assets"))
    d = await reg.household(dong, "D", em=True)
    await reg.change(d, "newly_poor", "poor", NOV, ("employment", "health_insurance", "water"))
    await reg.household(dong, "E")

    f = await reg.household(tay, "F", em=True)
    await reg.change(f, "newly_near_poor", "near_poor", OCT, ("housing_quality",))
    g = await reg.household(tay, "G")
    await reg.change(g, "newly_poor", "poor", OCT, ("water", "latrine", "telecom"))
    await reg.change(g, "exit_registration", "not_poor", NOV)
    h = await reg.household(tay, "H")
    await reg.change(h, "newly_poor", "poor", OCT, ("latrine", "housing_area", "water"))
    await reg.change(h, "exited_poverty", "average", DEC_1_LOCAL)
    i = await reg.household(tay, "I")
    await reg.change(i, "newly_poor", "poor", NOV, ("water",), decision="reject")

    j = await reg.household(trung, "J")
    await reg.change(j, "newly_near_poor", "near_poor", OCT, ("water",))
    await reg.change(j, "moved_out", None, NOV)

    k = await reg.household("37-KIMSON-01", "K")
    await reg.change(k, "newly_poor", "poor", OCT, ("water", "latrine", "telecom"))
    l_ = await reg.household("37-HOALU-01", "L")
    await reg.change(l_, "newly_poor", "poor", OCT, ("water", "latrine", "telecom"))

    async with transaction(services.sessionmaker) as db:
        period = await ensure_period(db, monthly(2026, 11))
        for code, at in (
            (dong, datetime(2026, 11, 20, 3, tzinfo=UTC)),
            (tay, datetime(2026, 11, 27, 3, tzinfo=UTC)),
        ):
            hamlet = await unit_by_code(db, code)
            head = Person(name=f"Trưởng thôn {code}", role="hamlet_head", org_unit_id=hamlet.id)  # type: ignore[union-attr]
            db.add(head)
            await db.flush()
            out = await submit_report(
                db,
                period=period,
                hamlet_id=hamlet.id,  # type: ignore[union-attr,arg-type]
                counts={},
                no_change=False,
                person_id=head.id,  # type: ignore[arg-type]
                seen_version=0,
                now=at,
            )
            assert out.report is not None
            if code == tay:
                out.report.total_households = 50
    return tokens


@pytest.fixture
async def dashboard_data(services: Services, fixture_data: Tokens) -> Tokens:
    """The fixture plus October 2026 as a second period and three submissions awaiting review.

    October (window 1 Oct - 31 Oct, Hà Nội): no hamlet report, so households are counted and all
    ten Gia Viễn households (A-J) were active at its end. Poor at the end: A, B, G, H (C exited
    on 20 Oct) = 4 -> 40.0 %; near-poor: F, J = 2 -> 20.0 %. With Kim Sơn (K) and Hoa Lư (L),
    the province: 6 poor of 12 = 50.0 %, 2 near-poor = 16.7 %. December has not begun on
    25 Nov (the clock) and is left out of the trend. November is test_reports' summary totals:
    Gia Viễn 7.3 % / 3.6 %, the province 10.5 % / 3.5 %.

    Pending, oldest first: E newly near-poor and B's exit registration (Thôn Đông, Gia Viễn),
    then K exited poverty (Kim Sơn, outside Gia Viễn).
    """
    officer = await link_person(services, "officer", "37-GIAVIEN", "Cán bộ duyệt", None)
    reg = Register(services, officer)
    async with transaction(services.sessionmaker) as db:
        await ensure_period(db, monthly(2026, 10))
        await ensure_period(db, monthly(2026, 12))
        by_head = {h.head_name: h.id for h in (await db.execute(select(Household))).scalars()}
    await reg.change(by_head["E"], "newly_near_poor", "near_poor", PENDING_AT, decision=None)
    await reg.change(
        by_head["B"], "exit_registration", "not_poor", PENDING_AT.replace(hour=4), decision=None
    )
    await reg.change(
        by_head["K"], "exited_poverty", "average", PENDING_AT.replace(hour=5), decision=None
    )
    return fixture_data
