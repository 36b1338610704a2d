"""``Idempotency-Key`` on bookings (SPEC §10 conventions): a retry gets the first answer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server import clock
from tests.api.test_public_bookings import book, first_slot
from tests.conftest import next_weekday


def _keyed(client, link, start, key, **fields):
    body = {
        "start": start,
        "duration": link["durations"][0],
        "timezone": "Europe/Paris",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        **fields,
    }
    return client.post(
        f"/api/v1/public/links/{link['slug']}/bookings",
        json=body,
        headers={"Idempotency-Key": key},
    )


def _bookings(client, host):
    return client.get("/api/v1/bookings", headers=host.headers).json["items"]


def test_a_repeat_with_the_same_key_answers_the_first_answer(client, make_link):
    link = make_link()
    start = first_slot(client, link)[0]
    first = _keyed(client, link, start, "retry-1")
    again = _keyed(client, link, start, "retry-1")
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Location"] == first.headers["Location"]


def test_a_repeat_with_the_same_key_books_nothing_more(client, host, make_link):
    link = make_link()
    start = first_slot(client, link)[0]
    for _ in range(3):
        _keyed(client, link, start, "retry-2")
    assert len(_bookings(client, host)) == 1


def test_a_keyed_answer_is_the_usual_201(client, make_link):
    link = make_link()
    start = first_slot(client, link)[0]
    keyed = _keyed(client, link, start, "fresh")
    plain = book(client, link, first_slot(client, link)[0], email="bob@example.com")
    assert keyed.status_code == 201
    assert set(keyed.json) == set(plain.json)
    assert keyed.headers["Location"].endswith(keyed.json["manage_token"])


def test_without_a_key_a_repeat_is_a_409(client, make_link):
    link = make_link()
    start = first_slot(client, link)[0]
    assert book(client, link, start).status_code == 201
    assert book(client, link, start).status_code == 409


def test_the_same_key_with_another_body_is_422(client, make_link):
    link = make_link()
    start = first_slot(client, link)[0]
    assert _keyed(client, link, start, "reused").status_code == 201
    other = _keyed(client, link, start, "reused", email="someone.else@example.com")
    assert other.status_code == 422
    assert list(other.json["error"]["fields"]) == ["Idempotency-Key"]


def test_the_same_key_on_another_link_is_another_booking(client, host, make_link):
    one, two = make_link(), make_link()
    day_two = first_slot(client, one)[0]
    assert _keyed(client, one, day_two, "shared").status_code == 201
    other_start = first_slot(client, two)[1]
    assert _keyed(client, two, other_start, "shared").status_code == 201
    assert len(_bookings(client, host)) == 2


def test_a_key_is_forgotten_after_24_hours(client, make_link, now):
    link = make_link()
    start = first_slot(client, link, day=next_weekday(0, weeks=1))[0]
    assert _keyed(client, link, start, "day-old").status_code == 201
    clock.set_now(now + timedelta(hours=24, minutes=1))
    again = _keyed(client, link, start, "day-old")
    assert again.status_code == 409  # tried afresh: the slot is its own booking's now
    assert again.json["error"]["code"] == "slot_unavailable"


def test_a_refused_booking_is_not_remembered(client, make_link):
    link = make_link()
    start = first_slot(client, link)[0]
    assert book(client, link, start, email="first@example.com").status_code == 201
    assert _keyed(client, link, start, "late").status_code == 409
    free = first_slot(client, link)[0]
    # the key held nothing: the same key (with its new body) books the next free time
    assert _keyed(client, link, free, "late").status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "naïve"])
def test_a_malformed_key_is_422(client, make_link, key):
    link = make_link()
    start = first_slot(client, link)[0]
    response = _keyed(client, link, start, key)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["Idempotency-Key"]


def test_the_openapi_document_names_the_header(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/public/links/{slug}/bookings"]["post"]
    headers = [p for p in operation["parameters"] if p["in"] == "header"]
    assert [p["name"] for p in headers] == ["Idempotency-Key"]
