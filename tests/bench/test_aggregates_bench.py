"""bench/aggregates.py runs end to end with tiny numbers: the summary, indicators and emulation
endpoints agree with their hand-written queries (the script stops otherwise) and it prints its
JSON last; at province scale on SQLite, at national scale (a country, provinces, communes) on
PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "aggregates.py"


def run(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_aggregates_bench_smoke() -> None:
    result = run("--hamlets", "100", "--households-per-hamlet", "10", "--events", "5000",
                 "--supports", "500", "--repeat", "1")  # fmt: skip
    assert result["backend"] == "sqlite" and result["households"] == 1000
    assert set(result["emulation"]) == {"2025", "2026", "2027"}
    assert all(r["ratio"] > 0 for r in result["emulation"].values())
    assert result["indicators"]["ratio"] > 0


def test_aggregates_bench_national_smoke(pg_migrated: str) -> None:
    """The national code path (streamed load, indexes made after it, the per-province
    baselines) on a country of 3 provinces, 12 communes and 12,000 households."""
    result = run("--scale", "national", "--database-url", pg_migrated, "--provinces", "3",
                 "--communes", "12", "--hamlets", "120", "--households-per-hamlet", "100",
                 "--events", "5000", "--supports", "500", "--repeat", "1")  # fmt: skip
    assert result["scale"] == "national" and result["households"] == 12_000
    for report in ("summary", "indicators"):
        assert set(result[report]) == {"VN", "P01"}
    assert set(result["emulation"]) == {"VN 2026", "P01 2026"}
    assert result["sizes"]["database_mb"] > 0
