"""N1: nothing is lost while SMTP is down, and nothing is sent twice when it is back."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from flask import Flask

from server.clock import utcnow
from server.notifications.worker import Worker
from tests.conftest import next_weekday
from tests.notifications.conftest import book, offered, outbox
from tests.smtp import SmtpServer

pytestmark = pytest.mark.db

BOOKINGS = 50


def test_smtp_down_during_50_bookings_then_back_delivers_every_message_once(
    client, make_link, host, app: Flask
) -> None:
    smtp = SmtpServer()  # not started yet: its port is closed, as when the server is down
    app.config["RENDEZVOUS_SMTP_URL"] = smtp.url
    worker = Worker.from_app(app)
    link = make_link(reminders={"enabled": False})
    starts = [s for day in range(4) for s in offered(client, link, next_weekday(day))]
    now = utcnow()

    for i in range(BOOKINGS):
        book(client, link, starts[i], email=f"visitor{i}@example.com", last_name=f"V{i}")
        if i % 10 == 9:  # a worker keeps trying during the outage
            now += timedelta(minutes=10)
            report = worker.drain(now=now)
            assert report.sent == 0 and report.unavailable

    rows = outbox(app)
    assert len(rows) == 2 * BOOKINGS
    assert {r.status for r in rows} == {"pending"}  # nothing given up on
    assert any(r.last_error and "SMTP" in r.last_error for r in rows)

    smtp.start()
    try:
        report = worker.drain(now=now + timedelta(hours=1))
        again = worker.drain(now=now + timedelta(hours=2))
        received = smtp.messages
    finally:
        smtp.stop()

    assert report.sent == 2 * BOOKINGS and again.sent == 0
    assert len(received) == 2 * BOOKINGS
    assert set(smtp.message_id_counts().values()) == {1}
    visitors = Counter(m.to for m in received if m.to.startswith("visitor"))
    assert visitors == Counter({f"visitor{i}@example.com": 1 for i in range(BOOKINGS)})
    assert len([m for m in received if m.to == host.email]) == BOOKINGS
    assert {r.status for r in outbox(app)} == {"sent"}
