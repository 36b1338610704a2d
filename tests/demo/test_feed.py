"""The demo host's sample agenda (``make run``): what it makes busy, and how the app serves
it to the worker's conditional GET."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.calendars.expand import BusyOptions, busy_events
from server.demo.feed import DEMO_ZONE, sample_feed
from tests.conftest import NOW

PARIS = ZoneInfo(DEMO_ZONE)
#: a Wednesday: the next weekdays are Thursday 11, Friday 12, Monday 15, Tuesday 16 March
TODAY = date(2027, 3, 10)


def busy(today: date = TODAY) -> list[tuple[str, datetime, datetime]]:
    start = datetime.combine(today, datetime.min.time(), tzinfo=PARIS)
    found = busy_events(
        sample_feed(today), start, start + timedelta(days=14), BusyOptions(DEMO_ZONE)
    )
    return [(e.summary, e.start.astimezone(PARIS), e.end.astimezone(PARIS)) for e in found]


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 3, day, hour, minute, tzinfo=PARIS)


def test_the_stand_up_is_busy_every_weekday_at_half_past_nine():
    standups = [(s, e) for name, s, e in busy() if name == "Team stand-up"]
    weekdays = [d for d in range(10, 24) if date(2027, 3, d).weekday() < 5]
    assert standups == [(at(d, 9, 30), at(d, 10)) for d in weekdays]


def test_the_meetings_fall_on_the_next_weekdays():
    timed = {name: (s, e) for name, s, e in busy() if name != "Team stand-up"}
    assert timed == {
        "Dentist": (at(11, 11), at(11, 12)),
        "Lunch with Sam": (at(12, 12, 30), at(12, 14)),
        "Quarterly review": (at(15, 14), at(15, 16)),
        "Team offsite": (at(16, 0), at(17, 0)),
    }


def test_the_focus_block_is_shown_as_free():
    assert "Focus time (shown as free)" in sample_feed(TODAY).decode()
    assert all(not name.startswith("Focus") for name, _, _ in busy())


@pytest.mark.db
def test_the_app_serves_it_with_an_etag_and_answers_304_when_unchanged(client):
    first = client.get("/demo/calendar.ics")
    assert first.status_code == 200
    assert first.mimetype == "text/calendar"
    assert first.data == sample_feed(NOW.astimezone(PARIS).date())
    again = client.get("/demo/calendar.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
