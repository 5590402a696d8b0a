"""Processes and their CPU, from /proc (Linux): what a benchmark phase cost each group of
processes, and how often they were taken off a core (bench/webhook.py)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process and of its children that exited and were waited for
    (0 when it is gone): a PostgreSQL backend that ends during a phase moves its CPU to the
    postmaster's children's time, where it is still counted."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / TICKS


def preempted(pid: int) -> int:
    """Times the process was taken off a core while it could still run (0 when it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return int(status.rsplit("nonvoluntary_ctxt_switches:", 1)[1].split()[0])


def cpus_allowed(pid: int) -> set[int]:
    """The CPUs the process may run on (empty when it is gone)."""
    try:
        return os.sched_getaffinity(pid)
    except OSError:
        return set()


@contextmanager
def postgres_on(cpus: set[int]) -> Iterator[None]:
    """PostgreSQL's processes on `cpus` while the block runs: the postmaster (its new backends
    inherit it) and every process it has. Afterwards each process that was there is given back
    its CPUs, and a backend born in between all the CPUs they had between them."""
    before = {pid: cpus_allowed(pid) for pid in postgres_pids()}
    every = set().union(*before.values()) or os.sched_getaffinity(0)
    try:
        _move_postgres(lambda pid: cpus)
        yield
    finally:
        _move_postgres(lambda pid: before.get(pid) or every)


def _move_postgres(cpus_of: Callable[[int], set[int]]) -> None:
    """Each PostgreSQL process to its CPUs, then again to any the postmaster started while it
    was being listed and moved (a backend inherits the postmaster's CPUs when it starts)."""
    done: set[int] = set()
    for _ in range(5):
        new = set(postgres_pids()) - done
        if not new:
            return
        for pid in new:
            try:
                os.sched_setaffinity(pid, cpus_of(pid))
            except ProcessLookupError:  # a backend that ended meanwhile
                pass
        done |= new


def children(pid: int) -> list[int]:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    out = [int(k) for k in kids]
    return out + [g for k in out for g in children(k)]


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def machine_busy() -> float:
    """Busy CPU seconds of the whole machine (every process, other users' too) since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / TICKS


@dataclass
class CpuWatch:
    """CPU used by groups of processes during a phase; a group is listed at the start and again
    at the end, so that processes born during the phase (database connections opened by the
    pool) count in full, and those that ended during it are counted through their parent."""

    groups: dict[str, Callable[[], list[int]]]
    start: dict[str, dict[int, float]] = field(default_factory=dict)
    machine: float = 0.0
    switches: dict[str, dict[int, int]] = field(default_factory=dict)

    def begin(self) -> None:
        listed = {n: pids() for n, pids in self.groups.items()}
        self.start = {n: {p: cpu_seconds(p) for p in pids} for n, pids in listed.items()}
        self.switches = {n: {p: preempted(p) for p in pids} for n, pids in listed.items()}
        self.machine = machine_busy()

    def end(self, wall: float) -> dict[str, float]:
        """CPU used by each group during the phase, in cores (1.0 = one core busy all along)."""
        out = {}
        for name, pids in self.groups.items():
            before = self.start.get(name, {})
            every = set(before) | set(pids())
            used = sum(cpu_seconds(p) - before.get(p, 0.0) for p in every)
            out[name] = round(used / wall, 2)
        out["machine_busy"] = round((machine_busy() - self.machine) / wall, 2)
        out["cores"] = os.cpu_count() or 0
        return out

    def cpus(self) -> dict[str, list[int]]:
        """The CPUs each group's processes may run on now (the union over the group)."""
        return {
            name: sorted(set().union(*(cpus_allowed(p) for p in pids())))
            for name, pids in self.groups.items()
        }

    def preemptions(self) -> dict[str, int]:
        """Times each group's processes were taken off a core while they could run, during the
        phase (processes listed at its start: a server's workers, not connections opened since)."""
        return {
            name: sum(preempted(p) - n for p, n in self.switches.get(name, {}).items())
            for name in self.groups
        }
