"""Booking with a known contact's email can't rewrite that contact (issue 12.12): the record
keeps its name and properties, only empty fields are filled, what the visitor typed stays on
their booking, and the host sees where the two differ."""

from __future__ import annotations

import html

import pytest

from tests.dashboard.conftest import EVERY_DAY, book, first_slot, text

pytestmark = pytest.mark.db

FORM = [
    {"key": "first_name", "label": "First name", "type": "text", "required": True},
    {"key": "last_name", "label": "Last name", "type": "text", "required": True},
    {"key": "email", "label": "Email", "type": "email", "required": True},
    {"key": "phone", "label": "Phone", "type": "phone", "property": "phone"},
    {"key": "company", "label": "Company", "type": "text", "property": "company"},
]


@pytest.fixture
def link(make_link):
    return make_link(availability=EVERY_DAY, form=FORM)


def contact(client, host) -> dict:
    (found,) = client.get("/api/v1/contacts", headers=host.headers).json["items"]
    return client.get(f"/api/v1/contacts/{found['id']}", headers=host.headers).json


def test_a_second_booking_with_the_same_email_rewrites_neither_name_nor_properties(
    client, host, link
):
    book(client, link, first_name="Grace", last_name="Hopper", answers={"phone": "+1 555 0100"})
    book(
        client,
        link,
        start=first_slot(client, link),
        first_name="Mallory",
        last_name="Evil",
        answers={"phone": "+1 555 6666", "company": "Navy"},
    )
    record = contact(client, host)
    assert (record["first_name"], record["last_name"]) == ("Grace", "Hopper")
    assert record["properties"]["phone"] == "+1 555 0100"
    assert record["properties"]["company"] == "Navy"  # it was empty: filled


def test_the_host_sees_what_was_typed_where_it_differs(signed_in, client, host, link):
    book(client, link, first_name="Grace", last_name="Hopper", answers={"phone": "+1 555 0100"})
    second = book(
        client,
        link,
        start=first_slot(client, link),
        first_name="Mallory",
        last_name="Evil",
        answers={"phone": "+1 555 6666"},
    )
    page = html.unescape(text(signed_in.get(f"/app/bookings/{second['id']}")))
    assert "differs from the contact record" in page
    assert "Name: typed “Mallory Evil”, the record says “Grace Hopper”" in page
    assert "Phone: typed “+1 555 6666”, the record says “+1 555 0100”" in page


def test_a_booking_that_matches_the_record_shows_no_difference(signed_in, client, link):
    book(client, link, first_name="Grace", last_name="Hopper")
    again = book(
        client, link, start=first_slot(client, link), first_name="grace", last_name="hopper"
    )
    assert "differs from the contact record" not in text(
        signed_in.get(f"/app/bookings/{again['id']}")
    )
