"""`chungtay classify` and `chungtay standards`, run in-process."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

import pytest

from bot import cli_domain
from domain import procedure as proc
from domain.standards import DATA_DIR
from storage.db import make_engine, make_sessionmaker, transaction
from storage.migrate import upgrade
from storage.orgtree import import_units, parse_csv, unit_by_code
from storage.rounds import ensure_round, set_standard
from storage.seed import DEMO_CSV


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="chungtay")
    sub = parser.add_subparsers(required=True)
    cli_domain.register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


def classify_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert run("classify", *argv) == 0
    return json.loads(capsys.readouterr().out)


def test_classify_prints_one_json_object(capsys: pytest.CaptureFixture[str]) -> None:
    out = classify_json(
        capsys,
        "--date",
        "2026-06-30",
        "--area",
        "rural",
        "--income",
        "1tr4",
        "--deprived",
        "water,latrine,telecom",
    )
    assert out == {
        "standard": "nd07-2021",
        "class": "poor",
        "deprivations": 3,
        "deprived": ["water", "latrine", "telecom"],
        "income_per_capita": 1_400_000,
        "reason": "Thu nhập 1.400.000 ₫ ≤ 1.500.000 ₫ và thiếu hụt 3 chỉ số",
    }


@pytest.mark.parametrize("income", ["1400000", "1.400.000 đ", "1,4 triệu", "1400k", "1 triệu 4"])
def test_income_takes_any_spelling(capsys: pytest.CaptureFixture[str], income: str) -> None:
    out = classify_json(capsys, "--standard", "nd07-2021", "--area", "urban", "--income", income)
    assert out["income_per_capita"] == 1_400_000
    assert out["class"] == "near_poor"


def test_household_income_is_divided_by_members(capsys: pytest.CaptureFixture[str]) -> None:
    out = classify_json(
        capsys,
        *("--standard", "nd351-2025", "--area", "urban"),
        *("--household-income", "9 triệu", "--members", "4 người"),
        *("--deprived", "waste, digital_services ,water"),
    )
    assert out["income_per_capita"] == 2_250_000
    assert out["class"] == "poor"
    assert out["deprived"] == ["water", "digital_services", "waste"]


def test_household_income_is_compared_with_the_line_exactly(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 4.500.002 ₫ for 3 people is 1.500.000,67 ₫ a person: above the 1.500.000 ₫ line.
    out = classify_json(
        capsys,
        *("--standard", "nd07-2021", "--area", "rural"),
        *("--household-income", "4500002", "--members", "3", "--deprived", "water,latrine,telecom"),
    )
    assert (out["class"], out["income_per_capita"]) == ("average", 1_500_001)


# NĐ 351/2025: NĐ 07/2021 runs through 31/12/2026, the new lines from 01/01/2027.
@pytest.mark.parametrize(
    ("day", "standard", "klass"),
    [("2026-12-31", "nd07-2021", "average"), ("2027-01-01", "nd351-2025", "near_poor")],
)
def test_date_selects_the_standard(
    capsys: pytest.CaptureFixture[str], day: str, standard: str, klass: str
) -> None:
    out = classify_json(capsys, "--date", day, "--area", "rural", "--income", "2 triệu")
    assert (out["standard"], out["class"]) == (standard, klass)


def test_standards_dir_override(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = json.loads((DATA_DIR / "nd351-2025.json").read_text(encoding="utf-8"))
    data["lines"]["rural"]["poverty_line"] = 2_500_000
    (tmp_path / "nd351-2025.json").write_text(json.dumps(data), encoding="utf-8")
    out = classify_json(
        capsys,
        *("--standard", "nd351-2025", "--area", "rural", "--income", "2,4 triệu"),
        *("--standards-dir", str(tmp_path)),
    )
    assert out["class"] == "near_poor"


BAD = [
    (["--area", "rural", "--income", "1500"], "--income: “1500” chưa có đơn vị"),
    (["--area", "rural", "--household-income", "12000", "--members", "4"],
     "--household-income: “12000” chưa có đơn vị. Ý bạn là 12000 nghìn hay 12000 đồng?"),
    (["--area", "rural", "--income=-1tr"], "--income: Số tiền không thể là số âm"),
    (["--area", "rural", "--income", "1tr", "--deprived", "wter"], "unknown indicator"),
    (["--area", "rural", "--income", "1tr", "--date", "2031-01-01"], "no poverty standard"),
    (["--area", "rural", "--income", "1tr", "--date", "31/12/2026"], "use YYYY-MM-DD"),
    (["--area", "rural", "--income", "1tr", "--standard", "nd99"], "unknown standard 'nd99'"),
    (["--area", "rural", "--income", "1tr", "--standard", "nd07-2021", "--date", "2026-01-01"],
     "not allowed with argument"),
    (["--area", "hills", "--income", "1tr"], "invalid choice: 'hills'"),
    (["--income", "1tr"], "--area"),
    (["--area", "rural"], "one of the arguments --income --household-income is required"),
    (["--area", "rural", "--household-income", "8tr"], "--household-income needs --members"),
    (["--area", "rural", "--income", "1tr", "--members", "4"], "--members goes with"),
    (["--area", "rural", "--household-income", "8tr", "--members", "0"],
     "--members: Vui lòng nhập một số từ 1 đến 50."),
    (["--area", "rural", "--income", "1tr", "--standards-dir", "/nonexistent"], "does not exist"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "says"), BAD)
def test_bad_arguments_exit_2_with_a_clear_message(
    capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    with pytest.raises(SystemExit) as caught:
        run("classify", *argv)
    assert caught.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert says in captured.err


def test_standards_lists_ids_and_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("standards") == 0
    out = capsys.readouterr().out
    for expected in ("qd59-2015", "nd07-2021", "nd351-2025 ", "(provisional)", "info_assets"):
        assert expected in out
    assert "digital_services   Sử dụng dịch vụ số (provisional)" in out
    assert "employment         Việc làm\n" in out
    assert "urban (đô thị): poverty line 2.800.000 ₫" in out
    assert "urban (thành thị): poverty line 2.000.000 ₫" in out
    assert "  source: https://vietnamnet.vn/" in out


def test_standards_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("standards", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == ["qd59-2015", "nd07-2021", "nd351-2025"]
    assert rows[0]["lines"]["urban"] == {
        "poverty_line": 1_300_000,
        "income_poor_line": 900_000,
        "average_line": 1_950_000,
    }
    assert len(rows[2]["indicators"]) == 12
    assert rows[2]["area_names"] == {"rural": "nông thôn", "urban": "đô thị"}
    assert "dependants" in rows[2]["provisional_indicators"]
    assert "dependants" not in rows[1]["provisional_indicators"]
    assert all(s["url"].startswith("https://") for r in rows for s in r["sources"])


@pytest.mark.parametrize(
    ("code", "standard", "klass"),
    [("2026", "nd351-2025", "near_poor"), ("2026-11", "nd07-2021", "average")],
)
def test_round_selects_the_standard_of_its_lists(
    capsys: pytest.CaptureFixture[str], code: str, standard: str, klass: str
) -> None:
    """The annual review of 2026 decides the 2027 lists (NĐ 351/2025); November's regular
    review decides under the standard in force (NĐ 07/2021)."""
    out = classify_json(capsys, "--round", code, "--area", "rural", "--income", "2 triệu")
    assert (out["standard"], out["class"]) == (standard, klass)


def test_round_of_a_commune_reads_its_choice_from_the_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"

    async def setup() -> None:
        engine = make_engine(url)
        await upgrade(engine)
        async with transaction(make_sessionmaker(engine)) as db:
            await import_units(db, parse_csv(DEMO_CSV.read_text(encoding="utf-8")), actor="t")
            commune = await unit_by_code(db, "37-GIAVIEN")
            rnd = await ensure_round(db, commune_id=commune.id, spec=proc.periodic_round(2026))  # type: ignore[union-attr,arg-type]
            await set_standard(db, rnd=rnd, standard_id="nd07-2021", actor="t")
        await engine.dispose()

    asyncio.run(setup())
    monkeypatch.setenv("CHUNGTAY_DATABASE_URL", url)
    argv = ("--area", "rural", "--income", "2 triệu", "--round", "2026")
    assert classify_json(capsys, *argv, "--unit", "37-GIAVIEN")["standard"] == "nd07-2021"
    assert classify_json(capsys, *argv, "--unit", "37-KIMSON")["standard"] == "nd351-2025"
    with pytest.raises(SystemExit):
        run("classify", *argv, "--unit", "99-NOWHERE")
    assert "no unit '99-NOWHERE'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run("classify", "--area", "rural", "--income", "1", "--round", "26")
    assert "--round takes 2026" in capsys.readouterr().err
