"""Prometheus metrics: request latency (measured in this process), and the outbox's depth and
lag, dead jobs and missed commitment deadlines (read from the shared stores when scraped, so
every process reports the same numbers for them)."""

import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.types import Message, Receive, Scope, Send

from voxloop.analytics import store
from voxloop.common.middleware import HttpMiddleware
from voxloop.common.time import as_utc, utcnow
from voxloop.db import session_scope
from voxloop.jobs.models import OutboxMessage

registry = CollectorRegistry()
REQUESTS = Histogram(
    "voxloop_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route and status class.",
    ["method", "route", "status"],
    registry=registry,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class LatencyMiddleware(HttpMiddleware):
    """Times every request; the route is the path template (`/api/v1/feedback/{feedback_id}`),
    so ids do not make a series each."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        began = time.perf_counter()
        status = [500]

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            REQUESTS.labels(scope["method"], route, f"{status[0] // 100}xx").observe(
                time.perf_counter() - began
            )


def outbox_state() -> dict[str, Any]:
    """Jobs waiting (due or not), how long the oldest due one has waited, and dead jobs."""
    now = utcnow()
    with session_scope(readonly=True) as db:
        pending, oldest = db.execute(
            select(func.count(), func.min(OutboxMessage.run_after)).where(OutboxMessage.status == "pending")
        ).one()
        dead = db.scalar(select(func.count()).where(OutboxMessage.status == "dead"))
    lag = max(0.0, (now - as_utc(oldest)).total_seconds()) if oldest is not None else 0.0
    return {"pending": int(pending), "lag_seconds": lag, "dead": int(dead or 0)}


def _missed_deadlines() -> float | None:
    """Commitment deadlines missed (breached or met late), from the analytics store."""
    if not store.path().exists():
        return None
    with store.connect(read_only=True) as conn:
        row = conn.execute("SELECT coalesce(sum(measured - kept), 0) FROM clock_facts").fetchone()
    return float(row[0]) if row else 0.0


GAUGES = {
    "pending": ("voxloop_outbox_pending", "Jobs in the outbox not yet done."),
    "lag_seconds": ("voxloop_outbox_lag_seconds", "How long the oldest waiting job has been due."),
    "dead": ("voxloop_outbox_dead", "Jobs that failed every attempt."),
}


class StoreCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        for key, value in outbox_state().items():
            name, documentation = GAUGES[key]
            yield GaugeMetricFamily(name, documentation, value=value)
        missed = _missed_deadlines()
        if missed is not None:
            doc = "Commitment deadlines missed, as of the last analytics sync."
            yield GaugeMetricFamily("voxloop_sla_breaches", doc, value=missed)


registry.register(StoreCollector())
