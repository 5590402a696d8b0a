"""bench/aggregates.py runs end to end with tiny numbers: the summary and the emulation endpoints
agree with their hand-written queries (the script stops otherwise) and it prints its JSON last."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "aggregates.py"


def test_aggregates_bench_smoke() -> None:
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--hamlets", "100", "--households-per-hamlet", "10",
         "--events", "5000", "--supports", "500", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["backend"] == "sqlite" and result["households"] == 1000
    assert set(result["emulation"]) == {"2025", "2026", "2027"}
    assert all(r["ratio"] > 0 for r in result["emulation"].values())
