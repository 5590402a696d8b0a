"""Process metrics of the inbound path (prometheus-client). In `chungtay serve` every worker writes
them to PROMETHEUS_MULTIPROC_DIR and /metrics adds up all workers (api/metrics.py)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

UPDATES = Counter(
    "chungtay_updates",
    "Inbound updates by channel and outcome (handled, duplicate, error)",
    ["channel", "outcome"],
)
HANDLER_SECONDS = Histogram(
    "chungtay_handler_seconds",
    "Time to handle one inbound update (dedupe, locked session, engine, actions, commit)",
    ["channel"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
