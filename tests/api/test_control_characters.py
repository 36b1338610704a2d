"""Names and other single-line fields refuse control characters with a 422 under the field
(issue 12.4): what would break an email header never gets stored."""

from __future__ import annotations

import pytest

from tests.api.test_public_bookings import book, first_slot

pytestmark = pytest.mark.db

#: NUL is refused before any schema, for every field (tests/api/test_hostile_input.py)
HOSTILE = ["Ada\r\nBcc: victim@example.com", "Ada\nLovelace", "Ada\tX", "Ada\u2028Lovelace"]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_a_booking_with_a_control_character_in_a_name_is_422(client, make_link, field, value):
    link = make_link()
    response = book(client, link, first_slot(client, link)[0], **{field: value})
    assert response.status_code == 422, response.json
    assert list(response.json["error"]["fields"]) == [field]
    assert "one line" in response.json["error"]["fields"][field][0]


def test_a_meeting_request_with_a_line_break_in_the_name_is_422(client, make_link):
    link = make_link()
    body = {"name": "Ada\r\nBcc: x@example.com", "email": "a@example.com", "preferred_times": "Any"}
    response = client.post(f"/api/v1/public/links/{link['slug']}/requests", json=body)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["name"]


@pytest.mark.parametrize("field", ["name", "title", "subject", "location"])
def test_a_link_with_a_line_break_in_a_one_line_field_is_422(client, host, field):
    body = {"name": "Intro", "durations": [30], "timezone": "Europe/Paris", field: "a\r\nb"}
    response = client.post("/api/v1/links", json=body, headers=host.headers)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


def test_a_name_with_accents_and_spaces_is_fine(client, make_link):
    link = make_link()
    response = book(client, link, first_slot(client, link)[0], first_name="Zoë  Ångström")
    assert response.status_code == 201
