"""Many hamlet heads finishing a report at the same time, with some updates delivered twice (at
once): every report is stored exactly once, with unique idempotency keys and references.

The fast variant (100 users) runs on both backends in every `make test`; `.ci/run` sets
CHUNGTAY_TEST_PG_USERS=1000 for the full 1,000 on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import random
import time
from typing import Any

import httpx
from sqlalchemy import func, select

from api.app import create_app
from bot.services import Services
from storage.db import transaction
from storage.models import ChannelAccount, Person
from storage.models_register import Submission
from storage.orgtree import unit_by_code
from tests.support import seed_units

FAST_USERS = 100
PG_USERS = int(os.environ.get("CHUNGTAY_TEST_PG_USERS") or FAST_USERS)
IN_FLIGHT = 40  # requests at once, like a server's connection limit; users interleave freely
HAMLETS = ("37-GIAVIEN-01", "37-GIAVIEN-02", "37-KIMSON-01", "37-HOALU-01")
DONE = "Đã gửi báo cáo. Mã tham chiếu: BC-"


def script(n: int) -> list[str]:
    """A "newly poor" report of a new household, typed as on Zalo (numbers for choices)."""
    return ["/baocao", "1", "1", f"Hộ Thử {n}", "5", "không", "3 triệu", "1-12", "xong", "1", "1"]


async def _people(services: Services, users: int) -> None:
    async with transaction(services.sessionmaker) as db:
        units = [await unit_by_code(db, code) for code in HAMLETS]
        people = [
            Person(name=f"Trưởng thôn {n}", role="hamlet_head", org_unit_id=units[n % 4].id)  # type: ignore[union-attr]
            for n in range(users)
        ]
        db.add_all(people)
        await db.flush()
        db.add_all(
            ChannelAccount(
                channel="simulator",
                external_user_id=f"u{n}",
                chat_id=f"u{n}",
                person_id=p.id,  # type: ignore[arg-type]
            )
            for n, p in enumerate(people)
        )


async def test_many_users_finish_reports_at_once_each_stored_once(
    services: Services, db_url: str
) -> None:
    users = PG_USERS if db_url.startswith("postgresql") else FAST_USERS
    await seed_units(services)
    await _people(services, users)
    gate = asyncio.Semaphore(IN_FLIGHT)
    done: dict[int, int] = {}
    app = create_app(services, own_services=False)
    began = time.monotonic()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sim", timeout=120
    ) as http:

        async def post(body: dict[str, Any]) -> dict[str, Any]:
            async with gate:
                res = await http.post("/simulator/api/messages", json=body)
            assert res.status_code == 200, res.text
            return res.json()

        async def user(n: int) -> None:
            rng = random.Random(n)
            for step, text in enumerate(script(n)):
                body = {"chat_id": f"u{n}", "text": text, "update_id": f"u{n}-{step}"}
                # Every fifth user gets about half its updates, always the final "submit",
                # delivered twice at the same moment.
                copies = 2 if n % 5 == 0 and (step == 9 or rng.random() < 0.5) else 1
                results = await asyncio.gather(*(post(body) for _ in range(copies)))
                assert sorted(r["duplicate"] for r in results) == [False, True][:copies]
                for r in results:
                    done[n] = done.get(n, 0) + sum(DONE in m["text"] for m in r["replies"])
                await asyncio.sleep(0)

        await asyncio.gather(*(user(n) for n in range(users)))
    elapsed = time.monotonic() - began
    print(f"{users} users, {elapsed:.1f} s ({users * 10 / elapsed:.0f} turns/s) on {db_url[:10]}")

    assert done == {n: 1 for n in range(users)}  # each user saw "sent" once
    async with services.sessionmaker() as db:
        row = (
            await db.execute(
                select(
                    func.count(),
                    func.count(func.distinct(Submission.idempotency_key)),
                    func.count(func.distinct(Submission.ref)),
                    func.count(func.distinct(Submission.reporter_id)),
                )
            )
        ).one()
    assert tuple(row) == (users, users, users, users)
