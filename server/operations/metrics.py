"""Prometheus metrics at ``GET /metrics`` (SPEC §12), with prometheus_client.

Counted in each process, summed across processes: under ``rendezvous serve``,
``PROMETHEUS_MULTIPROC_DIR`` names a folder of the instance that every gunicorn worker writes
its figures to (prometheus_client's multiprocess mode, see :mod:`.gunicorn_conf`), and a
scrape reads them all. The queues' backlogs are read from the database at scrape time, so
they are the same whichever server is asked.

Only clients inside the deployment (loopback and private addresses, after the trusted
proxies) are answered; anyone else gets a 404 like any unknown path.
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from server.clock import utcnow
from server.errors import NotFound

__all__ = ["BOOKINGS", "count_booking", "init_app"]

REQUESTS = Counter(
    "rendezvous_http_requests",
    "HTTP requests answered, by endpoint, method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "rendezvous_http_request_duration_seconds",
    "Time to answer a request, by endpoint.",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
BOOKINGS = Counter(
    "rendezvous_bookings",
    "Bookings made, rescheduled and cancelled (committed).",
    ["event"],
)

bp = Blueprint("metrics", __name__)


def count_booking(event: str) -> None:
    """A booking was ``created``, ``rescheduled`` or ``cancelled`` (called after its commit)."""
    BOOKINGS.labels(event=event).inc()


class QueueCollector(Collector):
    """The durable queues as the database holds them now: what waits, since when, and what
    failed for good (emails of the outbox, calendar write-backs, webhook deliveries); and the
    calendars that fail to sync."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from server.calendars.models import CONNECTION_STATUSES, CalendarConnection, CalendarJob
        from server.db import get_session
        from server.notifications.models import OutboxMessage
        from server.webhooks.models import WebhookDelivery

        session = get_session()
        now = utcnow()
        backlog = GaugeMetricFamily(
            "rendezvous_queue_backlog", "Work waiting in a durable queue.", labels=["queue"]
        )
        oldest = GaugeMetricFamily(
            "rendezvous_queue_oldest_pending_age_seconds",
            "Age of the oldest work waiting in a queue (0 when none waits).",
            labels=["queue"],
        )
        failed = GaugeMetricFamily(
            "rendezvous_queue_failed", "Work that failed for good, by queue.", labels=["queue"]
        )
        queues = (
            ("outbox", OutboxMessage, OutboxMessage.status == "pending", OutboxMessage.status),
            (
                "calendar_jobs",
                CalendarJob,
                CalendarJob.status == "pending",
                CalendarJob.status,
            ),
            (
                "webhooks",
                WebhookDelivery,
                WebhookDelivery.status == "pending",
                WebhookDelivery.status,
            ),
        )
        for name, model, pending, status in queues:
            count, first = session.execute(
                select(func.count(), func.min(model.created_at)).where(pending)
            ).one()
            backlog.add_metric([name], count)
            oldest.add_metric([name], _age(now, first))
            gone = select(func.count()).select_from(model).where(status == "failed")
            if model is CalendarJob:
                gone = gone.where(CalendarJob.next_attempt_at.is_(None))
            failed.add_metric([name], session.execute(gone).scalar_one())
        yield backlog
        yield oldest
        yield failed
        calendars = GaugeMetricFamily(
            "rendezvous_calendar_connections",
            "Hosts' calendar connections by status (error: retried; disconnected: needs the host).",
            labels=["status"],
        )
        counts = dict(
            session.execute(
                select(CalendarConnection.status, func.count()).group_by(CalendarConnection.status)
            ).all()
        )
        for status in CONNECTION_STATUSES:
            calendars.add_metric([status], counts.get(status, 0))
        yield calendars


def _age(now: datetime, first: datetime | None) -> float:
    if first is None:
        return 0.0
    if first.tzinfo is None:  # an aggregate loses the column's type: naive UTC on SQLite
        first = first.replace(tzinfo=UTC)
    return max(0.0, (now - first).total_seconds())


def _inside(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private


@bp.route("/metrics", methods=["GET"])
def metrics() -> Response:
    if not _inside(request.remote_addr):
        raise NotFound("Nothing here.")
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=folder)
    else:
        registry = CollectorRegistry()
        registry.register(_ProcessMetrics())
    registry.register(QueueCollector())
    response = Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


class _ProcessMetrics(Collector):
    """This process's own counters (no multiprocess folder: one process, or a test)."""

    def collect(self) -> Iterator[object]:
        for metric in (REQUESTS, LATENCY, BOOKINGS):
            yield from metric.collect()


def _observe(response: Response) -> Response:
    endpoint = request.endpoint or "unmatched"
    if endpoint == "metrics.metrics":
        return response
    started = g.get("request_started")
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    if started is not None:
        LATENCY.labels(endpoint).observe(time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_observe)
    app.register_blueprint(bp)
