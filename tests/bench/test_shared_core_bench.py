"""bench/shared_core.py runs end to end with tiny numbers and prints its JSON last: a figure for
each working set and each number of workers sharing the core."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "shared_core.py"


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="the bench needs two CPUs")
def test_shared_core_bench_smoke() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--sizes", "0.5,2", "--steps", "30", "--touches", "50"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(result) == {"0.5_mb", "2_mb"}
    for size in result.values():
        assert set(size["us_per_step"]) == {"1", "2", "4"}
        assert all(us > 0 for us in size["us_per_step"].values())
        assert set(size["ratio"]) == {"2", "4"}
