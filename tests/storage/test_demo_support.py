"""`make run`'s demo carries supporters, support, targets and fund contributions, so the emulation
panel and the commendation lists show something on the first run (storage/demo_support.py)."""

from __future__ import annotations

from collections import Counter

import httpx
from sqlalchemy import func, select

from bot.services import Services
from storage.db import transaction
from storage.models import OrgUnit
from storage.models_support import FundContribution, Support, Supporter, Target
from storage.seed import seed_demo
from tests.api.conftest import bearer, make_token
from tests.conftest import SECRET


async def test_the_demo_supports_households_and_sets_targets(
    services: Services, client: httpx.AsyncClient
) -> None:
    async with transaction(services.sessionmaker) as db:
        await seed_demo(db, secret_key=SECRET, now=services.clock())
    async with services.sessionmaker() as db:
        communes = dict((await db.execute(select(OrgUnit.id, OrgUnit.code))).all())
        kinds = Counter(
            (communes[c], k)
            for c, k in await db.execute(select(Supporter.commune_id, Supporter.kind))
        )
        assert kinds[("37-GIAVIEN", "women_union")] == 1 and kinds[("37-KIMSON", "family")] == 2
        supports = (await db.execute(select(func.count()).select_from(Support))).scalar_one()
        assert supports > 50
        targets = {
            communes[u]: c
            for u, c in await db.execute(select(Target.unit_id, Target.reduction_cpp))
        }
        assert targets == {"37": 150, "37-GIAVIEN": 120, "37-KIMSON": 200}
        fund = (await db.execute(select(func.sum(FundContribution.value)))).scalar_one()
        assert fund == 135_000_000
    token = await make_token(services, "province", "37")
    r = await client.get("/api/v1/reports/emulation", params={"unit": "37"}, headers=bearer(token))
    assert r.status_code == 200, r.text
    rows = {(row["unit"] or {}).get("code"): row for row in r.json()["rows"]}
    assert (
        rows["37-KIMSON"]["target_pp"] == 2.0 and rows["37-HOALU"]["target_source"] == "inherited"
    )
    assert all(rows[c]["support_count"] > 0 for c in ("37-GIAVIEN", "37-KIMSON", "37-HOALU"))
    assert rows[None]["fund_value"] == 135_000_000
    assert all(
        row["households_start"] > 0 and row["rate_start"] is not None for row in rows.values()
    )
    r = await client.get(
        "/api/v1/reports/commendations", params={"unit": "37"}, headers=bearer(token)
    )
    assert r.json()["supporters"] and r.json()["donors"][0]["value"] == 100_000_000
