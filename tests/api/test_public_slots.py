"""GET /api/v1/public/links/<slug> and …/slots: the times a visitor is offered."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import next_weekday, today

pytestmark = pytest.mark.db


def slots(client, link, **params):
    return client.get(f"/api/v1/public/links/{link['slug']}/slots", query_string=params)


def test_link_config_shows_what_the_widget_needs(client, make_link):
    link = make_link(title="Intro call", durations=[15, 30], location="Zoom")
    response = client.get(f"/api/v1/public/links/{link['slug']}")
    assert response.status_code == 200
    body = response.json
    assert body["title"] == "Intro call"
    assert body["durations"] == [15, 30]
    assert body["hosts"] == [{"name": "Alice Martin", "photo_url": None}]
    assert body["mode"] == "book"
    assert body["branding"]["accent_color"].startswith("#")
    assert [q["key"] for q in body["form"]] == ["first_name", "last_name", "email"]


def test_unknown_slug_is_404_in_the_error_shape(client):
    response = client.get(
        "/api/v1/public/links/nobody/nothing/slots?start=2027-01-04&end=2027-01-05"
    )
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_slots_are_iso_with_the_visitors_offset(client, make_link):
    link = make_link(availability={"mon": [["09:00", "10:00"]]})
    monday = next_weekday(0)
    response = slots(client, link, start=monday, end=monday, timezone="Europe/Paris")
    assert response.status_code == 200
    assert response.json["timezone"] == "Europe/Paris"
    assert response.json["duration"] == 30
    starts = [datetime.fromisoformat(s) for s in response.json["slots"]]
    assert [s.astimezone(ZoneInfo("Europe/Paris")).strftime("%H:%M") for s in starts] == [
        "09:00",
        "09:30",
    ]
    assert all(
        s.utcoffset() == ZoneInfo("Europe/Paris").utcoffset(s.replace(tzinfo=None)) for s in starts
    )


@pytest.mark.now("2027-03-01T09:00:00+00:00")
def test_new_york_hours_stay_at_9_local_across_the_2027_spring_change(client, make_link):
    link = make_link(
        timezone="America/New_York",
        availability={d: [["09:00", "12:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        window={"start_date": "2027-03-08", "end_date": "2027-03-19"},
        durations=[60],
    )
    response = slots(client, link, start="2027-03-12", end="2027-03-15", timezone="UTC")
    assert response.status_code == 200
    utc_starts = response.json["slots"]
    # Friday before the change: 09:00 EST = 14:00Z; Monday after: 09:00 EDT = 13:00Z.
    assert "2027-03-12T14:00:00+00:00" in utc_starts
    assert "2027-03-15T13:00:00+00:00" in utc_starts
    assert (
        "2027-03-15T14:00:00+00:00" in utc_starts and "2027-03-15T16:00:00+00:00" not in utc_starts
    )
    firsts = {}
    for s in utc_starts:
        local = datetime.fromisoformat(s).astimezone(ZoneInfo("America/New_York"))
        firsts.setdefault(local.date(), local.strftime("%H:%M"))
    assert firsts == {date(2027, 3, 12): "09:00", date(2027, 3, 15): "09:00"}


@pytest.mark.now("2027-01-01T09:00:00+00:00")
def test_days_are_chosen_by_the_visitors_local_date(client, make_link):
    # Hours 09:00–10:00 in New York are 23:00–00:00 in Tokyo, the same calendar day there
    # (JST = EST + 14h), so asking for one Tokyo date gives that New York morning...
    link = make_link(
        timezone="America/New_York",
        availability={"mon": [["09:00", "10:00"]], "tue": [["09:00", "10:00"]]},
        window={"start_date": "2027-01-04", "end_date": "2027-01-12"},
    )
    tokyo = slots(client, link, start="2027-01-04", end="2027-01-04", timezone="Asia/Tokyo").json
    assert tokyo["slots"] == ["2027-01-04T23:00:00+09:00", "2027-01-04T23:30:00+09:00"]
    # ...while in Kiritimati (UTC+14) the same instants fall on the next day.
    kiri = slots(client, link, start="2027-01-05", end="2027-01-05", timezone="Pacific/Kiritimati")
    assert kiri.json["slots"][:2] == ["2027-01-05T04:00:00+14:00", "2027-01-05T04:30:00+14:00"]
    assert (
        slots(
            client, link, start="2027-01-04", end="2027-01-04", timezone="Pacific/Kiritimati"
        ).json["slots"]
        == []
    )


def test_a_second_duration_gives_its_own_grid(client, make_link):
    link = make_link(durations=[30, 60], availability={"mon": [["09:00", "11:00"]]})
    monday = next_weekday(0)
    response = slots(client, link, start=monday, end=monday, duration=60, timezone="Europe/Paris")
    assert response.json["duration"] == 60
    assert len(response.json["slots"]) == 2  # 09:00 and 10:00


def test_window_limits_which_days_are_offered(client, make_link):
    link = make_link(window={"rolling_weeks": 1})
    far = today() + timedelta(weeks=3)
    response = slots(client, link, start=far, end=far + timedelta(days=6), timezone="Europe/Paris")
    assert response.status_code == 200
    assert response.json["slots"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2027-01-04", "end": "2027-01-05", "timezone": "Mars/Olympus"}, "timezone"),
        ({"start": "2027-01-04", "end": "2027-01-05", "duration": 45}, "duration"),
        ({"start": "2027-01-05", "end": "2027-01-04"}, "end"),
        ({"start": "2027-01-04", "end": "2027-03-20"}, "end"),
        ({"start": "not-a-date", "end": "2027-01-04"}, "start"),
        ({"end": "2027-01-04"}, "start"),
        ({"start": "2027-01-04", "end": "2027-01-05", "duration": "x" * 5000}, "duration"),
    ],
)
def test_bad_slot_queries_are_422_naming_the_field(client, make_link, params, field):
    link = make_link()
    response = slots(client, link, **params)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert field in response.json["error"]["fields"]


def test_ten_weeks_exactly_is_allowed(client, make_link):
    link = make_link()
    response = slots(client, link, start="2027-01-04", end="2027-03-14")
    assert response.status_code == 200
