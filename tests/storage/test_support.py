"""Supporters, supports, helpers, plans and the gaps nobody addresses, on a fixture computed by
hand (today is 25/11/2026, so "the last 12 months" run from 26/11/2025):

Xã Gia Viễn, Thôn Đông
  A Lê Thị Mai      poor, lacks health_insurance latrine water, cause no_capital; a BHYT card
                    (10/3/2026) and a loan too old to count (1/10/2025); a helper since ended.
                    Open: latrine, water, no_capital.
  B Trần Văn Bình   near-poor, lacks child_schooling, cause illness; Hội Phụ nữ helps. Open: none.
  C Phạm Thị Cúc    poor; an older assessment lacked housing too, the latest only employment;
                    cause no_job; the plan agrees on vocational training. Open: none.
  D Đỗ Văn Dũng     not poor (left out); E Ngô Văn Em poor but moved out (left out);
  F Hoàng Văn Phúc  poor, never assessed, no cause: no known need. Open: none.
Xã Gia Viễn, Thôn Tây
  G Vũ Thị Giang    near-poor, lacks nutrition latrine (a newer unapproved assessment says
                    otherwise), cause dependants; goods today, cash exactly a year ago (not
                    counted). Open: latrine.
Xã Kim Sơn, Xóm Bắc
  K Lý Văn Khoa     poor, lacks water. Open: water.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.services import Services
from storage.db import transaction
from storage.models import AuditLog
from storage.models_register import Assessment, Household
from storage.models_support import Support
from storage.orgtree import unit_by_code
from storage.register import create_household, timeline
from storage.support import (
    SupportRefused,
    assign,
    record_support,
    set_plan,
    supporter_for,
    supporters,
    unassign,
)
from storage.support_gaps import gaps, unaddressed, without_helper
from tests.support import seed_units

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 2, tzinfo=UTC)


async def _household(db, hamlet: str, name: str, status: str, causes=(), active=True) -> Household:  # type: ignore[no-untyped-def]
    unit = await unit_by_code(db, hamlet)
    assert unit is not None
    h = await create_household(
        db,
        hamlet=unit,
        head_name=name,
        members=4,
        ethnic_minority=False,
        phone=None,
        actor="test",
        registered=True,
    )
    h.status, h.causes, h.active = status, list(causes), active
    return h


def _assess(db, h: Household, deprived: list[str], *, approved: bool = True, at=NOW) -> None:  # type: ignore[no-untyped-def]
    db.add(
        Assessment(
            household_id=h.id,  # type: ignore[arg-type]
            standard_id="nd07-2021",
            income_per_capita=1_000_000,
            members=4,
            deprived=deprived,
            klass=h.status,
            source="hamlet_head",
            approved=approved,
            created_at=at,
        )
    )


async def _fixture(services: Services) -> dict[str, int]:
    await seed_units(services)
    ids: dict[str, int] = {}
    async with transaction(services.sessionmaker) as db:
        giavien = await unit_by_code(db, "37-GIAVIEN")
        kimson = await unit_by_code(db, "37-KIMSON")
        assert giavien and kimson
        a = await _household(db, "37-GIAVIEN-01", "Lê Thị Mai", "poor", ["no_capital"])
        b = await _household(db, "37-GIAVIEN-01", "Trần Văn Bình", "near_poor", ["illness"])
        c = await _household(db, "37-GIAVIEN-01", "Phạm Thị Cúc", "poor", ["no_job"])
        d = await _household(db, "37-GIAVIEN-01", "Đỗ Văn Dũng", "not_poor")
        e = await _household(db, "37-GIAVIEN-01", "Ngô Văn Em", "poor", ["no_capital"], False)
        f = await _household(db, "37-GIAVIEN-01", "Hoàng Văn Phúc", "poor")
        g = await _household(db, "37-GIAVIEN-02", "Vũ Thị Giang", "near_poor", ["dependants"])
        k = await _household(db, "37-KIMSON-01", "Lý Văn Khoa", "poor")
        _assess(db, a, ["health_insurance", "latrine", "water"])
        _assess(db, b, ["child_schooling"])
        _assess(
            db,
            c,
            ["housing_quality", "housing_area", "employment"],
            at=datetime(2025, 1, 5, tzinfo=UTC),
        )
        _assess(db, c, ["employment"])
        _assess(db, d, ["water"])
        _assess(db, e, ["water"])
        _assess(db, g, ["nutrition", "latrine"])
        _assess(db, g, ["water"], approved=False, at=datetime(2026, 11, 24, tzinfo=UTC))
        _assess(db, k, ["water"])
        women, created = await supporter_for(
            db,
            commune_id=giavien.id,
            name="Hội Phụ nữ xã",
            kind="women_union",
            actor="test",  # type: ignore[arg-type]
        )
        assert created
        bank, _ = await supporter_for(
            db,
            commune_id=giavien.id,
            name="NHCSXH Gia Viễn",
            kind="bank",
            actor="test",  # type: ignore[arg-type]
        )
        youth, _ = await supporter_for(
            db,
            commune_id=giavien.id,
            name="Đoàn Thanh niên",
            kind="youth_union",
            actor="test",  # type: ignore[arg-type]
        )

        async def give(h: Household, who, kind: str, value: int | None, day: date) -> None:  # type: ignore[no-untyped-def]
            await record_support(
                db,
                household=h,
                supporter=who,
                kind=kind,
                value=value,
                given_on=day,
                today=TODAY,
                recorded_by=None,
                source="api",
                idempotency_key=None,
                actor="test",
            )

        await give(a, youth, "health_insurance_card", None, date(2026, 3, 10))
        await give(a, bank, "preferential_loan", 30_000_000, date(2025, 10, 1))
        await give(g, women, "goods", 500_000, TODAY)
        await give(g, women, "cash", 1_000_000, date(2025, 11, 25))
        await assign(
            db, household=a, supporter=youth, assigned_on=TODAY, assigned_by=None, actor="test"
        )
        await unassign(db, household_id=a.id, supporter_id=youth.id, ended_on=TODAY, actor="test")  # type: ignore[arg-type]
        await assign(
            db, household=b, supporter=women, assigned_on=TODAY, assigned_by=None, actor="test"
        )
        await set_plan(
            db,
            household=c,
            target_year=2028,
            supports=["vocational_training"],
            note=None,
            updated_by=None,
            now=NOW,
            actor="test",
        )
        for name, h in zip("abcdefgk", (a, b, c, d, e, f, g, k), strict=True):
            ids[name] = h.id  # type: ignore[assignment]
        ids["women"], ids["giavien"], ids["kimson"] = women.id, giavien.id, kimson.id  # type: ignore[assignment]
        ids["province"] = (await unit_by_code(db, "37")).id  # type: ignore[union-attr,assignment]
        ids["tay"] = (await unit_by_code(db, "37-GIAVIEN-02")).id  # type: ignore[union-attr,assignment]
    return ids


def _open(rows) -> dict[int, list[str]]:  # type: ignore[no-untyped-def]
    return {g.household.id: [n.code for n in g.open] for g in rows}


async def test_gaps_by_hand(services: Services) -> None:
    ids = await _fixture(services)
    async with services.sessionmaker() as db:
        rows = await gaps(db, root_id=ids["giavien"], today=TODAY)
        assert [g.household.id for g in rows] == [ids[x] for x in "facbg"]
        assert _open(rows) == {
            ids["a"]: ["latrine", "water", "no_capital"],
            ids["b"]: [],
            ids["c"]: [],
            ids["f"]: [],
            ids["g"]: ["latrine"],
        }
        by_id = {g.household.id: g for g in rows}
        assert by_id[ids["c"]].deprived == ["employment"]  # the latest assessment only
        assert [(n.code, n.addressed_by) for n in by_id[ids["a"]].needs[:1]] == [
            (
                "health_insurance",
                ("support:health_insurance_card",),
            )
        ]
        assert [n.addressed_by for n in by_id[ids["b"]].needs] == [("helper",), ("helper",)]
        assert [n.addressed_by for n in by_id[ids["c"]].needs] == [
            ("plan:vocational_training",),
            ("plan:vocational_training",),
        ]
        assert [n.addressed_by for n in by_id[ids["g"]].needs] == [
            ("support:goods",),
            (),
            ("support:goods",),
        ]
        assert [g.household.id for g in await unaddressed(db, root_id=ids["tay"], today=TODAY)] == [
            ids["g"]
        ]
        province = await unaddressed(db, root_id=ids["province"], today=TODAY)
        assert sorted(g.household.id for g in province) == sorted(ids[x] for x in "agk")


async def test_households_without_a_helper(services: Services) -> None:
    ids = await _fixture(services)
    async with services.sessionmaker() as db:
        found, total = await without_helper(db, root_id=ids["giavien"], limit=3, offset=0)
        assert total == 4
        assert [h.id for h in found] == [ids[x] for x in "fac"]  # Hoàng, Lê, Phạm, (Vũ)


async def test_supporters_are_found_by_their_name_without_accents(services: Services) -> None:
    ids = await _fixture(services)
    async with transaction(services.sessionmaker) as db:
        same, created = await supporter_for(
            db, commune_id=ids["giavien"], name="  hoi phu NU  xa ", kind="other", actor="test"
        )
        assert not created and same.id == ids["women"] and same.kind == "women_union"
        other_commune, created = await supporter_for(
            db, commune_id=ids["kimson"], name="Hội Phụ nữ xã", kind="women_union", actor="test"
        )
        assert created and other_commune.id != ids["women"]
        listed = await supporters(db, commune_id=ids["giavien"])
        # Most supports given first (Hội Phụ nữ 2, then 1 each by name), then by name.
        assert [s.name for s in listed] == ["Hội Phụ nữ xã", "Đoàn Thanh niên", "NHCSXH Gia Viễn"]
        with pytest.raises(SupportRefused, match="unknown_supporter_kind"):
            await supporter_for(db, commune_id=ids["giavien"], name="X Y", kind="club", actor="t")


@pytest.mark.parametrize(
    ("kind", "value", "day", "code"),
    [
        ("cash", None, TODAY, "value_required"),
        ("preferential_loan", None, TODAY, "value_required"),
        ("job", 1_000_000, TODAY, "value_not_applicable"),
        ("goods", 0, TODAY, "value_out_of_range"),
        ("goods", -5, TODAY, "value_out_of_range"),
        ("goods", 2_000_000_001, TODAY, "value_out_of_range"),
        ("goods", None, date(2026, 11, 26), "date_in_future"),
        ("goods", None, date(2021, 1, 1), "date_too_old"),
        ("cow", None, TODAY, "unknown_kind"),
    ],
)
async def test_a_support_the_rules_refuse_is_not_stored(
    services: Services, kind: str, value: int | None, day: date, code: str
) -> None:
    ids = await _fixture(services)
    async with transaction(services.sessionmaker) as db:
        household = await db.get(Household, ids["a"])
        women = await supporters(db, commune_id=ids["giavien"])
        with pytest.raises(SupportRefused) as refused:
            await record_support(
                db,
                household=household,  # type: ignore[arg-type]
                supporter=women[0],
                kind=kind,
                value=value,
                given_on=day,
                today=TODAY,
                recorded_by=None,
                source="api",
                idempotency_key="k1",
                actor="test",
            )
        assert refused.value.code == code


async def test_a_support_is_stored_once_per_key_audited_and_on_the_timeline(
    services: Services,
) -> None:
    ids = await _fixture(services)
    for _ in range(2):
        async with transaction(services.sessionmaker) as db:
            household = await db.get(Household, ids["f"])
            [women, *_] = await supporters(db, commune_id=ids["giavien"])
            await record_support(
                db,
                household=household,  # type: ignore[arg-type]
                supporter=women,
                kind="breeding_stock",
                value=3_000_000,
                given_on=date(2026, 11, 20),
                today=TODAY,
                recorded_by=None,
                source="chat",
                idempotency_key="chat:1:support-7",
                actor="person:1",
            )
    async with services.sessionmaker() as db:
        stored = (
            (await db.execute(select(Support).where(Support.household_id == ids["f"])))
            .scalars()
            .all()
        )
        assert [(s.kind, s.value) for s in stored] == [("breeding_stock", 3_000_000)]
        audit = (
            (await db.execute(select(AuditLog).where(AuditLog.action == "support.record")))
            .scalars()
            .all()
        )
        assert f"support:{stored[0].id}" in [a.entity for a in audit]
        events = [e for e in await timeline(db, ids["f"]) if e["type"] == "support"]
        assert events == [
            {
                "at": datetime(2026, 11, 19, 17, tzinfo=UTC),  # 20/11 in Hà Nội
                "type": "support",
                "kind": "breeding_stock",
                "value": 3_000_000,
                "given_on": "2026-11-20",
                "supporter": "Hội Phụ nữ xã",
                "supporter_id": ids["women"],
                "note": None,
            }
        ]
        assignments = [e for e in await timeline(db, ids["b"]) if e["type"] == "assignment"]
        assert [(e["supporter"], e["active"]) for e in assignments] == [("Hội Phụ nữ xã", True)]
