"""The zone menu's labels and the booking's times come from the server's tzdata (SPEC E5): the
widget shows what the server sent, so the screen, the email and the calendar file agree."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import next_weekday, today

pytestmark = pytest.mark.db


def menu(client, link, start: date, timezone: str = "Europe/Paris") -> dict[str, dict]:
    response = client.get(
        f"/api/v1/public/links/{link['slug']}/slots",
        query_string={"start": start, "end": start, "timezone": timezone},
    )
    assert response.status_code == 200, response.json
    return {z["name"]: z for z in response.json["timezones"]}


def _next_year(month: int) -> date:
    return date(today().year + 1, month, 15)


def test_each_zone_is_labelled_with_its_offset_in_the_period_asked(client, make_link):
    link = make_link()
    winter = menu(client, link, _next_year(1))["America/Los_Angeles"]
    summer = menu(client, link, _next_year(7))["America/Los_Angeles"]
    assert (winter["offset"], winter["offset_minutes"]) == ("GMT\u22128", -480)
    assert (summer["offset"], summer["offset_minutes"]) == ("GMT\u22127", -420)


def test_offsets_show_their_minutes_and_zero_is_plain_gmt(client, make_link):
    link = make_link()
    zones = menu(client, link, _next_year(1), timezone="Asia/Kathmandu")
    assert zones["Asia/Kathmandu"]["offset"] == "GMT+5:45"
    assert zones["Asia/Kathmandu"]["offset_minutes"] == 345
    assert zones["UTC"]["offset"] == "GMT"
    assert zones["America/St_Johns"]["offset"] == "GMT\u22123:30"


def test_the_zone_asked_for_and_the_links_zone_are_in_the_menu(client, make_link):
    link = make_link(timezone="America/Vancouver")
    zones = menu(client, link, _next_year(1), timezone="Pacific/Chatham")
    assert zones["Pacific/Chatham"]["offset"] == "GMT+13:45"
    assert zones["America/Vancouver"]["offset"] == "GMT\u22128"


def test_the_menu_is_sorted_by_offset_then_name(client, make_link):
    link = make_link()
    response = client.get(
        f"/api/v1/public/links/{link['slug']}/slots",
        query_string={"start": _next_year(1), "end": _next_year(1)},
    )
    rows = [(z["offset_minutes"], z["name"]) for z in response.json["timezones"]]
    assert rows == sorted(rows)
    assert len(rows) > 40


def test_slots_say_which_day_it_is_in_the_zone_asked(client, make_link, now):
    link = make_link()
    for name in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        response = client.get(
            f"/api/v1/public/links/{link['slug']}/slots",
            query_string={"start": today(), "end": today(), "timezone": name},
        )
        assert response.json["today"] == now.astimezone(ZoneInfo(name)).date().isoformat()


def test_a_booking_answers_with_the_offset_of_the_zone_it_was_made_in(client, make_link):
    link = make_link()
    day = next_weekday(0)
    start = client.get(
        f"/api/v1/public/links/{link['slug']}/slots",
        query_string={"start": day, "end": day, "timezone": "America/Vancouver"},
    ).json["slots"][0]
    created = client.post(
        f"/api/v1/public/links/{link['slug']}/bookings",
        json={
            "start": start,
            "timezone": "America/Vancouver",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
        },
    )
    assert created.status_code == 201, created.json
    managed = client.get(f"/api/v1/public/bookings/{created.json['manage_token']}").json
    vancouver = datetime.fromisoformat(start).astimezone(ZoneInfo("America/Vancouver"))
    for body in (created.json, managed):
        assert body["timezone"] == "America/Vancouver"
        assert body["start"] == vancouver.isoformat() == start


def test_openapi_describes_the_zone_menu(client):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    slots = schemas["Slots"]["properties"]["timezones"]
    zone = schemas[slots["items"]["$ref"].split("/")[-1]]["properties"]
    assert set(zone) == {"name", "offset", "offset_minutes"}
    assert "today" in schemas["Slots"]["properties"]
    assert "timezone" in schemas["BookingCreated"]["properties"]
