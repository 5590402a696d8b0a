"""`make run`'s demo data: a register that looks like a commune's and a year of its history, so
the trend, the summary, completeness, indicators, the pending list and the XLSX show believable
figures on the first run; only on an empty database, marked, never in production."""

from __future__ import annotations

import asyncio
import io
import time
from collections import Counter
from datetime import UTC, datetime

import httpx
import pytest
from openpyxl import load_workbook
from pydantic import ValidationError
from sqlalchemy import func, select

from bot.cli import _prepare
from bot.services import Services
from bot.settings import Settings
from storage.db import transaction
from storage.demo import has_demo_data
from storage.demo_plan import build
from storage.models import Invite, OrgUnit, Person
from storage.models_register import Assessment, Household, Submission
from storage.seed import seed_demo
from tests.api.conftest import bearer, make_token
from tests.conftest import SECRET

HAMLETS = [("37-GIAVIEN-01", "rural"), ("37-KIMSON-01", "rural"), ("37-HOALU-01", "urban")]


def test_the_plan_is_the_same_every_time_and_only_its_dates_follow_now() -> None:
    a = build(HAMLETS, datetime(2026, 12, 5, 3, tzinfo=UTC))
    b = build(HAMLETS, datetime(2026, 12, 5, 3, tzinfo=UTC))
    later = build(HAMLETS, datetime(2027, 3, 20, 3, tzinfo=UTC))
    assert [h.head_name for h in a.households] == [h.head_name for h in b.households]
    assert a.changes == b.changes and a.reports == b.reports
    assert [h.head_name for h in a.households] == [h.head_name for h in later.households]
    assert later.months[0].isoformat() == "2026-03-01" and len(later.months) == 13


async def _seed(services: Services) -> float:
    started = time.perf_counter()
    async with transaction(services.sessionmaker) as db:
        await seed_demo(db, secret_key=SECRET, now=services.clock())
    return time.perf_counter() - started


async def test_a_register_like_a_communes_and_a_year_of_history(
    services: Services, client: httpx.AsyncClient
) -> None:
    took = await _seed(services)
    assert took < 20, took  # about 2 s on SQLite; `make run` starts in a few seconds
    async with services.sessionmaker() as db:
        rows = await db.execute(select(OrgUnit.id, OrgUnit.code).where(OrgUnit.level == "hamlet"))
        hamlets = {unit_id: code for unit_id, code in rows}
        per_hamlet = Counter(
            hamlets[h] for (h,) in (await db.execute(select(Household.hamlet_id))).all()
        )
        statuses = Counter(
            s for (s,) in (await db.execute(select(Household.status).where(Household.active)))
        )
        minority = (
            await db.execute(select(func.count()).where(Household.ethnic_minority.is_(True)))  # type: ignore[attr-defined]
        ).scalar_one()
        deprived = Counter(
            code for (codes,) in (await db.execute(select(Assessment.deprived))) for code in codes
        )
        kinds = Counter(k for (k,) in await db.execute(select(Submission.kind)))
        assert await has_demo_data(db)

    assert len(per_hamlet) == 7 and all(100 <= n <= 250 for n in per_hamlet.values()), per_hamlet
    total = sum(per_hamlet.values())
    assert 0.02 < statuses["poor"] / total < 0.08, statuses
    assert 0.02 < statuses["near_poor"] / total < 0.09, statuses
    assert 0.03 < minority / total < 0.2
    assert len(deprived) >= 10  # mixed indicators, not one household's list repeated
    for kind in ("newly_poor", "exited_poverty", "exit_registration", "moved_out"):
        assert kinds[kind] > 0, kinds

    admin = await make_token(services, "admin", "37")
    trend = (
        await client.get("/api/v1/reports/trend", params={"unit": "37"}, headers=bearer(admin))
    ).json()["points"]
    assert len(trend) == 12  # a year of monthly periods, each with figures
    first, last = trend[0], trend[-1]
    assert 3 < first["poor_rate"] < 7 and last["poor_rate"] < first["poor_rate"], trend
    assert first["households"] > 1000

    params = {"unit": "37-GIAVIEN", "period": "2026-10"}
    rows = (
        await client.get("/api/v1/reports/summary", params=params, headers=bearer(admin))
    ).json()["rows"]
    total_row = rows[-1]["all"]
    assert total_row["poor"]["rate"] < 10 and total_row["poor"]["start"] > 5
    completeness = (
        await client.get("/api/v1/reports/completeness", params=params, headers=bearer(admin))
    ).json()["rows"][-1]
    assert completeness["expected"] == 3 and completeness["received"] >= 2
    indicators = (
        await client.get("/api/v1/reports/indicators", params=params, headers=bearer(admin))
    ).json()["rows"]
    assert sum(r["poor"] > 0 for r in indicators) >= 6
    pending = (
        await client.get("/api/v1/reports/pending", params={"unit": "37"}, headers=bearer(admin))
    ).json()
    assert pending["total"] >= 1
    context = (await client.get("/api/v1/dashboard/context", headers=bearer(admin))).json()
    assert context["demo"] is True

    xlsx = await client.get("/api/v1/exports/summary.xlsx", params=params, headers=bearer(admin))
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws is not None
    # The official form: urban areas (I, none here) first, then the rural hamlets (II).
    assert [ws.cell(r, 2).value for r in (15, 16, 17)] == ["Thôn Đông", "Thôn Tây", "Thôn Trung"]
    assert all(100 <= ws.cell(r, 3).value <= 250 for r in (15, 16, 17))


async def test_the_demo_invites_are_for_the_people_already_in_the_records(
    services: Services, client: httpx.AsyncClient
) -> None:
    async with transaction(services.sessionmaker) as db:
        invites, _ = await seed_demo(db, secret_key=SECRET, now=services.clock())
    assert [(i.role, i.name) for i in invites] == [
        ("hamlet_head", "Nguyễn Văn An"),
        ("officer", "Trần Thị Bình"),
        ("admin", "Lê Văn Cường"),
    ]
    async with services.sessionmaker() as db:
        linked = (
            await db.execute(select(Person.name).join(Invite, Invite.person_id == Person.id))
        ).all()
        heads = (
            await db.execute(select(func.count()).where(Person.name == "Nguyễn Văn An"))
        ).scalar_one()
    assert sorted(n for (n,) in linked) == ["Lê Văn Cường", "Nguyễn Văn An", "Trần Thị Bình"]
    # The README's first step: the printed code in the simulator greets the hamlet head.
    sim = "/simulator/api/messages"
    r = await client.post(sim, json={"chat_id": "demo-1", "text": f"/start {invites[0].code}"})
    assert "Nguyễn Văn An, trưởng thôn của Thôn Đông, Xã Gia Viễn" in r.json()["replies"][0]["text"]
    r = await client.post(sim, json={"chat_id": "demo-1", "choice": "yes"})
    assert "Xin chào Nguyễn Văn An!" in r.json()["replies"][0]["text"]
    async with services.sessionmaker() as db:
        heads = (
            await db.execute(select(func.count()).where(Person.name == "Nguyễn Văn An"))
        ).scalar_one()
    assert heads == 1  # the chat is linked to him, no second person


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_run_seeds_only_an_empty_database(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    dev = settings.model_copy(update={"seed_demo": None})
    asyncio.run(_prepare(dev))
    out = capsys.readouterr().out
    assert "Đã tạo dữ liệu mẫu (dữ liệu giả, không phải người thật):" in out
    assert "Nguyễn Văn An — hamlet_head — Thôn Đông" in out
    asyncio.run(_prepare(dev))  # a second start: the data is there, nothing is added
    assert capsys.readouterr().out == ""


def test_never_in_production() -> None:
    prod = {
        "env": "production",
        "secret_key": "a-real-secret-for-production-of-32+",
        "database_url": "postgresql+asyncpg://u@h/db",
    }
    assert Settings(**prod).demo_data is False  # type: ignore[arg-type]
    assert Settings(**{**prod, "seed_demo": False}).demo_data is False  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="demo data is never seeded"):
        Settings(**{**prod, "seed_demo": True})  # type: ignore[arg-type]
    assert Settings().demo_data is True  # dev, unset: yes
    assert Settings(seed_demo=False).demo_data is False
