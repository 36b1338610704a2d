"""A 201 carries a ``Location`` header naming what was made (SPEC §10 "Conventions")."""

from __future__ import annotations

import pytest

from tests.api.test_public_bookings import book, first_slot

pytestmark = pytest.mark.db


def test_a_new_link_s_location_is_the_link(client, host, make_link):
    response = client.post(
        "/api/v1/links", json={"name": "Intro", "durations": [30]}, headers=host.headers
    )
    assert response.status_code == 201
    location = response.headers["Location"]
    assert location == f"/api/v1/links/{response.json['id']}"
    again = client.get(location, headers=host.headers)
    assert (again.status_code, again.json["slug"]) == (200, response.json["slug"])


def test_a_new_booking_s_location_is_the_booking_by_its_manage_token(client, make_link):
    link = make_link()
    start = first_slot(client, link)[0]
    response = book(client, link, start)
    assert response.status_code == 201
    location = response.headers["Location"]
    assert location == f"/api/v1/public/bookings/{response.json['manage_token']}"
    again = client.get(location)
    assert (again.status_code, again.json["start"]) == (200, start)


def test_a_new_token_s_location_is_where_it_is_revoked(client, host):
    response = client.post(
        "/api/v1/auth/tokens",
        json={"email": host.email, "password": "correct horse battery", "name": "ci"},
    )
    assert response.status_code == 201
    location = response.headers["Location"]
    assert location == f"/api/v1/auth/tokens/{response.json['id']}"
    token = {"Authorization": f"Bearer {response.json['token']}"}
    assert client.delete(location, headers=host.headers).status_code == 204
    assert client.get("/api/v1/links", headers=token).status_code == 401
