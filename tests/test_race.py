"""B3 under real concurrency: many gunicorn workers, one slot, exactly one booking.

The in-process test client serialises requests, so it can't catch a check-then-insert race.
Here 48 clients connect to a 4-worker gunicorn, wait on a barrier and POST the same slot at
once, on SQLite (``BEGIN IMMEDIATE``) and on PostgreSQL (host rows ``FOR UPDATE``).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from server.migrate import upgrade
from tests.conftest import create_pg_database, next_weekday
from tests.servers import (
    RaceResult,
    Seeded,
    http_json,
    race_bookings,
    seed_host_and_links,
    start_gunicorn,
)

pytestmark = [pytest.mark.slow, pytest.mark.db]

WORKERS = 4
RACERS = 48
TZ = "Europe/Paris"


@dataclass
class Served:
    """A running server; a host with two links, ``main`` (30 min) and ``other`` (30 min on a
    15-minute grid, so it offers starts that straddle ``main``'s slots); and a ``decoy`` host
    in another account, booked only to warm the workers up."""

    base_url: str
    host: Seeded
    decoy: Seeded

    @property
    def main(self) -> dict[str, Any]:
        return self.host.links[0]

    @property
    def other(self) -> dict[str, Any]:
        return self.host.links[1]

    def slots(self, link: dict[str, Any], day: date) -> list[str]:
        query = urlencode({"start": day, "end": day, "timezone": TZ})
        status, body = http_json(
            self.base_url, "GET", f"/api/v1/public/links/{link['slug']}/slots?{query}"
        )
        assert status == 200, body
        return body["slots"]


@dataclass
class Race:
    """The outcome of 48 simultaneous bookings of ``start``, with the server still running."""

    served: Served
    start: str
    result: RaceResult


def _warm_up(served: Served) -> None:
    """Book 16 distinct slots of an unrelated host at once, so every worker has run the whole
    booking path (imports, connection pool, compiled statements) before the race.

    Cold workers start their first request milliseconds apart, which spreads the race out
    and hides a missing lock: without this, a build with no lock and no overlap guard passed
    on PostgreSQL; with it, such a build fails.
    """
    starts = served.slots(served.decoy.links[0], next_weekday(1))[:16]
    warm = race_bookings(served.base_url, served.decoy.slug, starts, timezone=TZ)
    assert warm.statuses() == [201] * len(starts), warm.responses


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def race_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database of each kind for the module's one deployment: every test here reads the
    same race, and the others book days of their own, so they share it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('race') / 'race.sqlite3'}"
        upgrade(url)
        return url
    return create_pg_database(f"rendezvous_race_{os.getpid()}")


@pytest.fixture(scope="module")
def served(race_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    db_url, tmp_path = race_db, tmp_path_factory.mktemp("served")
    instance = tmp_path / "instance"
    host = seed_host_and_links(
        db_url,
        {"name": "Main"},
        {"name": "Other", "slot_interval_minutes": 15},
        instance_path=instance,
    )
    decoy = seed_host_and_links(db_url, {"name": "Decoy"}, instance_path=instance)
    with start_gunicorn(db_url, WORKERS, tmp_path) as base_url:
        served = Served(base_url, host, decoy)
        _warm_up(served)
        yield served


@pytest.fixture(scope="module")
def race(served: Served) -> Race:
    """48 visitors book the 10:00 slot of a Wednesday at least a week ahead, all at once."""
    offered = served.slots(served.main, next_weekday(2))
    start = offered[2]
    assert datetime.fromisoformat(start).strftime("%H:%M") == "10:00", offered
    result = race_bookings(served.base_url, served.main["slug"], [start] * RACERS, timezone=TZ)
    return Race(served, start, result)


def _same_instant(a: str, b: str) -> bool:
    return datetime.fromisoformat(a) == datetime.fromisoformat(b)


def test_only_one_of_48_simultaneous_bookings_of_a_slot_succeeds(race: Race) -> None:
    assert Counter(race.result.statuses()) == {201: 1, 409: RACERS - 1}, race.result.responses


def test_every_loser_gets_slot_unavailable_in_the_error_shape(race: Race) -> None:
    losers = [body for status, body in race.result.responses if status != 201]
    assert len(losers) == RACERS - 1
    for body in losers:
        assert body["error"]["code"] == "slot_unavailable", body
        assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def test_the_winner_gets_the_slot_it_asked_for(race: Race) -> None:
    (won,) = [body for status, body in race.result.responses if status == 201]
    assert _same_instant(won["start"], race.start)
    assert won["status"] == "confirmed"


def test_the_won_slot_is_no_longer_offered(race: Race) -> None:
    day = datetime.fromisoformat(race.start).date()
    offered = race.served.slots(race.served.main, day)
    assert offered, "the rest of the day should still be bookable"
    assert not any(_same_instant(s, race.start) for s in offered)


def test_another_link_of_the_same_host_refuses_an_overlapping_time(race: Race) -> None:
    served = race.served
    taken = datetime.fromisoformat(race.start)
    for start in (taken, taken + timedelta(minutes=15)):
        status, body = http_json(
            served.base_url,
            "POST",
            f"/api/v1/public/links/{served.other['slug']}/bookings",
            {
                "start": start.isoformat(),
                "duration": 30,
                "timezone": TZ,
                "first_name": "Late",
                "last_name": "Comer",
                "email": "late@example.com",
            },
        )
        assert status == 409, (start, body)
        assert body["error"]["code"] == "slot_unavailable"


def test_the_host_sees_exactly_one_confirmed_booking_at_that_time(race: Race) -> None:
    served = race.served
    taken = datetime.fromisoformat(race.start)
    query = urlencode(
        {"start": taken.isoformat(), "end": (taken + timedelta(minutes=30)).isoformat()}
    )
    status, bookings = http_json(
        served.base_url, "GET", f"/api/v1/bookings?{query}", headers=served.host.headers
    )
    assert status == 200, bookings
    confirmed = [b for b in bookings["items"] if b["status"] == "confirmed"]
    assert len(confirmed) == 1, bookings
    assert confirmed[0]["link_id"] == served.main["id"]
    assert datetime.fromisoformat(confirmed[0]["start"]) == taken


def test_simultaneous_bookings_of_different_slots_of_one_host_all_succeed(
    served: Served,
) -> None:
    """The per-host lock must make bookers wait their turn, not fail: 8 back-to-back slots
    booked at the same instant are 8 bookings."""
    starts = served.slots(served.main, next_weekday(3))[:8]
    assert len(starts) == 8
    result = race_bookings(served.base_url, served.main["slug"], starts, timezone=TZ)
    assert result.statuses() == [201] * 8, result.responses
    booked = sorted(datetime.fromisoformat(body["start"]) for _, body in result.responses)
    assert booked == sorted(datetime.fromisoformat(s) for s in starts)


def test_simultaneous_retries_with_one_idempotency_key_all_get_the_one_booking(
    served: Served,
) -> None:
    """One client's retries racing each other (SPEC §10): the key's unique row commits with
    one booking; every other attempt rolls back and answers that booking, never a 409."""
    start = served.slots(served.main, next_weekday(4))[0]
    result = race_bookings(
        served.base_url, served.main["slug"], [start] * 8, timezone=TZ, idempotency_key="retry"
    )
    assert result.statuses() == [201] * 8, result.responses
    assert len({body["id"] for _, body in result.responses}) == 1
    end = datetime.fromisoformat(start) + timedelta(minutes=30)
    query = urlencode({"start": start, "end": end.isoformat(), "status": "confirmed"})
    status, bookings = http_json(
        served.base_url, "GET", f"/api/v1/bookings?{query}", headers=served.host.headers
    )
    assert status == 200, bookings
    assert [b["id"] for b in bookings["items"]] == [result.responses[0][1]["id"]]
