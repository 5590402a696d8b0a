"""People in scope, and invites: created with the code shown once (and working in chat), listed
without it, revoked; all in the token's subtree and audited."""

from __future__ import annotations

import csv
import io

import httpx
from sqlalchemy import select

from bot.services import Services
from storage.models import AuditLog, Invite
from tests.api.conftest import Tokens, bearer, make_token
from tests.support import link_person

INVITES = "/api/v1/invites"


async def test_people_in_scope_with_their_chats(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    await link_person(services, "hamlet_head", "37-GIAVIEN-01", "Nguyễn Văn An", "c1")
    await link_person(services, "officer", "37-GIAVIEN", "Trần Thị Bình", None)
    await link_person(services, "hamlet_head", "37-KIMSON-01", "Lê Văn Cường", "c3")
    r = await client.get("/api/v1/people", headers=bearer(tokens.giavien))
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 2
    an, binh = body["items"]
    assert (an["name"], an["role"], an["unit_code"], an["channels"]) == (
        "Nguyễn Văn An",
        "hamlet_head",
        "37-GIAVIEN-01",
        ["simulator"],
    )
    assert binh["name"] == "Trần Thị Bình" and binh["channels"] == []
    r = await client.get(
        "/api/v1/people", params={"role": "officer"}, headers=bearer(tokens.giavien)
    )
    assert [p["name"] for p in r.json()["items"]] == ["Trần Thị Bình"]
    r = await client.get("/api/v1/people", headers=bearer(tokens.province))
    assert r.json()["total"] == 3
    r = await client.get(
        "/api/v1/people", params={"unit": "37-KIMSON"}, headers=bearer(tokens.giavien)
    )
    assert r.status_code == 403
    r = await client.get("/api/v1/exports/people.csv", headers=bearer(tokens.giavien))
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Họ và tên",
        "Vai trò",
        "Mã đơn vị",
        "Đơn vị",
        "Số điện thoại",
        "Đang hoạt động",
        "Kênh chat",
    ]
    assert rows[1] == [
        "Nguyễn Văn An",
        "Trưởng thôn",  # the role in words (the JSON keeps "hamlet_head")
        "37-GIAVIEN-01",
        "Thôn Đông",
        "",
        "Có",
        "simulator",
    ]


async def test_create_an_invite_shown_once_that_works_in_chat(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    body = {
        "role": "hamlet_head",
        "unit": "37-GIAVIEN-02",
        "name": "Phạm Văn Dũng",
        "expires_in_days": 3,
    }
    r = await client.post(INVITES, json=body, headers=bearer(tokens.giavien))
    assert r.status_code == 201, r.text
    created = r.json()
    code = created["code"]
    assert len(code.replace("-", "")) == 8 and created["start"] == f"/start {code}"
    assert created["state"] == "pending" and created["unit_name"] == "Thôn Tây"
    assert created["expires_at"].startswith("2026-11-28T02:00")  # the clock + 3 days
    r = await client.get(INVITES, headers=bearer(tokens.giavien))
    listed = r.json()["items"]
    assert [i["id"] for i in listed] == [created["id"]]
    assert "code" not in listed[0] and code not in r.text
    async with services.sessionmaker() as db:
        invite = await db.get(Invite, created["id"])
        audit = (
            await db.execute(select(AuditLog).where(AuditLog.action == "invite.create"))
        ).scalar_one()
    assert code not in invite.code_hash  # type: ignore[union-attr]
    assert audit.actor == "api_token:1" and audit.after["unit"] == "37-GIAVIEN-02"
    r = await client.post(
        "/simulator/api/messages", json={"chat_id": "new", "text": f"/start {code}"}
    )
    assert r.status_code == 200
    assert "Phạm Văn Dũng" in r.json()["replies"][0]["text"]  # the chat recognises the code


async def test_invite_scope_and_roles(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    gv = bearer(tokens.giavien)
    r = await client.post(INVITES, json={"role": "hamlet_head", "unit": "37-KIMSON-01"}, headers=gv)
    assert r.status_code == 403 and r.json() == {"error": "forbidden"}
    r = await client.post(INVITES, json={"role": "admin", "unit": "37-GIAVIEN"}, headers=gv)
    assert r.status_code == 403
    r = await client.post(INVITES, json={"role": "household", "unit": "37-GIAVIEN"}, headers=gv)
    assert r.status_code == 422
    r = await client.post(INVITES, json={"role": "officer", "unit": "NOPE"}, headers=gv)
    assert r.status_code == 404
    other = await link_person(services, "officer", "37-KIMSON", "Võ Thị Em", None)
    r = await client.post(
        INVITES, json={"role": "officer", "unit": "37-GIAVIEN", "person_id": other}, headers=gv
    )
    assert r.status_code == 403
    admin = await make_token(services, "admin", "37")
    r = await client.post(INVITES, json={"role": "admin", "unit": "37"}, headers=bearer(admin))
    assert r.status_code == 201
    # An invite for an existing person says that person's role and unit: an officer cannot
    # link a chat to the commune's chat admin under a hamlet head's invite.
    chief = await link_person(services, "admin", "37-GIAVIEN", "Đỗ Văn Giang", None)
    for role, unit in (("hamlet_head", "37-GIAVIEN-01"), ("officer", "37-GIAVIEN")):
        body = {"role": role, "unit": unit, "person_id": chief}
        r = await client.post(INVITES, json=body, headers=gv)
        assert r.status_code == 422 and r.json() == {"error": "person_mismatch"}
    head = await link_person(services, "hamlet_head", "37-GIAVIEN-01", "Hà Văn Hải", None)
    body = {"role": "hamlet_head", "unit": "37-GIAVIEN-01", "person_id": head}
    assert (await client.post(INVITES, json=body, headers=gv)).status_code == 201
    r = await client.get(INVITES, headers=bearer(tokens.kimson))
    assert r.json()["total"] == 0


async def test_revoke_an_invite(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    gv = bearer(tokens.giavien)
    r = await client.post(INVITES, json={"role": "officer", "unit": "37-GIAVIEN"}, headers=gv)
    invite_id = r.json()["id"]
    r = await client.post(f"{INVITES}/{invite_id}/revoke", headers=bearer(tokens.kimson))
    assert r.status_code == 403
    r = await client.post(f"{INVITES}/{invite_id}/revoke", headers=gv)
    assert r.status_code == 200 and r.json()["state"] == "expired"
    r = await client.post(f"{INVITES}/{invite_id}/revoke", headers=gv)
    assert r.status_code == 409 and r.json() == {"error": "already_expired"}
    r = await client.post(f"{INVITES}/999/revoke", headers=gv)
    assert r.status_code == 404
    r = await client.get(INVITES, params={"state": "pending"}, headers=gv)
    assert r.json()["total"] == 0
    r = await client.get(INVITES, params={"state": "expired"}, headers=gv)
    assert r.json()["total"] == 1
    async with services.sessionmaker() as db:
        actors = (
            (await db.execute(select(AuditLog.actor).where(AuditLog.action == "invite.revoke")))
            .scalars()
            .all()
        )
    assert actors == ["api_token:1"]
