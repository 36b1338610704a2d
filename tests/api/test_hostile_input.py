"""Inputs that used to answer 500 answer a clear 4xx with the error shape of SPEC §10 (issue
12.5, SPEC A4), on SQLite and PostgreSQL: JSON nested 1,000 deep, years 0001 and 9999, ids
past the column's range, unpaired surrogates and NUL characters."""

from __future__ import annotations

import pytest

from tests.api.test_public_bookings import book, first_slot

pytestmark = pytest.mark.db

EDGE_YEARS = ["0001-01-01", "9999-12-31"]


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert set(response.json) == {"error"}
    assert response.json["error"]["code"] and response.json["error"]["message"]
    return response.json["error"]


@pytest.mark.parametrize("path", ["public", "host"])
def test_json_nested_a_thousand_deep_is_400(client, make_link, host, path):
    link = make_link()
    deep = '{"a":' * 1000 + "1" + "}" * 1000
    if path == "public":
        url, headers = f"/api/v1/public/links/{link['slug']}/bookings", {}
    else:
        url, headers = "/api/v1/links", host.headers
    response = client.post(url, data=deep, content_type="application/json", headers=headers)
    assert "nested" in error_of(response, 400)["message"]


@pytest.mark.parametrize("day", EDGE_YEARS)
def test_slots_for_year_one_or_9999_are_422(client, make_link, day):
    link = make_link()
    response = client.get(
        f"/api/v1/public/links/{link['slug']}/slots", query_string={"start": day, "end": day}
    )
    assert "start" in error_of(response, 422)["fields"]


@pytest.mark.parametrize("day", EDGE_YEARS)
def test_booking_in_year_one_or_9999_is_422(client, make_link, day):
    link = make_link()
    assert "start" in error_of(book(client, link, f"{day}T10:00:00+00:00"), 422)["fields"]


@pytest.mark.parametrize("day", EDGE_YEARS)
def test_rescheduling_to_year_one_or_9999_is_422(client, make_link, day):
    link = make_link()
    token = book(client, link, first_slot(client, link)[0]).json["manage_token"]
    response = client.post(
        f"/api/v1/public/bookings/{token}/reschedule", json={"start": f"{day}T10:00:00+00:00"}
    )
    assert "start" in error_of(response, 422)["fields"]


@pytest.mark.parametrize("day", EDGE_YEARS)
def test_troubleshooting_year_one_or_9999_is_422(client, make_link, host, day):
    link = make_link()
    response = client.get(
        f"/api/v1/links/{link['id']}/troubleshoot",
        query_string={"start": f"{day}T10:00:00+00:00"},
        headers=host.headers,
    )
    assert "start" in error_of(response, 422)["fields"]


@pytest.mark.parametrize("number", [2**31, 2**63, 2**64])
@pytest.mark.parametrize("kind", ["links", "bookings", "contacts", "calendars"])
def test_an_id_past_the_columns_range_is_404(client, host, kind, number):
    error_of(client.get(f"/api/v1/{kind}/{number}", headers=host.headers), 404)


def test_an_unpaired_surrogate_in_any_text_is_422(client, host):
    body = '{"name": "Intro", "durations": [30], "timezone": "Europe/Paris", '
    body += '"description": "caf\\ud800"}'
    response = client.post(
        "/api/v1/links", data=body, content_type="application/json", headers=host.headers
    )
    assert list(error_of(response, 422)["fields"]) == ["description"]


def test_a_nul_character_in_any_text_is_422(client, host):
    body = {"name": "Intro", "durations": [30], "timezone": "Europe/Paris", "description": "a\x00"}
    response = client.post("/api/v1/links", json=body, headers=host.headers)
    assert list(error_of(response, 422)["fields"]) == ["description"]


def test_a_nul_character_in_a_query_string_is_400(client, host):
    error_of(client.get("/api/v1/contacts", query_string={"q": "a\x00"}, headers=host.headers), 400)


def test_ordinary_text_with_accents_and_emoji_is_kept(client, host):
    body = {"name": "Café ☕", "durations": [30], "timezone": "Europe/Paris"}
    response = client.post("/api/v1/links", json=body, headers=host.headers)
    assert response.status_code == 201 and response.json["name"] == "Café ☕"
