"""A household a hamlet head reports as new counts only once the commune recognises it: not
while the report waits, never when it is rejected, and not in the periods before its decision."""

from __future__ import annotations

import httpx

from bot.services import Services
from domain.calendar import monthly
from storage.db import transaction
from storage.orgtree import unit_by_code
from storage.periods import ensure_period
from storage.register import create_household
from tests.api.conftest import NOV, OCT, Register, Tokens, bearer
from tests.support import link_person

TRUNG = "37-GIAVIEN-03"


async def _reported_new(services: Services, head: str) -> int:
    async with transaction(services.sessionmaker) as db:
        hamlet = await unit_by_code(db, TRUNG)
        assert hamlet is not None
        h = await create_household(
            db, hamlet=hamlet, head_name=head, members=4, ethnic_minority=False, phone=None,
            actor="test",
        )  # fmt: skip
        return h.id  # type: ignore[return-value]


async def _households(client: httpx.AsyncClient, token: str, period: str) -> int:
    r = await client.get(
        "/api/v1/reports/summary",
        params={"unit": TRUNG, "period": period},
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text
    [hamlet, _total] = r.json()["rows"]
    return int(hamlet["all"]["households"])


async def test_a_reported_new_household_counts_from_its_recognition_on(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    officer = await link_person(services, "officer", "37-GIAVIEN", "Cán bộ xã", None)
    reg = Register(services, officer)
    async with transaction(services.sessionmaker) as db:
        for month in (10, 11):
            await ensure_period(db, monthly(2026, month))
    waiting = await _reported_new(services, "Trần Văn Chờ")
    await reg.change(waiting, "moved_in", "not_poor", OCT, decision=None)
    assert await _households(client, tokens.giavien, "2026-11") == 0
    refused = await _reported_new(services, "Trần Văn Thử")
    await reg.change(refused, "moved_in", "not_poor", OCT, decision="reject")
    recognised = await _reported_new(services, "Lê Văn Mới")
    await reg.change(recognised, "moved_in", "near_poor", NOV)
    assert await _households(client, tokens.giavien, "2026-10") == 0
    assert await _households(client, tokens.giavien, "2026-11") == 1
