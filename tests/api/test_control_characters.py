"""Control characters and bidi overrides in names: never stored from a unit import or an invite,
and a name stored before that still exports (XML cannot hold the controls; openpyxl refuses them)."""

from __future__ import annotations

import io

import httpx
from openpyxl import load_workbook
from sqlalchemy import select, update

from bot.services import Services
from storage.db import transaction
from storage.models import Invite, OrgUnit
from tests.api.conftest import Tokens, bearer

DISGUISED = "Thôn\x1bBad\x01 \u202eĐông\u202c"


async def test_a_summary_workbook_with_a_control_character_in_a_name(
    client: httpx.AsyncClient, services: Services, fixture_data: Tokens
) -> None:
    async with transaction(services.sessionmaker) as db:
        await db.execute(
            update(OrgUnit).where(OrgUnit.code == "37-GIAVIEN-01").values(name="Thôn\x1bBad\x01")
        )
    r = await client.get(
        "/api/v1/exports/summary.xlsx",
        params={"unit": "37-GIAVIEN", "period": "2026-11"},
        headers=bearer(fixture_data.giavien),
    )
    assert r.status_code == 200, r.text
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    names = {c.value for row in ws.iter_rows(min_col=2, max_col=2) for c in row}
    assert "ThônBad" in names


async def test_unit_import_drops_control_and_bidi_characters(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    text = f"code,name,level,parent_code,area\n37-GIAVIEN-08,{DISGUISED},hamlet,37-GIAVIEN,rural\n"
    files = {"file": ("units.csv", text.encode("utf-8"), "text/csv")}
    r = await client.post("/api/v1/units/import", files=files, headers=bearer(tokens.giavien))
    assert r.status_code == 200, r.text
    async with services.sessionmaker() as db:
        name = await db.scalar(select(OrgUnit.name).where(OrgUnit.code == "37-GIAVIEN-08"))
    assert name == "ThônBad Đông"


async def test_an_invites_name_is_stored_without_control_characters(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    body = {"role": "hamlet_head", "unit": "37-GIAVIEN-02", "name": "Lê\x1b Văn \u202eAn"}
    r = await client.post("/api/v1/invites", json=body, headers=bearer(tokens.giavien))
    assert r.status_code == 201, r.text
    async with services.sessionmaker() as db:
        invite = await db.get(Invite, r.json()["id"])
    assert invite is not None and invite.name == "Lê Văn An"
