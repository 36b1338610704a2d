"""Rate limits hold across worker processes (issue 12.2, SPEC A4): a limit is the same number
whether one process or four answer. Against a 4-worker gunicorn: on PostgreSQL the counters
live in Redis (what several machines share), on SQLite in the machine's own counter file (what
a single-machine deployment gets with no Redis at all).

Every burst leaves at one instant (a barrier) so the four workers race for the same counter."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from tests.conftest import next_weekday
from tests.servers import Seeded, http_json, seed_host_and_link, start_gunicorn

pytestmark = [pytest.mark.slow, pytest.mark.db]

WORKERS = 4
TZ = "Europe/Paris"


@pytest.fixture
def limits_store(db_url: str, request: pytest.FixtureRequest) -> dict[str, str]:
    """The deployment's counter storage: Redis beside PostgreSQL, nothing to set on SQLite."""
    if db_url.startswith("postgresql"):
        return {"RENDEZVOUS_RATELIMIT_STORAGE_URL": request.getfixturevalue("redis_url")}
    return {}


@pytest.fixture
def seeded(db_url: str, tmp_path: Path) -> Seeded:
    return seed_host_and_link(
        db_url,
        instance_path=tmp_path / "instance",
        window={"rolling_weeks": 8},
        availability={d: [["08:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    )


@pytest.fixture
def serve(db_url: str, tmp_path: Path, limits_store: dict[str, str]) -> Callable[..., Any]:
    """``with serve(**settings) as base_url``: the 4-worker server with limits on."""

    @contextmanager
    def running(**settings: str) -> Iterator[str]:
        env = {"RENDEZVOUS_RATELIMIT_ENABLED": "1", **limits_store, **settings}
        with start_gunicorn(db_url, WORKERS, tmp_path, env=env) as base_url:
            yield base_url

    return running


def burst(n: int, send: Callable[[int], int]) -> Counter[int]:
    """``send(i)`` for i in 0..n-1, all released at once; the statuses they got."""
    barrier = threading.Barrier(n)

    def one(i: int) -> int:
        barrier.wait(timeout=60)
        return send(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return Counter(pool.map(one, range(n)))


def forwarded(i: int) -> dict[str, str]:
    """As a trusted proxy would say it: the request came from client 198.51.100.<i>."""
    return {"X-Forwarded-For": f"198.51.100.{i + 1}"}


def free_starts(base_url: str, slug: str, count: int) -> list[str]:
    starts: list[str] = []
    day = next_weekday(0)
    while len(starts) < count:
        query = urlencode({"start": day, "end": day + timedelta(days=4), "timezone": TZ})
        status, body = http_json(base_url, "GET", f"/api/v1/public/links/{slug}/slots?{query}")
        assert status == 200, body
        starts += body["slots"]
        day += timedelta(weeks=1)
    return starts[:count]


def booking(start: str, email: str) -> dict[str, Any]:
    return {
        "start": start,
        "timezone": TZ,
        "first_name": "Ana",
        "last_name": "Costa",
        "email": email,
    }


def api_login(base_url: str, email: str, password: str, headers: Mapping[str, str]) -> int:
    body = {"email": email, "password": password}
    return http_json(base_url, "POST", "/api/v1/auth/tokens", body, headers)[0]


class DashboardLogin:
    """The sign-in form as a browser posts it: the page first (cookie and CSRF token)."""

    def __init__(self, base_url: str) -> None:
        self.url = f"{base_url}/app/login"
        self.session = requests.Session()
        page = self.session.get(self.url, timeout=30)
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
        assert found, page.text[:500]
        self.csrf = found.group(1)

    def post(self, email: str, password: str, headers: Mapping[str, str] | None = None) -> int:
        form = {"csrf_token": self.csrf, "email": email, "password": password}
        # a new connection per attempt, the cookie copied: the threads share no socket
        cookies = self.session.cookies.get_dict()
        answer = requests.post(
            self.url,
            data=form,
            cookies=cookies,
            headers=headers,
            timeout=60,
            allow_redirects=False,
        )
        return answer.status_code


def test_api_logins_from_one_address_stop_at_ten_a_minute(serve: Callable[..., Any]) -> None:
    with serve() as base_url:
        statuses = burst(60, lambda i: api_login(base_url, f"nobody{i}@example.com", "x" * 10, {}))
    assert statuses == {401: 10, 429: 50}


def test_dashboard_logins_from_one_address_stop_at_twenty_a_minute(
    serve: Callable[..., Any],
) -> None:
    with serve() as base_url:
        form = DashboardLogin(base_url)
        statuses = burst(100, lambda i: form.post(f"nobody{i}@example.com", "x" * 10))
    assert statuses == {422: 20, 429: 80}


def test_one_account_tried_from_many_addresses_gets_ten_tries_in_all(
    serve: Callable[..., Any], seeded: Seeded
) -> None:
    """Half through the API, half through the form, each from its own client address: the
    account's budget is one, so the botnet gets ten guesses, not ten per address."""
    with serve(RENDEZVOUS_PROXY_COUNT="1") as base_url:
        form = DashboardLogin(base_url)

        def guess(i: int) -> int:
            if i % 2:
                return form.post(seeded.email.upper(), f"guess {i}", forwarded(i))
            return api_login(base_url, seeded.email, f"guess {i}", forwarded(i))

        statuses = burst(30, guess)
        then = api_login(base_url, "other@example.com", "x" * 10, forwarded(200))
    assert statuses[429] == 20
    assert statuses[401] + statuses[422] == 10
    assert then == 401  # another account is not throttled


def test_forwarded_for_is_not_believed_without_trusted_proxies(
    serve: Callable[..., Any],
) -> None:
    with serve() as base_url:
        statuses = burst(
            30,
            lambda i: api_login(base_url, f"nobody{i}@example.com", "x" * 10, forwarded(i)),
        )
    assert statuses == {401: 10, 429: 20}


def test_bookings_from_one_address_stop_at_twenty_a_minute(
    serve: Callable[..., Any], seeded: Seeded
) -> None:
    with serve() as base_url:
        starts = free_starts(base_url, seeded.slug, 40)
        path = f"/api/v1/public/links/{seeded.slug}/bookings"
        statuses = burst(
            40,
            lambda i: http_json(
                base_url, "POST", path, booking(starts[i], f"visitor{i}@example.com")
            )[0],
        )
    assert statuses == {201: 20, 429: 20}


def test_one_visitor_address_gets_five_bookings_an_hour_from_any_client(
    serve: Callable[..., Any], seeded: Seeded
) -> None:
    """The email-bomb: the same typed-in address from 30 client addresses at once."""
    with serve(RENDEZVOUS_PROXY_COUNT="1", RENDEZVOUS_VISITOR_EMAIL_RATE_LIMIT="5 per hour") as (
        base_url
    ):
        starts = free_starts(base_url, seeded.slug, 31)
        path = f"/api/v1/public/links/{seeded.slug}/bookings"
        statuses = burst(
            30,
            lambda i: http_json(
                base_url, "POST", path, booking(starts[i], "Victim@Example.com"), forwarded(i)
            )[0],
        )
        request_body = {"name": "Ana", "email": "victim@example.com", "preferred_times": "any"}
        asked, refusal = http_json(
            base_url,
            "POST",
            f"/api/v1/public/links/{seeded.slug}/requests",
            request_body,
            forwarded(100),
        )
        other, _ = http_json(
            base_url, "POST", path, booking(starts[30], "someone@example.com"), forwarded(101)
        )
    assert statuses == {201: 5, 429: 25}
    assert asked == 429 and refusal["error"]["code"] == "rate_limited"
    assert "email address" in refusal["error"]["message"]
    assert other == 201


def test_a_link_takes_at_most_its_cap_of_bookings(
    serve: Callable[..., Any], seeded: Seeded
) -> None:
    with serve(RENDEZVOUS_PROXY_COUNT="1", RENDEZVOUS_LINK_BOOKING_RATE_LIMIT="8 per hour") as (
        base_url
    ):
        starts = free_starts(base_url, seeded.slug, 30)
        path = f"/api/v1/public/links/{seeded.slug}/bookings"
        statuses = burst(
            30,
            lambda i: http_json(
                base_url,
                "POST",
                path,
                booking(starts[i], f"visitor{i}@example.com"),
                forwarded(i),
            )[0],
        )
    assert statuses == {201: 8, 429: 22}


def test_public_reads_from_one_address_stop_at_the_limit_give_or_take_a_batch(
    serve: Callable[..., Any], seeded: Seeded
) -> None:
    """Reads are counted in batches of limit/20 per process (server.limiter.ReadBudget):
    the four workers let through the limit, and at most three reads each beyond it."""
    with serve(RENDEZVOUS_PUBLIC_RATE_LIMIT="80 per minute") as base_url:
        path = f"/api/v1/public/links/{seeded.slug}"
        statuses = burst(200, lambda i: http_json(base_url, "GET", path)[0])
    assert set(statuses) == {200, 429}
    assert 80 <= statuses[200] <= 80 + WORKERS * 3
