"""GET /metrics in the Prometheus text format.

Counters and histograms of the inbound path are per process (handlers/metrics.py); under
`chungtay serve` each worker writes them to PROMETHEUS_MULTIPROC_DIR and any worker's /metrics
adds up all of them. What lives in the database is read at scrape time, so it is right whichever
process sent a message (the scheduler included) and survives restarts: the outbox depth and the
reminders and notices sent and failed, and how long the oldest claimed or sending row has waited
(a row stuck there means a sender stopped and nobody has recovered it: alert on it).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import case, func, select

from storage.models_outbox import IN_FLIGHT, OutboxMessage
from storage.types import UTCDateTime

log = logging.getLogger(__name__)
router = APIRouter(tags=["ops"])
WAITING = ("pending", "claimed", "sending")
Counts = dict[tuple[str, str], int]
Ages = dict[str, float]


class OutboxSnapshot:
    """The outbox counted once per scrape, exposed as metric families."""

    def __init__(self, found: tuple[Counts, Ages] | None) -> None:
        # (status, kind) -> rows, status -> seconds; None when the database did not answer
        self.counts, self.ages = found if found is not None else (None, {})

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
        oldest = GaugeMetricFamily(
            "chungtay_outbox_oldest_seconds",
            "Age of the oldest outbox message claimed or being sent (0 when none): a sender"
            " stops and leaves such rows behind, so alert when this grows past a few minutes",
            labels=["status"],
        )
        for status in IN_FLIGHT:
            oldest.add_metric([status], self.ages.get(status, 0.0))
        yield oldest
        for outcome, status in (("sent", "sent"), ("failed", "failed")):
            family = CounterMetricFamily(
                f"chungtay_reminders_{outcome}",
                f"Reminders and notices {outcome} (outbox rows with status {status}), by kind",
                labels=["kind"],
            )
            for kind in ("reminder", "notice"):
                family.add_metric([kind], self.counts.get((status, kind), 0))
            yield family


async def outbox_counts(request: Request) -> tuple[Counts, Ages] | None:
    services = request.app.state.services
    kind = case((OutboxMessage.rule == "notice", "notice"), else_="reminder")
    stmt = select(OutboxMessage.status, kind, func.count()).group_by(OutboxMessage.status, kind)
    since = func.min(OutboxMessage.claimed_at, type_=UTCDateTime())
    oldest = (
        select(OutboxMessage.status, since)
        .where(OutboxMessage.status.in_(IN_FLIGHT))  # type: ignore[attr-defined]
        .group_by(OutboxMessage.status)
    )
    try:
        async with services.sessionmaker() as db:
            rows = (await db.execute(stmt)).all()
            claimed: list[Any] = list((await db.execute(oldest)).all())
    except Exception as exc:  # a scrape must still answer: the database is reported down
        log.warning("metrics: outbox not readable: %s", type(exc).__name__)
        return None
    now = services.clock()
    ages = {s: max(0.0, (now - at).total_seconds()) for s, at in claimed if at is not None}
    return {(status, k): int(n) for status, k, n in rows}, ages


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
