"""Cursor pagination of the host API's lists (SPEC §10 conventions)."""

from __future__ import annotations

import base64
from datetime import datetime

import pytest

from tests.api.test_public_bookings import book, first_slot


def _walk(client, path, headers, **params):
    """Every page of a list, following next_cursor: the pages' items, in order."""
    pages, cursor = [], None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = client.get(path, query_string=query, headers=headers)
        assert response.status_code == 200, response.json
        pages.append([item["id"] for item in response.json["items"]])
        cursor = response.json["next_cursor"]
        if cursor is None:
            return pages


def _book_times(client, link, count):
    starts = first_slot(client, link)[:count]
    for i, start in enumerate(starts):
        assert book(client, link, start, email=f"v{i}@example.com").status_code == 201
    return starts


def test_a_list_is_read_page_by_page_and_the_last_page_has_no_cursor(client, host, make_link):
    link = make_link()
    _book_times(client, link, 5)
    pages = _walk(client, "/api/v1/bookings", host.headers, limit=2)
    assert [len(page) for page in pages] == [2, 2, 1]
    every = client.get("/api/v1/bookings", headers=host.headers).json
    assert [i for page in pages for i in page] == [b["id"] for b in every["items"]]
    assert every["next_cursor"] is None


def test_bookings_pages_keep_the_start_time_order(client, host, make_link):
    link = make_link()
    starts = _book_times(client, link, 4)
    items = []
    cursor = None
    for _ in range(2):
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/bookings", query_string=query, headers=host.headers).json
        items += body["items"]
        cursor = body["next_cursor"]
    shown = [datetime.fromisoformat(b["start"]) for b in items]
    assert shown == [datetime.fromisoformat(s) for s in starts]


def test_the_default_page_is_fifty_items(client, host, make_link):
    for _ in range(51):
        make_link()
    first = client.get("/api/v1/links", headers=host.headers).json
    assert len(first["items"]) == 50
    rest = client.get(
        "/api/v1/links", query_string={"cursor": first["next_cursor"]}, headers=host.headers
    ).json
    assert len(rest["items"]) == 1
    assert rest["next_cursor"] is None


def test_a_contact_added_between_pages_is_neither_repeated_nor_skipping_one(
    client, host, make_link
):
    link = make_link()
    _book_times(client, link, 3)
    first = client.get("/api/v1/contacts", query_string={"limit": 2}, headers=host.headers).json
    start = first_slot(client, link)[0]
    assert book(client, link, start, email="late@example.com").status_code == 201
    rest = _walk(client, "/api/v1/contacts", host.headers, limit=2, cursor=first["next_cursor"])
    seen = [c["id"] for c in first["items"]] + [i for page in rest for i in page]
    assert len(seen) == len(set(seen)) == 3  # newest first: the late one is before page one


@pytest.mark.parametrize("limit", [0, 501, "many"])
def test_a_limit_out_of_range_is_422(client, host, limit):
    response = client.get("/api/v1/links", query_string={"limit": limit}, headers=host.headers)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["limit"]


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor!",
        base64.urlsafe_b64encode(b'{"a": 1}').decode(),
        base64.urlsafe_b64encode(b'["2027-01-01T00:00:00+00:00", 1]').decode(),  # two keys
        base64.urlsafe_b64encode(b'["x"]').decode(),  # a string for an id
    ],
)
def test_a_cursor_that_is_not_ours_is_422_on_cursor(client, host, cursor):
    response = client.get("/api/v1/links", query_string={"cursor": cursor}, headers=host.headers)
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"cursor": ["Not a cursor of this list."]}


@pytest.mark.parametrize("time", [b"yesterday", b"2027-01-01T00:00:00"])
def test_a_bookings_cursor_with_a_bad_time_is_422(client, host, time):
    cursor = base64.urlsafe_b64encode(b'["' + time + b'", 3]').decode()
    response = client.get("/api/v1/bookings", query_string={"cursor": cursor}, headers=host.headers)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["cursor"]


def test_another_accounts_cursor_shows_only_your_own(client, host, make_host, make_link):
    stranger = make_host(name="Stranger")
    first = client.get("/api/v1/links", query_string={"limit": 1}, headers=host.headers).json
    theirs = client.get(
        "/api/v1/links", query_string={"cursor": first["next_cursor"]}, headers=stranger.headers
    ).json
    own = client.get("/api/v1/links", headers=stranger.headers).json["items"]
    assert [x["id"] for x in theirs["items"]] == [x["id"] for x in own]


def test_the_openapi_document_describes_the_page(client):
    spec = client.get("/api/v1/openapi.json").json
    answer = spec["paths"]["/api/v1/bookings"]["get"]["responses"]["200"]
    ref = answer["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    page = spec["components"]["schemas"][ref]
    assert set(page["properties"]) == {"items", "next_cursor"}
    names = {p["name"] for p in spec["paths"]["/api/v1/links"]["get"]["parameters"]}
    assert {"limit", "cursor"} <= names
