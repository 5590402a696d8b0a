"""GET /metrics in the Prometheus text format.

Counters and histograms of the inbound path are per process (handlers/metrics.py); under
`chungtay serve` each worker writes them to PROMETHEUS_MULTIPROC_DIR and any worker's /metrics
adds up all of them. What lives in the database is read at scrape time, so it is right whichever
process sent a message (the scheduler included) and survives restarts: the outbox depth and the
reminders and notices sent and failed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import case, func, select

from storage.models_outbox import OutboxMessage

log = logging.getLogger(__name__)
router = APIRouter(tags=["ops"])
WAITING = ("pending", "claimed", "sending")


class OutboxSnapshot:
    """The outbox counted once per scrape, exposed as metric families."""

    def __init__(self, counts: dict[tuple[str, str], int] | None) -> None:
        self.counts = counts  # (status, kind) -> rows; None when the database did not answer

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("chungtay_database_up", "1 when the database answered this scrape")
        up.add_metric([], 0 if self.counts is None else 1)
        yield up
        if self.counts is None:
            return
        depth = GaugeMetricFamily(
            "chungtay_outbox_depth",
            "Outbox messages waiting to go out, by status",
            labels=["status"],
        )
        for status in WAITING:
            depth.add_metric([status], sum(n for (s, _), n in self.counts.items() if s == status))
        yield depth
        for outcome, status in (("sent", "sent"), ("failed", "failed")):
            family = CounterMetricFamily(
                f"chungtay_reminders_{outcome}",
                f"Reminders and notices {outcome} (outbox rows with status {status}), by kind",
                labels=["kind"],
            )
            for kind in ("reminder", "notice"):
                family.add_metric([kind], self.counts.get((status, kind), 0))
            yield family


async def outbox_counts(request: Request) -> dict[tuple[str, str], int] | None:
    kind = case((OutboxMessage.rule == "notice", "notice"), else_="reminder")
    stmt = select(OutboxMessage.status, kind, func.count()).group_by(OutboxMessage.status, kind)
    try:
        async with request.app.state.services.sessionmaker() as db:
            rows = (await db.execute(stmt)).all()
    except Exception as exc:  # a scrape must still answer: the database is reported down
        log.warning("metrics: outbox not readable: %s", type(exc).__name__)
        return None
    return {(status, k): int(n) for status, k, n in rows}


def process_metrics() -> bytes:
    """This process's metrics, or all workers' in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    snapshot = CollectorRegistry()
    snapshot.register(OutboxSnapshot(await outbox_counts(request)))  # type: ignore[arg-type]
    body = process_metrics() + generate_latest(snapshot)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
