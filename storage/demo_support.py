"""Demo "Chung tay" data for `make run`, beside the demo register (storage.demo): each commune's
supporters (mass organisations, the social policy bank, a business, two families), the support
they gave poor and near-poor households over the demo's year, yearly targets for the province and
two communes, and a few contributions to the "Vì người nghèo" fund — so the emulation panel and
the commendation lists show something real.

Deterministic (its own seeded generator, households read in id order); only the dates follow
`now`. Rows go in by bulk inserts: a few hundred supports take milliseconds. The support and
supporter kind codes are those of domain/support_data (issue 16, item 1).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.calendar import local_day
from domain.i18n import fold
from storage.audit import record
from storage.models import OrgUnit
from storage.models_register import Household
from storage.models_support import FundContribution, Support, Supporter, Target

SEED = 16
# (kind, name with {commune} for the commune's place name)
ORGANISATIONS = (
    ("fatherland_front", "Ủy ban MTTQ {commune}"),
    ("women_union", "Hội Phụ nữ {commune}"),
    ("farmers_union", "Hội Nông dân {commune}"),
    ("youth_union", "Đoàn Thanh niên {commune}"),
    ("veterans_association", "Hội Cựu chiến binh {commune}"),
    ("bank", "Ngân hàng CSXH, điểm giao dịch {commune}"),
)
BUSINESSES = {
    "37-GIAVIEN": "Công ty TNHH May Gia Viễn",
    "37-KIMSON": "HTX Nông nghiệp Kim Sơn",
    "37-HOALU": "Công ty CP Du lịch Hoa Lư",
}
# Who gives which kinds, and the value range of each kind in đồng (None: no value).
GIVES = {
    "fatherland_front": ("housing", "health_insurance_card", "goods", "cash"),
    "women_union": ("breeding_stock", "vocational_training", "goods"),
    "farmers_union": ("breeding_stock", "water_sanitation"),
    "youth_union": ("scholarship", "water_sanitation", "goods"),
    "veterans_association": ("housing", "cash"),
    "bank": ("preferential_loan",),
    "business": ("job", "scholarship", "goods"),
    "family": ("goods", "cash", "breeding_stock"),
}
VALUES: dict[str, tuple[int, int] | None] = {
    "preferential_loan": (20_000_000, 60_000_000),
    "breeding_stock": (3_000_000, 12_000_000),
    "housing": (20_000_000, 60_000_000),
    "health_insurance_card": (700_000, 1_000_000),
    "vocational_training": (2_000_000, 5_000_000),
    "job": None,
    "scholarship": (1_000_000, 3_000_000),
    "water_sanitation": (3_000_000, 8_000_000),
    "goods": (300_000, 2_000_000),
    "cash": (500_000, 2_000_000),
}
# Targets for the current year, in hundredths of a point (Hoa Lư keeps the province's).
TARGETS = {"37": 150, "37-GIAVIEN": 120, "37-KIMSON": 200}
FUND = (
    ("37", "Ngân hàng TMCP Công Thương, chi nhánh Ninh Bình", "bank", 100_000_000),
    ("37-GIAVIEN", "Công ty TNHH May Gia Viễn", "business", 15_000_000),
    ("37-KIMSON", "Hội đồng hương Kim Sơn tại Hà Nội", "organisation", 20_000_000),
)
HELPED = {"poor": 0.8, "near_poor": 0.45}  # share of households given something in the year


def _place(name: str) -> str:
    """'Xã Gia Viễn' -> 'xã Gia Viễn' inside a name."""
    return name[:1].lower() + name[1:]


def _value(rng: random.Random, kind: str) -> int | None:
    bounds = VALUES[kind]
    if bounds is None:
        return None
    return rng.randint(bounds[0] // 100_000, bounds[1] // 100_000) * 100_000


async def write_demo_support(db: AsyncSession, *, units: Sequence[OrgUnit], now: datetime) -> None:
    """The demo's supporters, supports, targets and fund contributions for these units."""
    rng, today = random.Random(SEED), local_day(now)
    since = today - timedelta(days=360)
    communes = [u for u in units if u.level == "commune"]
    by_commune: dict[int, list[tuple[int, str]]] = {}
    for commune in communes:
        rows = [
            {"kind": kind, "name": name.format(commune=_place(commune.name))}
            for kind, name in ORGANISATIONS
        ]
        if commune.code in BUSINESSES:
            rows.append({"kind": "business", "name": BUSINESSES[commune.code]})
        heads = await _heads(db, commune)
        for head in rng.sample(heads, min(2, len(heads))):
            rows.append({"kind": "family", "name": f"Gia đình {rng.choice(('ông', 'bà'))} {head}"})
        values = [
            {**r, "commune_id": commune.id, "name_key": fold(r["name"]), "active": True,
             "created_at": now}
            for r in rows
        ]  # fmt: skip
        stmt = insert(Supporter).returning(
            Supporter.id,  # type: ignore[arg-type]
            Supporter.kind,  # type: ignore[arg-type]
            sort_by_parameter_order=True,
        )
        by_commune[commune.id] = list((await db.execute(stmt, values)).all())  # type: ignore[arg-type]
    supports = await _supports(db, rng, by_commune, since, today)
    for row in supports:
        row["created_at"] = now
    if supports:
        await db.execute(insert(Support), supports)
    codes = {u.code: u for u in units}
    targets = [
        {
            "unit_id": codes[c].id,
            "year": today.year,
            "reduction_cpp": cpp,
            "set_by": "seed",
            "updated_at": now,
        }
        for c, cpp in TARGETS.items()
        if c in codes
    ]
    if targets:
        await db.execute(insert(Target), targets)
    # This year's contributions, so the panel's year shows them (1 January: that day's).
    year_start = date(today.year, 1, 1)
    this_year = max(1, (today - year_start).days)
    fund = [
        {
            "unit_id": codes[c].id,
            "donor": donor,
            "donor_kind": kind,
            "value": value,
            "received_on": year_start + timedelta(days=rng.randrange(this_year)),
            "recorded_by": "seed",
            "created_at": now,
        }
        for c, donor, kind, value in FUND
        if c in codes
    ]
    if fund:
        await db.execute(insert(FundContribution), fund)
    record(
        db,
        actor="seed",
        action="demo.support",
        entity="database",
        after={"supporters": sum(map(len, by_commune.values())), "supports": len(supports)},
    )


async def _heads(db: AsyncSession, commune: OrgUnit) -> list[str]:
    """Heads of the commune's households above the near-poor line, in id order."""
    stmt = (
        select(Household.head_name)
        .where(
            Household.commune_id == commune.id,
            Household.status.in_(("average", "not_poor")),  # type: ignore[attr-defined]
        )
        .order_by(Household.id)
        .limit(200)
    )
    return list((await db.execute(stmt)).scalars())


async def _supports(
    db: AsyncSession,
    rng: random.Random,
    by_commune: dict[int, list[tuple[int, str]]],
    since: date,
    today: date,
) -> list[dict[str, object]]:
    """One to three acts of support for most poor and near-poor households, over the year."""
    stmt = (
        select(Household.id, Household.hamlet_id, Household.commune_id, Household.status)
        .where(
            Household.commune_id.in_(by_commune),  # type: ignore[attr-defined]
            Household.active.is_(True),  # type: ignore[attr-defined]
            Household.status.in_(HELPED),  # type: ignore[attr-defined]
        )
        .order_by(Household.id)
    )
    out: list[dict[str, object]] = []
    days = max(1, (today - since).days)
    for household_id, hamlet_id, commune_id, status in await db.execute(stmt):
        if rng.random() > HELPED[status]:
            continue
        for _ in range(rng.choice((1, 1, 2, 3))):
            supporter_id, supporter_kind = rng.choice(by_commune[commune_id])
            kind = rng.choice(GIVES[supporter_kind])
            out.append(
                {
                    "household_id": household_id,
                    "hamlet_id": hamlet_id,
                    "supporter_id": supporter_id,
                    "commune_id": commune_id,
                    "kind": kind,
                    "value": _value(rng, kind),
                    "given_on": since + timedelta(days=rng.randrange(days)),
                    "source": "api",
                    "idempotency_key": f"demo:support:{len(out)}",
                }
            )
    return out
