"""What a booking stores of its link's buffers, and how bookings come back as busy time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.availability.intervals import Meeting
from server.bookings.busy import BookingsBusySource
from server.bookings.models import Booking
from server.db import get_session
from tests.conftest import next_weekday

pytestmark = pytest.mark.db

PARIS = ZoneInfo("Europe/Paris")


def at(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def book(client, link, start: datetime) -> dict:
    body = {
        "start": start.isoformat(),
        "duration": 30,
        "timezone": "Europe/Paris",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
    }
    response = client.post(f"/api/v1/public/links/{link['slug']}/bookings", json=body)
    assert response.status_code == 201, response.json
    return response.json


def stored_buffers(app, booking_id: int) -> tuple[int, int]:
    with app.app_context():
        booking = get_session().get(Booking, booking_id)
        return booking.buffer_before_minutes, booking.buffer_after_minutes


def test_a_booking_stores_the_buffers_of_its_link(app, client, make_link):
    link = make_link(buffer_before_minutes=10, buffer_after_minutes=20)
    created = book(client, link, at(next_weekday(0), 13))
    assert stored_buffers(app, created["id"]) == (10, 20)


def test_a_rescheduled_booking_stores_the_buffers_it_was_moved_with(app, client, make_link, host):
    link = make_link(buffer_before_minutes=10, buffer_after_minutes=20)
    monday = next_weekday(0)
    created = book(client, link, at(monday, 10))
    client.patch(
        f"/api/v1/links/{link['id']}",
        json={"buffer_before_minutes": 0, "buffer_after_minutes": 5},
        headers=host.headers,
    )
    response = client.post(
        f"/api/v1/public/bookings/{created['manage_token']}/reschedule",
        json={"start": at(monday, 13).isoformat()},
    )
    assert response.status_code == 200, response.json
    assert stored_buffers(app, created["id"]) == (0, 5)


def test_bookings_come_back_as_meetings_keeping_their_buffers(app, client, make_link, host):
    link = make_link(buffer_before_minutes=10, buffer_after_minutes=20)
    monday = next_weekday(0)
    book(client, link, at(monday, 13))
    with app.app_context():
        busy = BookingsBusySource(get_session()).busy_intervals(
            [host.id], at(monday, 0), at(monday, 23)
        )
    assert busy == {host.id: [Meeting(at(monday, 13), at(monday, 13, 30), 10, 20)]}


def test_a_booking_outside_the_range_whose_buffer_reaches_into_it_is_busy(
    app, client, make_link, host
):
    link = make_link(buffer_after_minutes=12 * 60)
    monday = next_weekday(0)
    book(client, link, at(monday, 9))
    reached = at(monday, 20)  # 09:30 + 12 hours = 21:30
    with app.app_context():
        source = BookingsBusySource(get_session())
        inside = source.busy_intervals([host.id], reached, reached + timedelta(hours=1))
        beyond = source.busy_intervals(
            [host.id], at(monday, 21, 30), at(monday, 21, 30) + timedelta(hours=1)
        )
    assert [m.start for m in inside[host.id]] == [at(monday, 9).astimezone(UTC)]
    assert beyond == {host.id: []}


def test_a_cancelled_booking_and_its_buffers_are_not_busy(app, client, make_link, host):
    link = make_link(buffer_after_minutes=30)
    monday = next_weekday(0)
    created = book(client, link, at(monday, 13))
    cancelled = client.post(f"/api/v1/public/bookings/{created['manage_token']}/cancel")
    assert cancelled.status_code == 200
    with app.app_context():
        busy = BookingsBusySource(get_session()).busy_intervals(
            [host.id], at(monday, 13, 30), at(monday, 14)
        )
    assert busy == {host.id: []}
