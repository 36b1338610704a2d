"""A GET of one object carries an ``ETag`` and answers 304 to ``If-None-Match`` while the
object is unchanged (SPEC §10 "Conventions")."""

from __future__ import annotations

import pytest

from tests.api.test_public_bookings import book, first_slot

pytestmark = pytest.mark.db


def _revalidate(client, url, headers=None):
    first = client.get(url, headers=headers or {})
    assert first.status_code == 200
    etag = first.headers["ETag"]
    again = client.get(url, headers={**(headers or {}), "If-None-Match": etag})
    return first, again


def test_an_unchanged_link_answers_304_with_no_body_and_its_etag(client, host, make_link):
    link = make_link()
    first, again = _revalidate(client, f"/api/v1/links/{link['id']}", host.headers)
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == first.headers["ETag"]


def test_an_edited_link_has_a_new_etag_and_answers_in_full(client, host, make_link):
    link = make_link()
    url = f"/api/v1/links/{link['id']}"
    etag = client.get(url, headers=host.headers).headers["ETag"]
    assert client.patch(url, json={"title": "New title"}, headers=host.headers).status_code == 200
    fresh = client.get(url, headers={**host.headers, "If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.json["title"] == "New title"
    assert fresh.headers["ETag"] != etag


def test_a_public_link_and_a_managed_booking_revalidate(client, make_link):
    link = make_link()
    _, again = _revalidate(client, f"/api/v1/public/links/{link['slug']}")
    assert again.status_code == 304
    created = book(client, link, first_slot(client, link)[0])
    _, again = _revalidate(client, created.headers["Location"])
    assert again.status_code == 304


def test_a_cancelled_booking_no_longer_matches_its_old_etag(client, make_link):
    link = make_link()
    created = book(client, link, first_slot(client, link)[0])
    url = created.headers["Location"]
    etag = client.get(url).headers["ETag"]
    assert client.post(f"{url}/cancel", json={}).status_code == 200
    fresh = client.get(url, headers={"If-None-Match": etag})
    assert (fresh.status_code, fresh.json["status"]) == (200, "cancelled")


def test_the_host_apis_account_booking_and_contact_carry_etags(client, host, make_link):
    link = make_link()
    assert book(client, link, first_slot(client, link)[0]).status_code == 201
    bookings = client.get("/api/v1/bookings", headers=host.headers).json["items"]
    (booking,) = bookings["items"] if isinstance(bookings, dict) else bookings
    booking_id = booking["id"]
    contacts = client.get("/api/v1/contacts", headers=host.headers).json["items"]
    contact_id = (contacts["items"] if isinstance(contacts, dict) else contacts)[0]["id"]
    for url in (
        "/api/v1/account",
        f"/api/v1/bookings/{booking_id}",
        f"/api/v1/contacts/{contact_id}",
    ):
        _, again = _revalidate(client, url, host.headers)
        assert again.status_code == 304, url
