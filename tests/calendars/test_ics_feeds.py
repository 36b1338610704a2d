"""An ICS feed the host subscribes to (C1): fetched once on connecting, then kept fresh with
conditional GETs; its events block slots from the cache; a feed that refuses us disconnects
(C6), one that is down turns into an error first."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from server.accounts.models import User
from server.calendars.models import CalendarBusy, CalendarConnection
from server.calendars.services import connect_ics, sync_calendar
from server.db import get_session
from server.errors import ValidationFailed
from tests.conftest import NOW

pytestmark = pytest.mark.db

DENTIST = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//feed//EN\r
X-WR-CALNAME:Family\r
BEGIN:VEVENT\r
UID:dentist@example.com\r
DTSTAMP:20270301T000000Z\r
DTSTART:20270315T090000Z\r
DTEND:20270315T100000Z\r
SUMMARY:Dentist\r
END:VEVENT\r
END:VCALENDAR\r
"""


class Feed:
    """A real HTTP server serving one ICS body with an ETag, and what it was asked."""

    def __init__(self) -> None:
        self.body = DENTIST
        self.status = 200
        self.requests: list[dict[str, str]] = []
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                feed.requests.append(dict(self.headers))
                etag = f'"{hash(feed.body) & 0xFFFF:x}"'
                if feed.status != 200:
                    self.send_response(feed.status)
                    self.end_headers()
                elif self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                else:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/calendar")
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", str(len(feed.body)))
                    self.end_headers()
                    self.wfile.write(feed.body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/family.ics"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def feed() -> Iterator[Feed]:
    served = Feed()
    yield served
    served.server.shutdown()
    served.server.server_close()


def connect(app, host, url: str, now: datetime = NOW) -> int:
    with app.app_context():
        session = get_session()
        return connect_ics(session, session.get(User, host.id), url, now).id


def sync(app, connection_id: int, now: datetime):
    with app.app_context():
        session = get_session()
        connection = session.get(CalendarConnection, connection_id)
        return sync_calendar(session, connection.calendars[0], now)


def cached(app) -> list[tuple[datetime, datetime, str]]:
    with app.app_context():
        rows = get_session().scalars(select(CalendarBusy).order_by(CalendarBusy.start_at))
        return [(r.start_at, r.end_at, r.summary) for r in rows]


def status(app, connection_id: int) -> tuple[str, str]:
    with app.app_context():
        connection = get_session().get(CalendarConnection, connection_id)
        return connection.status, connection.status_message


def test_connecting_a_feed_caches_its_events(lan_app, host, feed):
    connection_id = connect(lan_app, host, feed.url)
    assert cached(lan_app) == [
        (datetime(2027, 3, 15, 9, tzinfo=UTC), datetime(2027, 3, 15, 10, tzinfo=UTC), "Dentist")
    ]
    with lan_app.app_context():
        connection = get_session().get(CalendarConnection, connection_id)
        (calendar,) = connection.calendars
        assert (calendar.name, calendar.writable, calendar.check_conflicts) == (
            "Family",
            False,
            True,
        )
        assert connection.status == "connected"


def test_the_feeds_events_are_not_offered(lan_app, client, host, feed, make_link):
    link = make_link(timezone="UTC")
    connect(lan_app, host, feed.url)
    response = client.get(
        f"/api/v1/public/links/{link['slug']}/slots",
        query_string={"start": "2027-03-15", "end": "2027-03-15", "timezone": "UTC"},
    )
    times = [slot[11:16] for slot in response.json["slots"]]
    assert "10:00" in times
    assert {"09:00", "09:30"} & set(times) == set()


def test_an_unchanged_feed_answers_304_and_keeps_the_cache(lan_app, host, feed):
    connection_id = connect(lan_app, host, feed.url)
    outcome = sync(lan_app, connection_id, NOW + timedelta(minutes=15))
    assert outcome.status == "unchanged"
    assert feed.requests[-1].get("If-None-Match")
    assert len(cached(lan_app)) == 1


def test_a_changed_feed_replaces_the_cache(lan_app, host, feed):
    connection_id = connect(lan_app, host, feed.url)
    feed.body = (
        DENTIST.replace(b"SUMMARY:Dentist", b"SUMMARY:Physio")
        .replace(b"T090000Z", b"T130000Z")
        .replace(b"T100000Z", b"T140000Z")
    )
    assert sync(lan_app, connection_id, NOW + timedelta(minutes=15)).status == "synced"
    assert cached(lan_app) == [
        (datetime(2027, 3, 15, 13, tzinfo=UTC), datetime(2027, 3, 15, 14, tzinfo=UTC), "Physio")
    ]


def test_a_feed_that_refuses_us_disconnects_at_once(lan_app, host, feed):
    connection_id = connect(lan_app, host, feed.url)
    feed.status = 401
    assert sync(lan_app, connection_id, NOW + timedelta(minutes=15)).status == "failed"
    state, message = status(lan_app, connection_id)
    assert state == "disconnected" and message


def test_a_feed_that_is_down_is_an_error_until_the_stale_limit(lan_app, host, feed):
    connection_id = connect(lan_app, host, feed.url)
    feed.status = 503
    sync(lan_app, connection_id, NOW + timedelta(minutes=15))
    assert status(lan_app, connection_id)[0] == "error"
    sync(lan_app, connection_id, NOW + timedelta(minutes=30))
    assert status(lan_app, connection_id)[0] == "error"
    sync(lan_app, connection_id, NOW + timedelta(minutes=46))
    assert status(lan_app, connection_id)[0] == "disconnected"
    assert len(cached(lan_app)) == 1  # the cache stays: what was busy is still busy


def test_a_feed_back_up_reconnects(lan_app, host, feed):
    connection_id = connect(lan_app, host, feed.url)
    feed.status = 503
    sync(lan_app, connection_id, NOW + timedelta(minutes=15))
    feed.status = 200
    sync(lan_app, connection_id, NOW + timedelta(minutes=30))
    assert status(lan_app, connection_id) == ("connected", "")


def test_a_page_that_is_not_a_calendar_is_refused_under_the_url(lan_app, host, feed):
    feed.body = b"<!doctype html><title>Login</title>"
    with pytest.raises(ValidationFailed) as refused:
        connect(lan_app, host, feed.url)
    assert list(refused.value.fields) == ["url"]
    assert cached(lan_app) == []


def test_a_loopback_feed_is_refused_unless_allowed(app, host, feed):
    with pytest.raises(ValidationFailed) as refused:
        connect(app, host, feed.url)
    assert list(refused.value.fields) == ["url"]
    assert feed.requests == []


def book(client, link, start: str):
    return client.post(
        f"/api/v1/public/links/{link['slug']}/bookings",
        json={
            "start": start,
            "duration": 30,
            "timezone": "UTC",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
        },
    )


def test_a_feed_down_at_commit_is_forgiven_while_its_cache_is_fresh(
    lan_app, client, host, feed, make_link
):
    link = make_link(timezone="UTC")
    connect(lan_app, host, feed.url)
    feed.status = 503
    assert book(client, link, "2027-03-15T11:00:00+00:00").status_code == 201


def test_a_feed_down_at_commit_with_a_stale_cache_refuses_the_booking(
    lan_app, client, host, feed, make_link
):
    link = make_link(timezone="UTC")
    connect(lan_app, host, feed.url, now=NOW - timedelta(minutes=31))
    feed.status = 503
    refused = book(client, link, "2027-03-15T11:00:00+00:00")
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "calendar_disconnected"


def test_a_feed_changed_since_the_last_sync_is_caught_at_commit(
    lan_app, client, host, feed, make_link
):
    link = make_link(timezone="UTC")
    connect(lan_app, host, feed.url)
    feed.body = DENTIST.replace(b"T090000Z", b"T110000Z").replace(b"T100000Z", b"T120000Z")
    refused = book(client, link, "2027-03-15T11:00:00+00:00")
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "slot_unavailable"
