"""bench/inbound.py runs end to end with tiny numbers and prints its JSON result last."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "inbound.py"


def test_inbound_bench_smoke(pg_migrated: str) -> None:
    # pg_migrated: the session's PostgreSQL test database; the bench wipes and re-migrates it.
    run = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--database-url",
            pg_migrated,
            "--users",
            "2",
            "--rounds",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert len(result["cpu_ms_per_update"]) == 2
    assert result["statements_per_report"] > 11  # at least one statement per update
