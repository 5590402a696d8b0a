"""API tokens: an admin lists them (never the secret) and revokes one; so does the CLI."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from bot.services import Services
from storage.models import AuditLog
from storage.models_api import ApiToken
from tests.api.conftest import Tokens, bearer, make_token
from tests.test_cli import GOOD, query, run_cli


async def test_admin_lists_and_revokes_tokens(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    admin = await make_token(services, "admin", "37")
    r = await client.get("/api/v1/tokens", headers=bearer(admin))
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 4
    assert [(k["id"], k["role"], k["unit_code"]) for k in body["items"]] == [
        (1, "officer", "37-GIAVIEN"),
        (2, "officer", "37-KIMSON"),
        (3, "province", "37"),
        (4, "admin", "37"),
    ]
    for secret in (admin, tokens.giavien, tokens.kimson, tokens.province):
        assert secret not in r.text
    assert "token_hash" not in body["items"][0]
    r = await client.post("/api/v1/tokens/2/revoke", headers=bearer(admin))
    assert r.status_code == 200 and r.json()["revoked"] is True
    r = await client.get("/api/v1/households", headers=bearer(tokens.kimson))
    assert r.status_code == 401  # at once
    r = await client.post("/api/v1/tokens/2/revoke", headers=bearer(admin))
    assert r.status_code == 409 and r.json() == {"error": "already_revoked"}
    r = await client.post("/api/v1/tokens/99/revoke", headers=bearer(admin))
    assert r.status_code == 404
    r = await client.get("/api/v1/tokens", params={"revoked": "false"}, headers=bearer(admin))
    assert [k["id"] for k in r.json()["items"]] == [1, 3, 4]
    async with services.sessionmaker() as db:
        audit = (
            await db.execute(select(AuditLog).where(AuditLog.action == "api_token.revoke"))
        ).scalar_one()
    assert audit.actor == "api_token:4" and audit.entity == "api_token:2"
    r = await client.get("/api/v1/exports/tokens.csv", headers=bearer(admin))
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Mã token", "Vai trò", "Mã đơn vị"] and rows[0][-2:] == [
        "Đã thu hồi",
        "Hết hạn lúc",
    ]
    assert (rows[1][-2], rows[2][-2]) == ("Không", "Có")


async def test_a_token_past_its_end_is_refused(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    now = services.clock()
    ended = await make_token(services, "officer", "37-GIAVIEN", expires_at=now)
    running = await make_token(
        services, "officer", "37-GIAVIEN", expires_at=now + timedelta(minutes=1)
    )
    assert (await client.get("/api/v1/units", headers=bearer(ended))).status_code == 401
    assert (await client.get("/api/v1/units", headers=bearer(running))).status_code == 200
    admin = await make_token(services, "admin", "37")
    listed = (await client.get("/api/v1/tokens", headers=bearer(admin))).json()["items"]
    assert [k["expires_at"] is not None for k in listed] == [False, False, False, True, True, False]


async def test_only_admin_tokens_manage_tokens_and_only_in_their_subtree(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    for token in (tokens.giavien, tokens.province):
        assert (await client.get("/api/v1/tokens", headers=bearer(token))).status_code == 403
        r = await client.post("/api/v1/tokens/1/revoke", headers=bearer(token))
        assert r.status_code == 403 and r.json() == {"error": "forbidden"}
    commune_admin = await make_token(services, "admin", "37-GIAVIEN")
    r = await client.get("/api/v1/tokens", headers=bearer(commune_admin))
    assert [k["unit_code"] for k in r.json()["items"]] == ["37-GIAVIEN", "37-GIAVIEN"]
    r = await client.post("/api/v1/tokens/3/revoke", headers=bearer(commune_admin))
    assert r.status_code == 403
    async with services.sessionmaker() as db:
        revoked = (await db.execute(select(ApiToken.revoked))).scalars().all()
    assert not any(revoked)


def test_cli_token_revoke(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db_url: str, tmp_path
) -> None:
    units = tmp_path / "units.csv"
    units.write_text(GOOD, encoding="utf-8")
    assert run_cli(monkeypatch, db_url, "units", "import", str(units)) == 0
    assert (
        run_cli(monkeypatch, db_url, "token", "create", "--role", "province", "--unit", "37") == 0
    )
    capsys.readouterr()
    assert run_cli(monkeypatch, db_url, "token", "revoke", "1") == 0
    assert capsys.readouterr().out.strip() == "Đã thu hồi token 1."
    assert query(db_url, select(ApiToken.revoked)) == [(True,)]
    assert run_cli(monkeypatch, db_url, "token", "revoke", "1") == 0
    assert "đã bị thu hồi trước đó" in capsys.readouterr().out
    assert run_cli(monkeypatch, db_url, "token", "revoke", "7") == 2
    assert "Không có token với id 7." in capsys.readouterr().err
    assert query(db_url, select(AuditLog.actor).where(AuditLog.action == "api_token.revoke")) == [
        ("cli",)
    ]


def test_cli_token_create_ends_in_a_year_unless_told(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db_url: str, tmp_path
) -> None:
    units = tmp_path / "units.csv"
    units.write_text(GOOD, encoding="utf-8")
    assert run_cli(monkeypatch, db_url, "units", "import", str(units)) == 0
    create = ("token", "create", "--role", "officer", "--unit", "37-X")
    before = datetime.now(UTC)
    assert run_cli(monkeypatch, db_url, *create) == 0
    assert "Mã này dùng được đến" in capsys.readouterr().out
    assert run_cli(monkeypatch, db_url, *create, "--expires", "30d") == 0
    assert run_cli(monkeypatch, db_url, *create, "--expires", "never") == 0
    assert "Mã này không hết hạn" in capsys.readouterr().out
    ends = [e for (e,) in query(db_url, select(ApiToken.expires_at).order_by(ApiToken.id))]
    year, month, never = ends
    assert timedelta(days=364) < year.replace(tzinfo=UTC) - before < timedelta(days=366)
    assert timedelta(days=29) < month.replace(tzinfo=UTC) - before < timedelta(days=31)
    assert never is None
    assert run_cli(monkeypatch, db_url, *create, "--expires", "soon") == 2  # argparse's usage error
    assert "expected a duration like 7d" in capsys.readouterr().err
