"""SPEC §11.1 through the public API: a grid time the clock shows twice offers both instants.

Each test takes the zone's next fall-back day after tomorrow (found from the zone's rules, so
it works whatever day the suite runs on) and a link open that day only.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import today

pytestmark = pytest.mark.db

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: zone, hours that day, the starts offered (wall time and offset), the second reading to book
FALL_BACKS = {
    "new_york": (
        "America/New_York",
        ("00:30", "03:00"),
        [
            "00:30:00-04:00",
            "01:00:00-04:00",
            "01:30:00-04:00",
            "01:00:00-05:00",
            "01:30:00-05:00",
            "02:00:00-05:00",
            "02:30:00-05:00",
        ],
        "01:00:00-05:00",
    ),
    "lord_howe": (  # the clock goes back half an hour, from 02:00 to 01:30
        "Australia/Lord_Howe",
        ("01:00", "03:00"),
        [
            "01:00:00+11:00",
            "01:30:00+11:00",
            "01:30:00+10:30",
            "02:00:00+10:30",
            "02:30:00+10:30",
        ],
        "01:30:00+10:30",
    ),
    "havana": (  # the clock goes back at 01:00 to midnight: the day has two midnights
        "America/Havana",
        ("00:00", "02:00"),
        [
            "00:00:00-04:00",
            "00:30:00-04:00",
            "00:00:00-05:00",
            "00:30:00-05:00",
            "01:00:00-05:00",
            "01:30:00-05:00",
        ],
        "00:00:00-05:00",
    ),
}


def next_fall_back(zone_name: str) -> date:
    """The first day after tomorrow on which the clock in ``zone_name`` is turned back."""
    zone = ZoneInfo(zone_name)
    day = today() + timedelta(days=2)
    while True:
        midnight = datetime.combine(day, time(0), tzinfo=zone).utcoffset()
        next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).utcoffset()
        if next_midnight < midnight:
            return day
        day += timedelta(days=1)


@pytest.fixture(params=sorted(FALL_BACKS))
def fall_back(request, make_link):
    """(link, day, zone, offered local times, second reading to book) for one zone."""
    zone, (opens, closes), offered, second = FALL_BACKS[request.param]
    day = next_fall_back(zone)
    link = make_link(
        timezone=zone,
        availability={WEEKDAYS[day.weekday()]: [[opens, closes]]},
        window={"start_date": day.isoformat(), "end_date": day.isoformat()},
    )
    return link, day, zone, offered, second


def slots_on(client, link, day, zone):
    response = client.get(
        f"/api/v1/public/links/{link['slug']}/slots",
        query_string={"start": day, "end": day, "timezone": zone},
    )
    assert response.status_code == 200, response.json
    return response.json["slots"]


def book(client, link, start, zone, email="ada@example.com"):
    body = {
        "start": start,
        "duration": 30,
        "timezone": zone,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": email,
    }
    return client.post(f"/api/v1/public/links/{link['slug']}/bookings", json=body)


def test_fall_back_day_offers_both_readings_of_each_repeated_grid_time(client, fall_back):
    link, day, zone, offered, _ = fall_back
    assert slots_on(client, link, day, zone) == [f"{day}T{local}" for local in offered]


def test_booking_the_second_reading_of_a_repeated_time_is_201(client, fall_back):
    link, day, zone, _, second = fall_back
    response = book(client, link, f"{day}T{second}", zone)
    assert response.status_code == 201, response.json
    assert response.json["start"] == f"{day}T{second}"


def test_booking_the_second_reading_takes_only_that_instant(client, fall_back):
    link, day, zone, offered, second = fall_back
    assert book(client, link, f"{day}T{second}", zone).status_code == 201
    remaining = slots_on(client, link, day, zone)
    assert remaining == [f"{day}T{local}" for local in offered if local != second]


def test_the_second_reading_given_in_utc_is_the_same_booking(client, fall_back):
    link, day, zone, _, second = fall_back
    instant = datetime.fromisoformat(f"{day}T{second}")
    response = book(client, link, instant.astimezone(ZoneInfo("UTC")).isoformat(), zone)
    assert response.status_code == 201, response.json
    assert response.json["start"] == f"{day}T{second}"


def test_an_off_grid_start_in_the_repeated_hour_is_422(client, fall_back):
    link, day, zone, _, second = fall_back
    off_grid = datetime.fromisoformat(f"{day}T{second}") + timedelta(minutes=15)
    response = book(client, link, off_grid.isoformat(), zone)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert "start" in response.json["error"]["fields"]
