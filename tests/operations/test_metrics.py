"""Prometheus metrics at ``/metrics`` (SPEC §12 "Observable"), in one process; the sums across
gunicorn workers are in test_serve.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from server import clock
from server.calendars.models import CalendarConnection
from server.db import get_session
from server.notifications.models import OutboxMessage
from tests.api.test_public_bookings import book, first_slot

pytestmark = pytest.mark.db


def scrape(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def _requests(figures, endpoint, status):
    key = ("endpoint", endpoint), ("method", "GET"), ("status", status)
    return figures.get(("rendezvous_http_requests_total", key), 0.0)


def _with_status(figures, status):
    return sum(
        value
        for (name, labels), value in figures.items()
        if name == "rendezvous_http_requests_total" and dict(labels)["status"] == status
    )


def test_requests_are_counted_by_endpoint_and_status(client):
    before = scrape(client)
    for _ in range(3):
        client.get("/healthz")
    client.get("/api/v1/links")  # no token: 401
    after = scrape(client)
    healthz = _requests(after, "operations.healthz", "200")
    assert healthz - _requests(before, "operations.healthz", "200") == 3
    assert _with_status(after, "401") - _with_status(before, "401") == 1


def test_the_latency_histogram_counts_every_answer(client):
    before = scrape(client)
    client.get("/healthz")
    after = scrape(client)
    key = ("rendezvous_http_request_duration_seconds_count", (("endpoint", "operations.healthz"),))
    assert after[key] - before.get(key, 0.0) == 1


def test_a_booking_is_counted_and_its_emails_show_in_the_outbox_backlog(client, make_link, app):
    link = make_link()
    before = scrape(client)
    assert book(client, link, first_slot(client, link)[0]).status_code == 201
    after = scrape(client)
    created = ("rendezvous_bookings_total", (("event", "created"),))
    assert after[created] - before.get(created, 0.0) == 1
    with app.app_context():
        pending = get_session().scalar(
            select(func.count()).where(OutboxMessage.status == "pending")
        )
    assert pending > 0
    assert after[("rendezvous_queue_backlog", (("queue", "outbox"),))] == pending
    assert after[("rendezvous_queue_failed", (("queue", "outbox"),))] == 0


def test_the_oldest_pending_age_grows_with_the_clock(client, make_link):
    link = make_link()
    assert book(client, link, first_slot(client, link)[0]).status_code == 201
    age = ("rendezvous_queue_oldest_pending_age_seconds", (("queue", "outbox"),))
    assert scrape(client)[age] < 30
    clock.set_now(clock.utcnow() + timedelta(minutes=5))
    assert 300 <= scrape(client)[age] < 330


def test_calendar_connections_are_counted_by_status(client, app, host):
    with app.app_context():
        session = get_session()
        for status in ("connected", "error", "error", "disconnected"):
            session.add(
                CalendarConnection(
                    account_id=host.account_id,
                    user_id=host.id,
                    provider="ics",
                    status=status,
                    url="https://calendar.example/feed.ics",
                )
            )
        session.commit()
    figures = scrape(client)
    counts = {
        status: figures[("rendezvous_calendar_connections", (("status", status),))]
        for status in ("connected", "error", "disconnected")
    }
    assert counts == {"connected": 1, "error": 2, "disconnected": 1}


def test_metrics_are_not_answered_outside_the_deployment(client):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "8.8.4.4"})
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
