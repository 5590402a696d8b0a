"""Periods: every token lists them; province and admin open them and change deadlines (the CLI's
rules), audited; an officer may not."""

from __future__ import annotations

import csv
import io

import httpx
from sqlalchemy import select

from bot.services import Services
from storage.models import AuditLog
from tests.api.conftest import Tokens, bearer

URL = "/api/v1/periods"


async def test_open_a_monthly_period_with_default_deadlines(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    r = await client.post(
        URL, json={"kind": "monthly", "code": "2026-12"}, headers=bearer(tokens.province)
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["starts_on"] == "2026-12-01" and body["ends_on"] == "2026-12-31"
    # End of the 25th and of 5 January in Hà Nội (UTC+7).
    assert body["hamlet_deadline"].startswith("2026-12-25T16:59:59")
    assert body["commune_deadline"].startswith("2027-01-05T16:59:59")
    assert body["standard"] is None and body["status"] == "open"
    r = await client.post(
        URL, json={"kind": "monthly", "code": "2026-12"}, headers=bearer(tokens.province)
    )
    assert r.status_code == 409 and r.json() == {"error": "already_exists"}
    async with services.sessionmaker() as db:
        actors = (
            (await db.execute(select(AuditLog.actor).where(AuditLog.action == "period.create")))
            .scalars()
            .all()
        )
    assert actors == ["api_token:3"]  # the province token


async def test_annual_review_with_deadlines_and_standard_then_change(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    body = {
        "kind": "annual",
        "code": "2026",
        "hamlet_deadline": "2026-11-20",
        "commune_deadline": "2026-12-10",
        "standard": "nd351-2025",
    }
    r = await client.post(URL, json=body, headers=bearer(tokens.province))
    assert r.status_code == 201, r.text
    assert r.json()["starts_on"] == "2026-09-01" and r.json()["standard"] == "nd351-2025"
    r = await client.patch(
        f"{URL}/2026",
        params={"kind": "annual"},
        json={"hamlet_deadline": "2026-11-25"},
        headers=bearer(tokens.province),
    )
    assert r.status_code == 200, r.text
    changed = r.json()
    assert changed["hamlet_deadline"].startswith("2026-11-25T16:59:59")
    assert changed["commune_deadline"].startswith("2026-12-10T16:59:59")  # kept
    assert changed["standard"] == "nd351-2025"  # kept
    r = await client.patch(
        f"{URL}/2026",
        params={"kind": "annual"},
        json={"standard": None},
        headers=bearer(tokens.province),
    )
    assert r.json()["standard"] is None
    async with services.sessionmaker() as db:
        updates = (
            (await db.execute(select(AuditLog).where(AuditLog.action == "period.update")))
            .scalars()
            .all()
        )
    assert len(updates) == 2 and all(u.actor == "api_token:3" for u in updates)
    assert updates[0].before["hamlet_deadline"] != updates[0].after["hamlet_deadline"]


async def test_refusals_explain_in_the_servers_language(
    client: httpx.AsyncClient, tokens: Tokens
) -> None:
    cases = [
        ({"kind": "monthly", "code": "2026-13"}, "Mã kỳ"),
        (
            {"kind": "monthly", "code": "2026-12", "hamlet_deadline": "2026-11-30"},
            "sớm hơn ngày bắt đầu kỳ",
        ),
        (
            {
                "kind": "monthly",
                "code": "2026-12",
                "hamlet_deadline": "2026-12-20",
                "commune_deadline": "2026-12-10",
            },
            "Hạn báo cáo của xã sớm hơn",
        ),
        ({"kind": "monthly", "code": "2026-12", "standard": "nd99"}, "nd99"),
    ]
    for body, fragment in cases:
        r = await client.post(URL, json=body, headers=bearer(tokens.province))
        assert r.status_code == 422, body
        assert r.json()["error"] == "invalid_period"
        [detail] = r.json()["detail"]
        assert fragment in detail["msg"] and detail["type"] == "invalid_period", r.json()
    r = await client.post(
        URL, params={"lang": "en"}, json=cases[0][0], headers=bearer(tokens.province)
    )
    assert r.json()["detail"][0]["msg"] == "A monthly period code looks like 2026-11, got 2026-13."
    r = await client.patch(f"{URL}/2030-01", json={}, headers=bearer(tokens.province))
    assert r.status_code == 404


async def test_an_officer_reads_but_does_not_write(
    client: httpx.AsyncClient, fixture_data: Tokens
) -> None:
    gv = bearer(fixture_data.giavien)
    r = await client.post(URL, json={"kind": "monthly", "code": "2026-12"}, headers=gv)
    assert r.status_code == 403 and r.json() == {"error": "forbidden"}
    r = await client.patch(f"{URL}/2026-11", json={"hamlet_deadline": "2026-11-28"}, headers=gv)
    assert r.status_code == 403
    r = await client.get(URL, headers=gv)
    assert r.status_code == 200
    assert [p["code"] for p in r.json()["items"]] == ["2026-11"] and r.json()["total"] == 1
    r = await client.get("/api/v1/exports/periods.csv", headers=gv)
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Kỳ", "Loại"]
    # The kind in words, as the chat says it (the JSON keeps "monthly").
    assert rows[1][:4] == ["2026-11", "Hằng tháng", "01/11/2026", "30/11/2026"]
    assert rows[1][4] == "23:59 25/11/2026"
