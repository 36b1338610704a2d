"""Round robin and group links (L10, SPEC §11.3)."""

from __future__ import annotations

import pytest

from tests.api.test_public_bookings import book, first_slot

pytestmark = pytest.mark.db


@pytest.fixture
def team(host, make_host):
    return [host, make_host(name="Bob Stone", same_account_as=host)]


def test_round_robin_spreads_bookings_fairly(client, make_link, team):
    link = make_link(type="round_robin", host_ids=[h.id for h in team])
    offered = first_slot(client, link)
    hosts = [
        book(client, link, offered[i], email=f"v{i}@example.com").json["host"]["name"]
        for i in (0, 2, 4, 6)
    ]
    assert sorted(hosts) == ["Alice Martin", "Alice Martin", "Bob Stone", "Bob Stone"]


def test_round_robin_offers_a_time_while_one_host_is_free(client, make_link, team):
    link = make_link(type="round_robin", host_ids=[h.id for h in team])
    start = first_slot(client, link)[0]
    assert book(client, link, start, email="a@example.com").status_code == 201
    assert start in first_slot(client, link)
    assert book(client, link, start, email="b@example.com").status_code == 201
    assert start not in first_slot(client, link)
    assert book(client, link, start, email="c@example.com").status_code == 409


def test_round_robin_skips_a_host_busy_on_another_link(client, make_link, team):
    alice, bob = team
    solo = make_link(owner=alice)
    rr = make_link(type="round_robin", host_ids=[alice.id, bob.id])
    start = first_slot(client, solo)[0]
    book(client, solo, start)
    assert book(client, rr, start, email="b@example.com").json["host"]["name"] == "Bob Stone"


def test_group_needs_every_host_free(client, make_link, team):
    alice, bob = team
    bob_solo = make_link(owner=bob)
    group = make_link(type="group", host_ids=[alice.id, bob.id])
    start = first_slot(client, group)[0]
    assert book(client, bob_solo, start).status_code == 201
    assert start not in first_slot(client, group)
    assert book(client, group, start, email="g@example.com").status_code == 409


def test_a_group_booking_blocks_every_host(client, make_link, team):
    alice, bob = team
    group = make_link(type="group", host_ids=[alice.id, bob.id])
    bob_solo = make_link(owner=bob)
    start = first_slot(client, group)[0]
    created = book(client, group, start, email="g@example.com")
    assert created.status_code == 201
    assert start not in first_slot(client, bob_solo)
    listed = client.get("/api/v1/bookings", headers=alice.headers).json["items"]
    assert sorted(listed[0]["host_ids"]) == sorted([alice.id, bob.id])
