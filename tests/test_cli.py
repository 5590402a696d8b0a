"""The `chungtay` command in-process: db upgrade, units import, invite create."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from domain.codes import hash_secret, normalize_code
from storage.db import make_engine, make_sessionmaker
from storage.models import Invite, OrgUnit

GOOD = (
    "code,name,level,parent_code,area\n37,Tỉnh Ninh Bình,province,,\n37-X,Xã Gia Viễn,commune,37,\n"
)


def run_cli(monkeypatch: pytest.MonkeyPatch, db_url: str, *argv: str) -> int:
    monkeypatch.setenv("CHUNGTAY_DATABASE_URL", db_url)
    monkeypatch.setenv("CHUNGTAY_SECRET_KEY", "cli-secret")
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    return int(exc.value.code or 0)


def query(db_url: str, stmt):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        engine = make_engine(db_url)
        async with make_sessionmaker(engine)() as db:
            out = (await db.execute(stmt)).all()
        await engine.dispose()
        return out

    return asyncio.run(go())


def test_units_import_then_a_bad_file_changes_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(
        GOOD.replace("Xã Gia Viễn", "Xã Đổi Tên") + "37-X-1,Thôn Đông,hamlet,37-Y,\n",
        encoding="utf-8",
    )
    assert run_cli(monkeypatch, db_url, "units", "import", str(good)) == 0
    assert "2 tạo mới" in capsys.readouterr().out
    assert run_cli(monkeypatch, db_url, "units", "import", str(bad)) == 1
    err = capsys.readouterr().err
    assert "Dòng 4: mã đơn vị cấp trên 37-Y không tồn tại" in err
    assert "Không có gì được nhập." in err
    names = sorted(r[0] for r in query(db_url, select(OrgUnit.name)))
    assert names == ["Tỉnh Ninh Bình", "Xã Gia Viễn"]


def test_invite_create_prints_a_code_stored_only_hashed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    (tmp_path / "u.csv").write_text(GOOD, encoding="utf-8")
    run_cli(monkeypatch, db_url, "units", "import", str(tmp_path / "u.csv"))
    capsys.readouterr()
    assert (
        run_cli(
            monkeypatch,
            db_url,
            "invite",
            "create",
            "--role",
            "officer",
            "--unit",
            "37-X",
            "--name",
            "Trần Thị Bình",
            "--expires",
            "2d",
        )
        == 0
    )
    code = capsys.readouterr().out.splitlines()[0]
    assert re.fullmatch(r"[A-HJ-KM-NP-Z2-9]{4}-[A-HJ-KM-NP-Z2-9]{4}", code)
    rows = query(db_url, select(Invite.code_hash, Invite.name, Invite.role))
    assert rows == [(hash_secret(normalize_code(code), "cli-secret"), "Trần Thị Bình", "officer")]
    assert code.replace("-", "") not in rows[0][0]


def test_invite_for_an_unknown_unit_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    assert (
        run_cli(monkeypatch, db_url, "invite", "create", "--role", "officer", "--unit", "NOPE") == 2
    )
    assert "Không có đơn vị nào có mã NOPE." in capsys.readouterr().err
    assert query(db_url, select(func.count()).select_from(Invite)) == [(0,)]


def test_bad_duration_exits_2(monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    assert (
        run_cli(
            monkeypatch,
            db_url,
            "invite",
            "create",
            "--role",
            "officer",
            "--unit",
            "37",
            "--expires",
            "soon",
        )
        == 2
    )


def test_token_create_prints_a_token_stored_only_hashed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    from storage.models_api import ApiToken

    units = tmp_path / "units.csv"
    units.write_text(GOOD, encoding="utf-8")
    assert run_cli(monkeypatch, db_url, "units", "import", str(units)) == 0
    capsys.readouterr()
    assert run_cli(monkeypatch, db_url, "token", "create", "--role", "province", "--unit", "37",
                   "--name", "Sở NN&MT") == 0  # fmt: skip
    token, hint, until = capsys.readouterr().out.strip().split("\n")
    assert token.startswith("ct_") and len(token) > 40
    assert "chỉ hiện một lần" in hint and "dùng được đến" in until
    [(digest, role, name, revoked)] = query(
        db_url, select(ApiToken.token_hash, ApiToken.role, ApiToken.name, ApiToken.revoked)
    )
    assert digest == hash_secret(token, "cli-secret")
    assert (role, name, revoked) == ("province", "Sở NN&MT", False)
    assert run_cli(monkeypatch, db_url, "token", "create", "--role", "officer", "--unit", "X") == 2
    assert "X" in capsys.readouterr().err
