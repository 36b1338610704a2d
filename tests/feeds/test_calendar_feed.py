"""A host's private iCal subscription of their bookings (SPEC §10; issue 14.6)."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar

from server import clock
from tests.api.test_public_bookings import book, first_slot
from tests.conftest import next_weekday

pytestmark = pytest.mark.db

FEED = "/api/v1/account/calendar-feed"


def _open(client, host):
    response = client.post(FEED, headers=host.headers)
    assert response.status_code == 201, response.json
    return response.json


def _read(client, url):
    return client.get(urlsplit(url).path)


def _events(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def _booked(client, link, **fields):
    response = book(client, link, first_slot(client, link)[0], **fields)
    assert response.status_code == 201, response.json
    return response.json


def _uid_of(client, booking):
    ics = client.get(f"/api/v1/public/bookings/{booking['manage_token']}.ics")
    (event,) = Calendar.from_ical(ics.data).walk("VEVENT")
    return str(event["uid"])


def test_a_booking_is_in_the_feed_as_the_event_its_emails_made(client, host, make_link):
    link = make_link()
    booking = _booked(client, link)
    events = _events(_read(client, _open(client, host)["url"]))
    event = events[_uid_of(client, booking)]
    assert event.decoded("dtstart") == datetime.fromisoformat(booking["start"])
    assert event.decoded("dtend") == datetime.fromisoformat(booking["end"])
    assert str(event["status"]) == "CONFIRMED"
    assert "Ada Lovelace" in str(event["summary"])
    assert "METHOD" not in Calendar.from_ical(_read(client, _open(client, host)["url"]).data)


def test_a_cancelled_booking_stays_in_the_feed_as_cancelled(client, host, make_link):
    link = make_link()
    booking = _booked(client, link)
    client.post(f"/api/v1/public/bookings/{booking['manage_token']}/cancel", json={})
    events = _events(_read(client, _open(client, host)["url"]))
    assert str(events[_uid_of(client, booking)]["status"]) == "CANCELLED"


def test_the_feed_shows_only_its_hosts_meetings(client, host, make_host, make_link):
    other = make_host(name="Bea Stone")
    _booked(client, make_link(owner=other), email="bea.visitor@example.com")
    mine = _booked(client, make_link())
    events = _events(_read(client, _open(client, host)["url"]))
    assert list(events) == [_uid_of(client, mine)]


def test_meetings_over_a_month_old_leave_the_feed(client, host, make_link, now):
    link = make_link()
    booking = _booked(client, link)
    url = _open(client, host)["url"]
    clock.set_now(datetime.fromisoformat(booking["end"]) + timedelta(days=31, minutes=1))
    assert _events(_read(client, url)) == {}


def test_the_feed_names_the_host_and_asks_to_be_read_hourly(client, host):
    calendar = Calendar.from_ical(_read(client, _open(client, host)["url"]).data)
    assert str(calendar["x-wr-calname"]) == "Rendezvous: Alice Martin"
    assert calendar.decoded("refresh-interval") == timedelta(hours=1)


def test_the_address_is_shown_again_to_its_owner(client, host):
    made = _open(client, host)
    shown = client.get(FEED, headers=host.headers)
    assert shown.status_code == 200
    assert shown.json["url"] == made["url"]
    assert shown.json["webcal_url"] == "webcal://" + made["url"].split("://", 1)[1]


def test_a_new_address_ends_the_old_one(client, host):
    old = _open(client, host)["url"]
    new = _open(client, host)["url"]
    assert new != old
    assert _read(client, old).status_code == 404
    assert _read(client, new).status_code == 200


def test_a_revoked_address_is_404(client, host):
    url = _open(client, host)["url"]
    assert client.delete(FEED, headers=host.headers).status_code == 204
    assert _read(client, url).status_code == 404
    assert client.get(FEED, headers=host.headers).status_code == 404


def test_revoking_when_none_is_on_is_404(client, host):
    response = client.delete(FEED, headers=host.headers)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_a_made_address_is_a_201_with_its_location(client, host):
    response = client.post(FEED, headers=host.headers)
    assert response.status_code == 201
    assert urlsplit(response.headers["Location"]).path == FEED


def test_the_address_needs_a_token_to_manage(client):
    assert client.post(FEED).status_code == 401
    assert client.get(FEED).status_code == 401


def test_an_unknown_address_is_404(client):
    assert client.get("/feeds/rdvcal_nope.ics").status_code == 404


def test_a_read_is_noted_at_most_hourly(client, host, now):
    url = _open(client, host)["url"]
    _read(client, url)
    first = client.get(FEED, headers=host.headers).json["last_read_at"]
    assert first is not None
    clock.set_now(now + timedelta(minutes=30))
    _read(client, url)
    assert client.get(FEED, headers=host.headers).json["last_read_at"] == first
    clock.set_now(now + timedelta(hours=2))
    _read(client, url)
    assert client.get(FEED, headers=host.headers).json["last_read_at"] != first


def test_a_group_meeting_is_in_every_attending_hosts_feed(client, host, make_host, make_link):
    bea = make_host(name="Bea Stone", same_account_as=host)
    link = make_link(type="group", host_ids=[host.id, bea.id])
    start = first_slot(client, link, day=next_weekday(1))[0]
    booking = book(client, link, start).json
    uid = _uid_of(client, booking)
    assert uid in _events(_read(client, _open(client, host)["url"]))
    assert uid in _events(_read(client, _open(client, bea)["url"]))
