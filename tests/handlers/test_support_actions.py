"""The support actions check every household and supporter against the caller's own unit,
whatever the flow sent: a hamlet head their hamlet, an officer their commune."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.services import Services
from handlers.actions import ActionContext
from handlers.registry import permitted
from handlers.support_actions import assign_save, support_record
from storage.db import transaction
from storage.models import AuditLog
from storage.models_register import Household
from storage.models_support import Support
from storage.orgtree import unit_by_code
from storage.support import supporter_for
from tests.support import link_person, make_household, seed_units


async def _call(
    services: Services, action: Any, user: dict[str, Any], args: dict[str, Any]
) -> dict[str, Any]:
    async with transaction(services.sessionmaker) as db:
        ctx = ActionContext(
            db=db,
            channel="simulator",
            chat_id="c1",
            user_id="c1",
            display_name=None,
            locale="vi",
            now=services.clock(),
            secret_key="k",
            invite_failures_per_hour=5,
            user=user,
            vars={"run": "support-1"},
        )
        return await action(ctx, args)  # type: ignore[no-any-return]


async def test_the_actions_stay_within_the_callers_unit(services: Services) -> None:
    await seed_units(services)
    head = await link_person(services, "hamlet_head", "37-GIAVIEN-01", "Nguyễn Văn An", None)
    kimson_officer = await link_person(services, "officer", "37-KIMSON", "Lê Văn Sơn", None)
    await make_household(services, "37-GIAVIEN-01", "Lê Thị Mai", 4, "poor")
    await make_household(services, "37-GIAVIEN-02", "Phạm Văn Tây", 3, "poor")
    async with transaction(services.sessionmaker) as db:
        ids = {h.head_name: h.id for h in (await db.execute(select(Household))).scalars()}
        kimson = await unit_by_code(db, "37-KIMSON")
        units = {u: (await unit_by_code(db, u)).id for u in ("37-GIAVIEN-01", "37-KIMSON")}  # type: ignore[union-attr]
        farmers, _ = await supporter_for(
            db,
            commune_id=kimson.id,
            name="Hội Nông dân",
            kind="farmers_union",
            actor="test",  # type: ignore[union-attr,arg-type]
        )
    as_head = {
        "linked": True,
        "person_id": head,
        "role": "hamlet_head",
        "unit_id": units["37-GIAVIEN-01"],
    }
    as_kimson = {
        "linked": True,
        "person_id": kimson_officer,
        "role": "officer",
        "unit_id": units["37-KIMSON"],
    }
    gift = {
        "supporter_name": "Dòng họ Phạm",
        "supporter_kind": "family",
        "kind": "goods",
        "value": None,
        "given_on": "2026-11-25",
    }

    assert await _call(
        services, support_record, as_head, {**gift, "household_id": ids["Phạm Văn Tây"]}
    ) == {
        "ok": False,
        "error": "no_household",
    }
    assert await _call(
        services, support_record, as_kimson, {**gift, "household_id": ids["Lê Thị Mai"]}
    ) == {
        "ok": False,
        "error": "no_household",
    }
    # A Kim Sơn officer cannot reach a Gia Viễn household with a Kim Sơn supporter either.
    assert (
        await _call(
            services,
            assign_save,
            as_kimson,
            {"household_id": ids["Lê Thị Mai"], "supporter_id": farmers.id},
        )
    )["ok"] is False
    # A hamlet head may record support, not assign helpers (the host refuses; the action too).
    assert permitted("support.record", as_head) and not permitted("assign.save", as_head)
    assert (
        await _call(
            services,
            assign_save,
            as_head,
            {"household_id": ids["Lê Thị Mai"], "supporter_id": farmers.id},
        )
    )["ok"] is False
    # Within the hamlet, a supporter of another commune is refused.
    result = await _call(
        services,
        support_record,
        as_head,
        {**gift, "household_id": ids["Lê Thị Mai"], "supporter_id": farmers.id},
    )
    assert result == {"ok": False, "error": "supporter_elsewhere"}
    result = await _call(
        services, support_record, as_head, {**gift, "household_id": ids["Lê Thị Mai"]}
    )
    assert result["ok"] is True and result["new_supporter"] is True

    async with services.sessionmaker() as db:
        stored = (await db.execute(select(Support.household_id))).scalars().all()
        denied = (
            await db.execute(
                select(func.count()).select_from(AuditLog).where(AuditLog.action == "scope.denied")
            )
        ).scalar_one()
    assert stored == [ids["Lê Thị Mai"]]
    assert denied == 3  # each reach for a household out of the unit, logged
