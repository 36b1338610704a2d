"""Cached calendar events block slots and bookings like bookings do (C3, SPEC §5): read from
the cache only, and only on the calendars the host checks for conflicts."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from server.accounts.models import User
from server.calendars.models import Calendar, CalendarBusy, CalendarConnection
from server.db import get_session, transaction
from tests.conftest import NOW, next_weekday

pytestmark = pytest.mark.db

PARIS = ZoneInfo("Europe/Paris")


def at(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def cache_event(app, host, start: datetime, end: datetime, *, check_conflicts: bool = True):
    """A calendar of ``host`` whose cache holds one busy event, as a sync leaves it."""
    with app.app_context():
        session = get_session()
        with transaction(session):
            user = session.get(User, host.id)
            connection = CalendarConnection(
                account_id=user.account_id,
                user_id=user.id,
                provider="ics",
                url="https://calendar.example.com/feed.ics",
            )
            calendar = Calendar(
                user_id=user.id,
                remote_id="feed",
                name="Work calendar",
                check_conflicts=check_conflicts,
                last_synced_at=NOW,  # fresh: the commit-time check forgives its outage
            )
            connection.calendars.append(calendar)
            session.add(connection)
            session.flush()
            session.add(
                CalendarBusy(
                    calendar_id=calendar.id,
                    user_id=user.id,
                    start_at=start.astimezone(UTC),
                    end_at=end.astimezone(UTC),
                    uid="dentist@example.com",
                    summary="Dentist",
                )
            )


def slot_times(client, link, day) -> list[str]:
    response = client.get(
        f"/api/v1/public/links/{link['slug']}/slots",
        query_string={"start": day.isoformat(), "end": day.isoformat(), "timezone": "Europe/Paris"},
    )
    assert response.status_code == 200, response.json
    return [slot[11:16] for slot in response.json["slots"]]


def book(client, link, start: datetime):
    return client.post(
        f"/api/v1/public/links/{link['slug']}/bookings",
        json={
            "start": start.isoformat(),
            "duration": 30,
            "timezone": "Europe/Paris",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
        },
    )


def test_a_cached_calendar_event_is_not_offered(app, client, make_link, host):
    link = make_link()
    monday = next_weekday(0)
    cache_event(app, host, at(monday, 10), at(monday, 11, 15))
    times = slot_times(client, link, monday)
    assert "09:30" in times and "11:30" in times
    assert {"10:00", "10:30", "11:00"} & set(times) == set()


def test_an_event_on_a_calendar_not_checked_for_conflicts_is_free(app, client, make_link, host):
    link = make_link()
    monday = next_weekday(0)
    cache_event(app, host, at(monday, 10), at(monday, 11), check_conflicts=False)
    assert {"10:00", "10:30"} <= set(slot_times(client, link, monday))


def test_a_booking_over_a_cached_event_is_refused(app, client, make_link, host):
    link = make_link()
    monday = next_weekday(0)
    cache_event(app, host, at(monday, 14), at(monday, 15))
    response = book(client, link, at(monday, 14, 30))
    assert response.status_code == 409
    assert response.json["error"]["code"] == "slot_unavailable"


def test_the_event_keeps_the_links_buffers_clear(app, client, make_link, host):
    link = make_link(buffer_before_minutes=15, buffer_after_minutes=15)
    monday = next_weekday(0)
    cache_event(app, host, at(monday, 12), at(monday, 13))
    times = slot_times(client, link, monday)
    assert "11:00" in times and "13:30" in times
    assert {"11:30", "12:00", "12:30", "13:00"} & set(times) == set()


def test_the_troubleshooter_names_the_event_in_the_way(app, client, make_link, host):
    link = make_link()
    monday = next_weekday(0)
    cache_event(app, host, at(monday, 10), at(monday, 11))
    response = client.get(
        f"/api/v1/links/{link['id']}/troubleshoot",
        query_string={"start": at(monday, 10, 30).isoformat()},
        headers=host.headers,
    )
    assert response.status_code == 200, response.json
    (answer,) = response.json["hosts"]
    assert answer["reasons"] == [
        {
            "code": "busy",
            "message": "the meeting itself overlaps busy time: 'Dentist' — Work calendar",
        }
    ]


def test_the_feed_address_is_not_stored_in_clear(app, client, host):
    cache_event(
        app, host, datetime(2027, 3, 15, 9, tzinfo=UTC), datetime(2027, 3, 15, 10, tzinfo=UTC)
    )
    with app.app_context():
        session = get_session()
        (stored,) = session.execute(text("SELECT url FROM calendar_connections")).one()
        connection = session.scalars(select(CalendarConnection)).one()
        assert connection.url == "https://calendar.example.com/feed.ics"
    assert "calendar.example.com" not in stored
