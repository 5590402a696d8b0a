"""bench/webhook.py runs end to end with tiny numbers: the flows complete (the script checks every
submission is stored and confirmed) and the last line is the JSON result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import webhook
from bench.procstat import postgres_pids

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "webhook.py"


def test_webhook_bench_smoke(pg_migrated: str) -> None:
    # pg_migrated: the session's PostgreSQL test database; the bench wipes and re-migrates it.
    # On a machine of 2 CPUs or more, with the servers on the first (--server-cpus).
    cpus = sorted(os.sched_getaffinity(0))
    pinned = ["--server-cpus", str(cpus[0])] if len(cpus) > 1 else []
    postgres_before = {pid: os.sched_getaffinity(pid) for pid in postgres_pids()}
    run = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--database-url",
            pg_migrated,
            "--users",
            "2",
            "--rounds",
            "1",
            "--workers",
            "1,2",
            *pinned,
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    if pinned:  # each group ran where it was put, and PostgreSQL has its CPUs back
        for phase in ("bare", "full_1_workers", "full_2_workers"):
            assert result[phase]["cpus_allowed"] == {
                "server": cpus[:1],
                "postgres": cpus[1:],
                "load_generator": cpus[1:],
                "fake_bot_api": cpus[1:],
            }
        for pid, before in postgres_before.items():
            if pid in postgres_pids():
                assert os.sched_getaffinity(pid) == before
    assert result["bare"]["updates"] == result["full_1_workers"]["updates"] == 2 * 11
    assert result["full_1_workers"]["submissions"] == 2
    assert result["full_1_workers"]["confirmations"] == 2
    assert result["ratio_to_bare"] > 0
    # Two workers sharing the 2 chats, then two workers with 2 chats each.
    assert result["full_2_workers"]["updates"] == 2 * 11
    assert result["full_2_workers_4_users"]["updates"] == 4 * 11
    assert result["full_2_workers_4_users"]["submissions"] == 4
    assert result["scale_ratio"] > 0
    assert set(result["scale_efficiency"]) == set(result["scale_efficiency_shared_users"]) == {"2"}
    # Every press (onboarding's "yes" and 8 per report, 2 users) is answered in the webhook's
    # answer; the bare echo answers by a request of its own.
    full = result["full_1_workers"]
    assert full["bot_api_calls_in_webhook_answers"]["answerCallbackQuery"] == 2 * 9
    assert "answerCallbackQuery" not in full["bot_api_calls"]
    assert result["bare"]["bot_api_calls"]["answerCallbackQuery"] == 2 * 9


def test_cpu_of_a_process_that_ended_during_the_phase_is_counted() -> None:
    """A database connection closed during a phase: its backend's CPU is not lost (it moves to
    the parent's children's time when the parent waits for it)."""
    watch = webhook.CpuWatch({"us": lambda: [os.getpid()]})
    watch.begin()
    subprocess.run(  # a child that burns ~0.3 s of CPU, then exits and is waited for
        [
            sys.executable,
            "-c",
            "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass",
        ],
        check=True,
    )
    assert watch.end(1.0)["us"] >= 0.25


def test_repeated_phases_report_the_median_of_their_runs() -> None:
    """--repeat: a phase's figures are the medians over its runs (a slow minute of the host
    moves one run, not the figure), and every run's pair is kept."""
    runs = [
        {"server_cpu_ms_per_update": 3.1, "updates_per_s": 300.0, "updates": 88},
        {"server_cpu_ms_per_update": 2.4, "updates_per_s": 420.0, "updates": 88},
        {"server_cpu_ms_per_update": 2.6, "updates_per_s": 380.0, "updates": 88},
    ]
    phase = webhook.median_run(runs)
    assert phase["server_cpu_ms_per_update"] == 2.6
    assert phase["updates_per_s"] == 380.0
    assert phase["repeats"] == [[300.0, 3.1], [420.0, 2.4], [380.0, 2.6]]
    assert runs[2].get("repeats") is None  # the runs themselves stay as measured
    assert webhook.median_run(runs[:1]) is runs[0]


def test_paced_steps_keep_their_schedule() -> None:
    """--pace: step k goes no earlier than its time, whatever the server's latency; a step that
    comes late does not push the later ones back (the pace stays the rate)."""
    import asyncio
    import time

    interval = 0.04

    async def run() -> list[tuple[str, float]]:
        first = time.perf_counter() + 0.01
        sent = []
        async for step in webhook.paced(["a", "b", "c", "d", "e"], interval, first):
            sent.append((step, time.perf_counter() - first))
            if step == "b":
                await asyncio.sleep(2.5 * interval)  # a slow answer: c and d are due by now
        return sent

    sent = asyncio.run(run())
    assert [step for step, _ in sent] == ["a", "b", "c", "d", "e"]
    for k, (_, at) in enumerate(sent):
        assert at >= k * interval - 0.002
    # c and d went one after the other once b was answered; e kept its own time
    assert sent[3][1] - sent[2][1] < interval / 2
    assert sent[4][1] >= 4 * interval - 0.002


def test_preemptions_are_counted_for_processes_that_share_a_core() -> None:
    """preempted_per_update: two busy processes on one core take the core from each other; a
    process that sleeps gives it up of its own accord and is not counted."""
    pin = "import os\nos.sched_setaffinity(0, {min(os.sched_getaffinity(0))})\n"
    spin = "t = time.process_time()\nwhile time.process_time() - t < 0.25: pass\n"
    # Each says it is up, works on the parent's "go", says so, then stays until told to end: the
    # counts are read from /proc while the processes are still there.
    steps = "import sys, time\nprint(flush=True)\nsys.stdin.readline()\n"
    steps += "{work}print(flush=True)\nsys.stdin.readline()\n"
    scripts = [pin + steps.format(work=spin)] * 2 + [
        steps.format(work="for _ in range(20): time.sleep(0.01)\n")
    ]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        for code in scripts
    ]
    watch = webhook.CpuWatch(
        {"busy": lambda: [p.pid for p in procs[:2]], "idle": lambda: [procs[2].pid]}
    )
    try:
        for proc in procs:  # started up: the interpreters' start is not counted
            proc.stdout.readline()  # type: ignore[union-attr]
        watch.begin()
        for proc in procs:
            proc.stdin.write("go\n")  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]
        for proc in procs:
            proc.stdout.readline()  # type: ignore[union-attr]
        counted = watch.preemptions()
        for proc in procs:
            proc.stdin.write("end\n")  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]
            assert proc.wait(timeout=30) == 0
    finally:
        for proc in procs:
            proc.kill()
    # 0.5 s of CPU on one core: ~400 slices here, and hardly a pause of their own
    assert counted["busy"] >= 20, counted
    # The sleeper blocks 21 times of its own accord (20 sleeps, a read), none counted; at most a
    # couple of preemptions while it runs its few lines on a loaded machine.
    assert counted["idle"] <= 2, counted


def test_server_cpus_must_leave_the_harness_a_cpu(capsys: pytest.CaptureFixture[str]) -> None:
    """--server-cpus takes some of the CPUs this process may use, never all of them."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) > 1:
        assert webhook.parse_args(["--server-cpus", str(cpus[-1])]).server_cpus == {cpus[-1]}
    for wrong in (",".join(map(str, cpus)), "x", str(max(cpus) + 1)):
        with pytest.raises(SystemExit):
            webhook.parse_args(["--server-cpus", wrong])
        assert "--server-cpus" in capsys.readouterr().err
