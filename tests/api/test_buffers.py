"""SPEC §11.2 through the public API: buffers belong to the meeting, on every link of its host.

Links are Europe/Paris, Mon–Fri 09:00–17:00, 30 minutes (``make_link``); times are read in
Paris on a Monday at least a week ahead.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import next_weekday

pytestmark = pytest.mark.db

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def monday():
    return next_weekday(0)


def at(day, hhmm: str) -> str:
    """The start the API shows for ``hhmm`` in Paris on ``day``."""
    hour, minute = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS).isoformat()


def local_slots(client, link, day) -> list[str]:
    response = client.get(
        f"/api/v1/public/links/{link['slug']}/slots",
        query_string={"start": day, "end": day, "timezone": "Europe/Paris"},
    )
    assert response.status_code == 200, response.json
    return [s[11:16] for s in response.json["slots"]]


def book(client, link, start, email="ada@example.com"):
    body = {
        "start": start,
        "duration": 30,
        "timezone": "Europe/Paris",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": email,
    }
    return client.post(f"/api/v1/public/links/{link['slug']}/bookings", json=body)


def booked(client, link, start, email="ada@example.com"):
    response = book(client, link, start, email)
    assert response.status_code == 201, response.json
    return response.json


def test_a_meetings_after_buffer_keeps_another_link_of_the_host_from_starting_in_it(
    client, make_link, monday
):
    buffered, plain = make_link(buffer_after_minutes=30), make_link()
    booked(client, buffered, at(monday, "13:00"))
    offered = local_slots(client, plain, monday)
    assert "13:30" not in offered and "14:00" in offered


def test_booking_another_link_inside_a_meetings_buffer_is_409(client, make_link, monday):
    buffered, plain = make_link(buffer_after_minutes=30), make_link()
    booked(client, buffered, at(monday, "13:00"))
    response = book(client, plain, at(monday, "13:30"), email="grace@example.com")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "slot_unavailable"


def test_a_meetings_before_buffer_keeps_another_link_from_ending_in_it(client, make_link, monday):
    buffered, plain = make_link(buffer_before_minutes=30), make_link()
    booked(client, buffered, at(monday, "14:00"))
    offered = local_slots(client, plain, monday)
    assert "13:30" not in offered and "13:00" in offered


def test_a_meeting_on_a_link_without_buffers_keeps_a_buffered_links_start_away(
    client, make_link, monday
):
    buffered, plain = make_link(buffer_after_minutes=30), make_link()
    booked(client, plain, at(monday, "13:30"))
    offered = local_slots(client, buffered, monday)
    assert "13:00" not in offered and "12:30" in offered


def test_the_seed_example_gives_14h_on_every_link_of_the_host(client, make_link, monday):
    seed = make_link(buffer_before_minutes=30, buffer_after_minutes=30, slot_interval_minutes=15)
    other = make_link(slot_interval_minutes=15)
    booked(client, seed, at(monday, "13:00"))
    for link in (seed, other):
        assert [t for t in local_slots(client, link, monday) if t > "13:00"][0] == "14:00"


def test_a_meeting_keeps_its_buffers_when_its_link_changes_them(client, make_link, host, monday):
    buffered, plain = make_link(buffer_after_minutes=30), make_link()
    booked(client, buffered, at(monday, "13:00"))
    response = client.patch(
        f"/api/v1/links/{buffered['id']}", json={"buffer_after_minutes": 0}, headers=host.headers
    )
    assert response.status_code == 200, response.json
    assert "13:30" not in local_slots(client, plain, monday)
    assert "13:30" not in local_slots(client, buffered, monday)


def test_rescheduling_into_another_meetings_buffer_is_409(client, make_link, monday):
    buffered, plain = make_link(buffer_after_minutes=30), make_link()
    booked(client, buffered, at(monday, "13:00"))
    token = booked(client, plain, at(monday, "15:00"), email="grace@example.com")["manage_token"]
    response = client.post(
        f"/api/v1/public/bookings/{token}/reschedule", json={"start": at(monday, "13:30")}
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "slot_unavailable"
    assert client.get(f"/api/v1/public/bookings/{token}").json["start"] == at(monday, "15:00")


def test_a_rescheduled_meeting_takes_its_buffers_along(client, make_link, monday):
    buffered, plain = make_link(buffer_after_minutes=30), make_link()
    token = booked(client, buffered, at(monday, "10:00"))["manage_token"]
    response = client.post(
        f"/api/v1/public/bookings/{token}/reschedule", json={"start": at(monday, "13:00")}
    )
    assert response.status_code == 200, response.json
    offered = local_slots(client, plain, monday)
    assert "10:30" in offered and "13:30" not in offered


@pytest.fixture
def team(host, make_host):
    return [host, make_host(name="Bob Stone", same_account_as=host)]


def test_round_robin_gives_a_start_in_one_hosts_buffer_to_the_other_host(
    client, make_link, team, monday
):
    alice, bob = team
    alices = make_link(owner=alice, buffer_after_minutes=30)
    shared = make_link(type="round_robin", host_ids=[alice.id, bob.id])
    booked(client, alices, at(monday, "13:00"))
    assert "13:30" in local_slots(client, shared, monday)
    response = book(client, shared, at(monday, "13:30"), email="grace@example.com")
    assert response.status_code == 201, response.json
    assert response.json["host"] == {"name": "Bob Stone"}


def test_a_group_link_offers_no_start_inside_one_hosts_buffer(client, make_link, team, monday):
    alice, bob = team
    bobs = make_link(owner=bob, buffer_after_minutes=30)
    group = make_link(type="group", host_ids=[alice.id, bob.id])
    booked(client, bobs, at(monday, "13:00"))
    assert "13:30" not in local_slots(client, group, monday)
    response = book(client, group, at(monday, "13:30"), email="grace@example.com")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "slot_unavailable"


def test_the_troubleshooter_names_another_meetings_buffer_as_the_reason(
    client, make_link, host, monday
):
    buffered, plain = make_link(buffer_after_minutes=30), make_link()
    booked(client, buffered, at(monday, "13:00"))
    response = client.get(
        f"/api/v1/links/{plain['id']}/troubleshoot",
        query_string={"start": at(monday, "13:30")},
        headers=host.headers,
    )
    assert response.status_code == 200, response.json
    assert [r["code"] for r in response.json["hosts"][0]["reasons"]] == ["buffer"]
