"""What processes sharing one core cost each other, without the server: a Python worker reads
`--touches` random items of a working set of W MB, then blocks on a reply from an echo process on
another CPU (as a server worker blocks on PostgreSQL and the Bot API), again and again. It runs
alone on the first CPU, then 2 and 4 copies of it run there together, each with its own echo on
the second CPU.

    .venv/bin/python bench/shared_core.py [--sizes 1,4,16] [--steps 3000] [--touches 2000]

Prints one line per working set and then one JSON object as its last line: each size's CPU
microseconds per step with 1, 2 and 4 workers on the core, and `ratio` (1 worker / N: 1.0 means
the copies cost each other nothing). Needs two CPUs. docs/benchmarks.md, issue 17 (seventh pass).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from multiprocessing import Pipe, Process
from multiprocessing.connection import Connection


def echo(conn: Connection, cpu: int) -> None:
    os.sched_setaffinity(0, {cpu})
    while conn.recv_bytes() != b"end":
        conn.send_bytes(b"k")


def worker(
    conn: Connection, cpu: int, megabytes: float, steps: int, touches: int, out: Connection
) -> None:
    os.sched_setaffinity(0, {cpu})
    # A list of floats: 8 bytes of pointer and a 24-byte float object each, ~32 bytes an item.
    data = [random.random() for _ in range(int(megabytes * 1024 * 1024 / 32))]
    picks = [random.randrange(len(data)) for _ in range(touches * 64)]
    conn.send_bytes(b"k")
    conn.recv_bytes()
    began = time.process_time()
    total = 0.0
    for i in range(steps):
        start = (i % 64) * touches
        for j in picks[start : start + touches]:
            total += data[j]
        conn.send_bytes(b"k")
        conn.recv_bytes()
    out.send((time.process_time() - began) / steps * 1e6)
    conn.send_bytes(b"end")


def run(workers: int, megabytes: float, steps: int, touches: int) -> float:
    """Mean CPU microseconds per step of `workers` copies sharing the first CPU."""
    worker_cpu, echo_cpu = sorted(os.sched_getaffinity(0))[:2]
    procs, results = [], []
    for _ in range(workers):
        ours, theirs = Pipe()
        result, sent = Pipe(duplex=False)
        procs.append(Process(target=echo, args=(theirs, echo_cpu)))
        procs.append(
            Process(target=worker, args=(ours, worker_cpu, megabytes, steps, touches, sent))
        )
        results.append(result)
    for proc in procs:
        proc.start()
    per_step = [r.recv() for r in results]
    for proc in procs:
        proc.join()
    return sum(per_step) / len(per_step)


def main(argv: list[str] | None = None) -> dict[str, dict[str, object]]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1,4,16", help="working sets in MB, e.g. 1,4,16")
    parser.add_argument("--steps", type=int, default=3000, help="steps per worker")
    parser.add_argument("--touches", type=int, default=2000, help="items read per step")
    args = parser.parse_args(argv)
    if len(os.sched_getaffinity(0)) < 2:
        sys.exit("bench/shared_core.py needs two CPUs: the workers on one, the echoes on another")
    out: dict[str, dict[str, object]] = {}
    for size in (float(s) for s in args.sizes.split(",")):
        us = {n: run(n, size, args.steps, args.touches) for n in (1, 2, 4)}
        out[f"{size:g}_mb"] = {
            "us_per_step": {str(n): round(v, 1) for n, v in us.items()},
            "ratio": {str(n): round(us[1] / us[n], 3) for n in (2, 4)},
        }
        print(f"{size:g} MB: {out[f'{size:g}_mb']}", file=sys.stderr, flush=True)
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
