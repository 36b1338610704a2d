"""Kept slots answers (issue 14.4): fast to serve again, never stale.

Each change that moves a link's slots, committed by any process, makes the next GET compute
them afresh; time passing does too. ``other_app`` is a second process's view of the same
database: an app of its own, with its own kept answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from server import clock
from tests.api.test_public_bookings import book
from tests.calendars import conftest as calendar_fixtures
from tests.calendars import test_ics_feeds as feeds
from tests.conftest import make_test_app, next_weekday

pytestmark = pytest.mark.db

lan_app = calendar_fixtures.lan_app  # the calendar tests' fixtures, shared
feed = feeds.feed
connect, sync = feeds.connect, feeds.sync

DAY = next_weekday(2)  # a Wednesday at least a week ahead
TZ = "Europe/Paris"


def _ask(client, link, day: date = DAY, timezone: str = TZ, days: int = 1):
    query = {"start": day, "end": day + timedelta(days=days - 1), "timezone": timezone}
    response = client.get(f"/api/v1/public/links/{link['slug']}/slots", query_string=query)
    assert response.status_code == 200, response.json
    return response


def _slots(client, link, **kwargs) -> list[str]:
    return _ask(client, link, **kwargs).json["slots"]


@pytest.fixture
def other_app(db_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_test_app(db_url, tmp_path / "other")
    yield app
    app.extensions["rendezvous.db"].kw["bind"].dispose()


def _statements(app: Flask) -> list[str]:
    """Every SQL statement the app sends from now on."""
    sent: list[str] = []
    engine = app.extensions["rendezvous.db"].kw["bind"]
    event.listen(engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    return sent


def test_a_repeated_ask_is_the_same_answer_from_one_small_query(app, client, make_link):
    link = make_link()
    first = _ask(client, link)
    sent = _statements(app)
    again = _ask(client, link)
    assert again.data == first.data
    queries = [q for q in sent if q.split()[0] in ("SELECT", "INSERT", "UPDATE", "DELETE")]
    assert len(queries) == 1, queries  # the fingerprint: no bookings read, no link loaded
    assert queries[0].startswith("SELECT booking_links.id, booking_links.slots_version")


def test_a_booking_leaves_the_kept_answer(client, make_link):
    link = make_link()
    taken = _slots(client, link)[3]
    assert book(client, link, taken).status_code == 201
    assert taken not in _slots(client, link)


def test_a_cancelled_booking_is_offered_again(client, make_link):
    link = make_link()
    taken = _slots(client, link)[3]
    token = book(client, link, taken).json["manage_token"]
    assert taken not in _slots(client, link)
    client.post(f"/api/v1/public/bookings/{token}/cancel", json={})
    assert taken in _slots(client, link)


def test_a_rescheduled_booking_moves_in_the_kept_answer(client, make_link):
    link = make_link()
    offered = _slots(client, link)
    token = book(client, link, offered[3]).json["manage_token"]
    _slots(client, link)
    moved = client.post(f"/api/v1/public/bookings/{token}/reschedule", json={"start": offered[6]})
    assert moved.status_code == 200, moved.json
    now_offered = _slots(client, link)
    assert offered[3] in now_offered
    assert offered[6] not in now_offered


def test_a_booking_on_another_link_of_the_host_leaves_the_kept_answer(client, make_link):
    link, other = make_link(), make_link()
    taken = _slots(client, link)[2]
    assert book(client, other, taken).status_code == 201
    assert taken not in _slots(client, link)


def test_a_colleagues_own_booking_leaves_a_group_links_kept_answer(
    client, host, make_host, make_link
):
    bea = make_host(name="Bea Stone", same_account_as=host)
    group = make_link(type="group", host_ids=[host.id, bea.id])
    taken = _slots(client, group)[4]
    assert book(client, make_link(owner=bea), taken).status_code == 201
    assert taken not in _slots(client, group)


def test_a_link_edit_changes_the_kept_answer(client, host, make_link):
    link = make_link()
    assert _slots(client, link)
    closed = {"availability": {"mon": [["09:00", "17:00"]]}}  # DAY is a Wednesday
    response = client.patch(f"/api/v1/links/{link['id']}", json=closed, headers=host.headers)
    assert response.status_code == 200, response.json
    assert _slots(client, link) == []


def test_a_date_override_changes_the_kept_answer(client, host, make_link):
    link = make_link()
    assert _slots(client, link)
    off = {"date_overrides": [{"date": DAY.isoformat(), "hours": []}]}
    response = client.patch(f"/api/v1/links/{link['id']}", json=off, headers=host.headers)
    assert response.status_code == 200, response.json
    assert _slots(client, link) == []


def test_a_booking_made_by_another_process_leaves_the_kept_answer(client, other_app, make_link):
    link = make_link()
    other = other_app.test_client()
    taken = _slots(other, link)[3]  # the other process keeps this answer
    assert book(client, link, taken).status_code == 201  # this one books
    assert taken not in _slots(other, link)


def _event_at(start: datetime) -> bytes:
    """A feed with one busy hour from ``start``."""
    stamp = start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    end = (start + timedelta(hours=1)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//feed//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:busy@example.com\r\nDTSTAMP:{stamp}\r\nDTSTART:{stamp}\r\nDTEND:{end}\r\n"
        "SUMMARY:Busy\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


EMPTY_FEED = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//feed//EN\r\nEND:VCALENDAR\r\n"


def test_a_calendar_sync_changes_the_kept_answer(lan_app, client, host, feed, make_link, now):
    feed.body = EMPTY_FEED
    connection_id = connect(lan_app, host, feed.url, now)
    link = make_link()
    offered = _slots(client, link)
    busy = datetime.fromisoformat(offered[2])
    feed.body = _event_at(busy)
    sync(lan_app, connection_id, now + timedelta(minutes=10))
    assert offered[2] not in _slots(client, link)


def test_a_calendar_no_longer_checked_frees_the_kept_answer(
    lan_app,
    client,
    host,
    feed,
    make_link,
    now,
):
    link = make_link()
    busy = datetime.fromisoformat(_slots(client, link)[2])
    feed.body = _event_at(busy)
    connection = client.get(
        f"/api/v1/calendars/{connect(lan_app, host, feed.url, now)}", headers=host.headers
    ).json
    assert busy.isoformat() not in _slots(client, link)
    calendar = {"id": connection["calendars"][0]["id"], "check_conflicts": False}
    client.patch(
        f"/api/v1/calendars/{connection['id']}",
        json={"calendars": [calendar]},
        headers=host.headers,
    )
    assert busy.isoformat() in _slots(client, link)


def test_the_first_start_leaves_the_kept_answer_once_its_notice_passes(client, make_link):
    link = make_link(minimum_notice_minutes=90)
    offered = _slots(client, link)
    cutoff = datetime.fromisoformat(offered[0]) - timedelta(minutes=90)
    clock.set_now(cutoff - timedelta(seconds=1))
    assert _slots(client, link)[0] == offered[0]
    clock.set_now(cutoff + timedelta(seconds=1))
    assert _slots(client, link)[0] == offered[1]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(st.integers(min_value=0, max_value=36 * 3600), min_size=1, max_size=6),
    timezone=st.sampled_from(["Europe/Paris", "America/New_York", "Pacific/Auckland"]),
)
def test_a_kept_answer_is_always_the_answer_computed_afresh(
    client, other_app, make_link, now, steps, timezone
):
    """Whatever instants visitors ask at, from today for three days, what this process
    answers (kept or not) is what a process that keeps nothing computes at that instant."""
    link = make_link(minimum_notice_minutes=75, slot_interval_minutes=15)
    fresh = other_app.test_client()
    today = now.date()
    for offset in sorted(steps):
        clock.set_now(now + timedelta(seconds=offset))
        kept = other_app.extensions.get("rendezvous.slots_cache")
        if kept is not None:  # the other process computes every answer afresh
            kept.clear()
        asked = {"day": today, "timezone": timezone, "days": 3}
        assert _ask(client, link, **asked).json == _ask(fresh, link, **asked).json
