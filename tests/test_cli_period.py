"""`chungtay period open|list`: periods as data, with default or given deadlines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from storage.models_register import ReportingPeriod
from tests.test_cli import query, run_cli


def test_open_monthly_with_default_deadlines_then_list(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    assert run_cli(monkeypatch, db_url, "period", "list") == 0
    assert capsys.readouterr().out.strip() == "Chưa có kỳ báo cáo nào."
    assert (
        run_cli(monkeypatch, db_url, "period", "open", "--kind", "monthly", "--code", "2026-11")
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("Đã mở kỳ:\n")
    assert (
        "2026-11  hằng tháng  01/11/2026–30/11/2026  hạn thôn: 25/11/2026  hạn xã: 05/12/2026  "
        "đang mở  chuẩn: đang có hiệu lực"
    ) in out
    [(hamlet, commune)] = query(
        db_url, select(ReportingPeriod.hamlet_deadline, ReportingPeriod.commune_deadline)
    )
    # End of the day in Hà Nội, stored in UTC.
    assert hamlet.replace(tzinfo=UTC) == datetime(2026, 11, 25, 16, 59, 59, tzinfo=UTC)
    assert commune.replace(tzinfo=UTC) == datetime(2026, 12, 5, 16, 59, 59, tzinfo=UTC)


def test_open_annual_with_deadlines_and_standard_and_reopen(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    args = ["period", "open", "--kind", "annual", "--code", "2026"]
    assert run_cli(monkeypatch, db_url, *args, "--standard", "nd351-2025") == 0
    assert "01/09/2026–14/12/2026  hạn thôn: 30/11/2026  hạn xã: 14/12/2026" in (
        capsys.readouterr().out
    )
    assert run_cli(monkeypatch, db_url, *args, "--hamlet-deadline", "2026-11-20") == 0
    out = capsys.readouterr().out
    assert out.startswith("Đã cập nhật kỳ:\n") and "hạn thôn: 20/11/2026" in out
    run_cli(monkeypatch, db_url, "period", "open", "--kind", "monthly", "--code", "2026-12")
    capsys.readouterr()
    assert run_cli(monkeypatch, db_url, "period", "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["2026-12", "2026"]  # newest first
    assert lines[1].endswith("chuẩn: đang có hiệu lực")  # reopened without --standard


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--kind", "monthly", "--code", "2026-13"], "Mã kỳ hằng tháng có dạng 2026-11"),
        (["--kind", "annual", "--code", "2026-11"], "Mã kỳ hằng năm có dạng 2026"),
        (
            ["--kind", "monthly", "--code", "2026-11", "--standard", "nd99"],
            "Không có chuẩn nghèo nd99",
        ),
        (
            ["--kind", "monthly", "--code", "2026-11", "--commune-deadline", "2026-11-20"],
            "Hạn báo cáo của xã sớm hơn hạn nộp của thôn.",
        ),
        (
            ["--kind", "monthly", "--code", "2026-11", "--hamlet-deadline", "2026-10-30"],
            "Hạn nộp của thôn sớm hơn ngày bắt đầu kỳ (01/11/2026).",
        ),
    ],
)
def test_bad_options_are_refused_and_nothing_is_stored(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    db_url: str,
    extra: list[str],
    message: str,
) -> None:
    assert run_cli(monkeypatch, db_url, "period", "open", *extra) == 2
    assert message in capsys.readouterr().err
    assert query(db_url, select(ReportingPeriod.id)) == []
