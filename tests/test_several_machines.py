"""Several machines behave as one (issue 14, item 2; SPEC §12 "Several machines").

Two app servers (``rendezvous serve``) and two ``rendezvous worker`` loops, each with an
instance folder of its own, as four machines would have, run against one PostgreSQL database
and one Redis, with one SMTP server (aiosmtpd) taking the mail. They share only what a
deployment gives every machine: the environment's
``RENDEZVOUS_SECRET_KEY``, ``RENDEZVOUS_ENCRYPTION_KEYS``, ``RENDEZVOUS_DATABASE_URL``,
``RENDEZVOUS_RATELIMIT_STORAGE_URL`` and ``RENDEZVOUS_BASE_URL`` (the load balancer's name).
A session, a token, a rate limit and an encrypted secret made on one server hold on the
other, and each email leaves once however the two workers share the outbox.

The processes are started once for the module, all at once. Each app server runs one
gunicorn worker (``SERVER_WORKERS``): the workers of one server sharing counters and slots
are test_rate_limits_across_workers.py's and test_race.py's subject. Each test uses hosts
and client addresses of its own (the servers trust one proxy, ``X-Forwarded-For``), so no
test depends on another's counters or mail. Redis database 0, which the per-worker
``redis_url`` fixture never uses (1–15), holds the counters and is emptied at the start.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from tests.conftest import REDIS_URL, create_pg_database, drop_pg_database, next_weekday
from tests.radicale import Radicale, RadicaleProxy, running_radicale
from tests.servers import (
    BIN,
    ROOT,
    SEED_PASSWORD,
    seed_host_and_link,
    start_gunicorn,
    start_worker,
)
from tests.smtp import SmtpServer

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("gunicorn")]

TZ = "Europe/Paris"
#: what every machine is told the site is called (the load balancer's address)
PUBLIC_BASE_URL = "http://rendezvous.test"
#: the Redis database of this module: the per-worker ``redis_url`` fixture uses 1 to 15
REDIS_DB = 0
WORKER_INTERVAL = 0.2
#: gunicorn workers of each app server
SERVER_WORKERS = 1
BOOKINGS = 20
TIMEOUT = 60


@dataclass
class Machines:
    """The deployment: two servers' URLs, the workers' logs, the mail server, the database."""

    a: str
    b: str
    worker_logs: list[Path]
    instances: list[Path]
    smtp: SmtpServer
    db_url: str
    env: dict[str, str]
    redis: Any

    def sql(self, statement: str, **params: Any) -> list[Any]:
        engine = create_engine(self.db_url)
        try:
            with engine.connect() as conn:
                return list(conn.execute(text(statement), params))
        finally:
            engine.dispose()


_addresses = iter(range(1, 255))
#: a block of client addresses of this run, so a concurrent run's counters never mix in
_NET = f"10.{secrets.randbelow(250) + 1}.{secrets.randbelow(250) + 1}"


def client_address() -> dict[str, str]:
    """Headers saying, as the trusted proxy would, that a new client sent the request."""
    return {"X-Forwarded-For": f"{_NET}.{next(_addresses)}"}


@pytest.fixture(scope="module")
def machines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Machines]:
    import redis

    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))[:12]
    name = f"rendezvous_machines_{run}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    redis_url = f"{REDIS_URL}/{REDIS_DB}"
    store = redis.Redis.from_url(redis_url)
    try:
        store.flushdb()
    except redis.RedisError as exc:  # pragma: no cover - the message is the point
        pytest.fail(
            f"Redis is not reachable at {REDIS_URL} ({exc}). Start it with: make redis",
            pytrace=False,
        )
    db_url = create_pg_database(name)
    env = {
        "RENDEZVOUS_SECRET_KEY": secrets.token_urlsafe(48),
        "RENDEZVOUS_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "RENDEZVOUS_RATELIMIT_STORAGE_URL": redis_url,
        "RENDEZVOUS_RATELIMIT_ENABLED": "1",
        "RENDEZVOUS_LOGIN_RATE_LIMIT": "6 per minute",
        "RENDEZVOUS_PROXY_COUNT": "1",
        "RENDEZVOUS_BASE_URL": PUBLIC_BASE_URL,
        "RENDEZVOUS_CALENDAR_ALLOW_PRIVATE_HOSTS": "1",  # Radicale is on loopback
    }
    smtp = SmtpServer().start()
    root = tmp_path_factory.mktemp("machines")
    try:
        with ExitStack() as stack:
            worker_env = env | {"RENDEZVOUS_SMTP_URL": smtp.url}
            workers = [
                start_worker(
                    db_url,
                    root / f"worker-{n}",
                    base_url=PUBLIC_BASE_URL,
                    interval=WORKER_INTERVAL,
                    env=worker_env,
                )
                for n in (1, 2)
            ]
            servers = [
                start_gunicorn(db_url, SERVER_WORKERS, root / f"server-{n}", via_cli=True, env=env)
                for n in ("a", "b")
            ]
            *logs, a, b = enter_together(stack, [*workers, *servers])
            instances = [root / d / "instance" for d in ("worker-1", "worker-2")]
            instances += [root / d / "instance" for d in ("server-a", "server-b")]
            yield Machines(a, b, logs, instances, smtp, db_url, env, store)
    finally:
        smtp.stop()
        store.flushdb()
        store.close()
        drop_pg_database(name)


def enter_together(stack: ExitStack, managers: list[AbstractContextManager[Any]]) -> list[Any]:
    """Enter the context managers at once, and have ``stack`` leave them at once: four
    processes start and stop in the time of the slowest. The first failure is raised after
    every one has been tried (those that started are stopped)."""
    with ThreadPoolExecutor(max_workers=len(managers)) as pool:
        futures = [pool.submit(manager.__enter__) for manager in managers]
    entered, values, failures = [], [], []
    for manager, future in zip(managers, futures, strict=True):
        try:
            values.append(future.result())
        except Exception as exc:
            failures.append(exc)
        else:
            entered.append(manager)

    def leave() -> None:
        with ThreadPoolExecutor(max_workers=len(managers)) as pool:
            list(pool.map(lambda manager: manager.__exit__(None, None, None), entered))

    stack.callback(leave)
    if failures:
        raise failures[0]
    return values


class CountingProxy(RadicaleProxy):
    """Radicale as it is, with the UID of every event PUT to it noted on the way.

    Only PUTs with a login count as writes: the CalDAV client of each job sends its first
    request without one (Radicale answers 401 and stores nothing) and then again with the
    login the 401 asks for."""

    def __init__(self, radicale: Radicale) -> None:
        super().__init__(radicale)
        self.put_uids: list[str] = []

    def rewrite(
        self, command: str, headers: dict[str, str], body: bytes
    ) -> tuple[dict[str, str], bytes]:
        if command == "PUT" and headers.get("Authorization"):
            found = re.search(rb"^UID:(.+?)\r?$", body, re.MULTILINE)
            self.put_uids.append(found.group(1).decode() if found else "")
        return headers, body


@pytest.fixture(scope="module")
def caldav(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Radicale, CountingProxy]]:
    """A real Radicale, reached through a proxy that counts the PUTs."""
    with (
        running_radicale(tmp_path_factory.mktemp("radicale")) as radicale,
        CountingProxy(radicale) as proxy,
    ):
        yield radicale, proxy


# -- helpers -----------------------------------------------------------------------------


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def sign_in(base_url: str, email: str) -> requests.Session:
    """The dashboard's sign-in form, as a browser fills it in: the page, then the POST."""
    browser = requests.Session()
    page = browser.get(f"{base_url}/app/login", timeout=TIMEOUT)
    assert page.status_code == 200
    form = {"csrf_token": csrf_token(page.text), "email": email, "password": SEED_PASSWORD}
    signed = browser.post(
        f"{base_url}/app/login", data=form, timeout=TIMEOUT, allow_redirects=False
    )
    assert signed.status_code == 302, signed.text[:500]
    assert urlsplit(signed.headers["Location"]).path == "/app/links"
    return browser


def links_page(base_url: str, cookies: dict[str, str]) -> requests.Response:
    return requests.get(
        f"{base_url}/app/links", cookies=cookies, timeout=TIMEOUT, allow_redirects=False
    )


def sent_to_login(response: requests.Response) -> bool:
    return response.status_code == 302 and (
        urlsplit(response.headers["Location"]).path == "/app/login"
    )


def api(
    base_url: str, method: str, path: str, *, token: str | None = None, **kwargs: Any
) -> requests.Response:
    headers = {"Accept": "application/json", **kwargs.pop("headers", {})}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(method, f"{base_url}{path}", headers=headers, timeout=TIMEOUT, **kwargs)


def free_starts(base_url: str, slug: str, count: int) -> list[str]:
    starts: list[str] = []
    day = next_weekday(0)
    while len(starts) < count:
        query = urlencode({"start": day, "end": day + timedelta(days=4), "timezone": TZ})
        answer = api(
            base_url,
            "GET",
            f"/api/v1/public/links/{slug}/slots?{query}",
            headers=client_address(),
        )
        assert answer.status_code == 200, answer.text
        starts += answer.json()["slots"]
        day += timedelta(weeks=1)
    return starts[:count]


def book(base_url: str, slug: str, start: str, visitor: str, last_name: str) -> int:
    return book_answer(base_url, slug, start, visitor, last_name).status_code


def book_answer(
    base_url: str, slug: str, start: str, visitor: str, last_name: str
) -> requests.Response:
    body = {
        "start": start,
        "timezone": TZ,
        "first_name": "Visitor",
        "last_name": last_name,
        "email": visitor,
    }
    path = f"/api/v1/public/links/{slug}/bookings"
    return api(base_url, "POST", path, json=body, headers=client_address())


def sent_counts(log: Path) -> int:
    """How many messages a worker's log says it sent ("sent 3, retrying 0, …" per pass)."""
    return sum(int(n) for n in re.findall(r"\bsent (\d+), retrying", log.read_text()))


# -- one deployment, many machines -------------------------------------------------------


def test_a_dashboard_session_made_on_one_server_is_valid_on_the_other_until_signed_out(
    machines: Machines,
) -> None:
    host = seed_host_and_link(machines.db_url)
    assert sent_to_login(links_page(machines.b, {}))  # without a session, B sends one away

    browser = sign_in(machines.a, host.email)  # its cookies go to both: the same site
    on_b = browser.get(f"{machines.b}/app/links", timeout=TIMEOUT, allow_redirects=False)
    assert on_b.status_code == 200, on_b.headers.get("Location")
    assert host.links[0]["name"] in on_b.text

    copied = browser.cookies.get_dict()  # what a stolen copy of the cookie would be
    signed_out = browser.post(
        f"{machines.b}/app/logout",
        data={"csrf_token": csrf_token(on_b.text)},  # B's form, in A's session
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    assert sent_to_login(signed_out)
    assert sent_to_login(links_page(machines.a, copied))  # the session is over on A too
    assert sent_to_login(links_page(machines.b, copied))


def test_a_bearer_token_made_on_one_server_opens_the_api_on_the_other(
    machines: Machines,
) -> None:
    host = seed_host_and_link(machines.db_url)
    made = api(
        machines.a,
        "POST",
        "/api/v1/auth/tokens",
        json={"email": host.email, "password": SEED_PASSWORD},
        headers=client_address(),
    )
    assert made.status_code == 201, made.text
    token, token_id = made.json()["token"], made.json()["id"]
    assert api(machines.b, "GET", "/api/v1/links").status_code == 401

    listed = api(machines.b, "GET", "/api/v1/links", token=token)
    assert listed.status_code == 200, listed.text
    assert [link["slug"] for link in listed.json()["items"]] == [host.slug]

    revoked = api(machines.b, "DELETE", f"/api/v1/auth/tokens/{token_id}", token=token)
    assert revoked.status_code == 204
    assert api(machines.a, "GET", "/api/v1/links", token=token).status_code == 401


def test_a_rate_limit_counts_the_requests_of_both_servers_together(
    machines: Machines,
) -> None:
    """Six API sign-ins a minute per address: A and B in turn allow six in all, not each."""
    client = client_address()
    answers = [
        api(
            (machines.a, machines.b)[i % 2],
            "POST",
            "/api/v1/auth/tokens",
            json={"email": f"nobody{i}@example.com", "password": "x" * 10},
            headers=client,
        )
        for i in range(10)
    ]
    assert [r.status_code for r in answers] == [401] * 6 + [429] * 4
    for refused in answers[6:]:  # from A and from B alike
        assert refused.json()["error"]["code"] == "rate_limited", refused.text
        assert refused.json()["error"]["message"]
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
    address = client["X-Forwarded-For"]
    assert list(machines.redis.scan_iter(match=f"*{address}*")), "the counter is not in Redis"
    # another client is not held back by this one's count, on either server
    other = client_address()
    for base_url in (machines.a, machines.b):
        body = {"email": "nobody@example.com", "password": "x" * 10}
        answer = api(base_url, "POST", "/api/v1/auth/tokens", json=body, headers=other)
        assert answer.status_code == 401


def test_each_bookings_emails_leave_once_with_two_workers_sharing_the_outbox(
    machines: Machines,
) -> None:
    host = seed_host_and_link(
        machines.db_url,
        window={"rolling_weeks": 8},
        availability={d: [["08:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    )
    sent_before = [sent_counts(log) for log in machines.worker_logs]
    starts = free_starts(machines.a, host.slug, BOOKINGS)
    tag = secrets.token_hex(4)
    visitors = [f"visitor{i}-{tag}@example.com" for i in range(BOOKINGS)]
    barrier = threading.Barrier(BOOKINGS)

    def one(i: int) -> int:
        barrier.wait(timeout=TIMEOUT)
        server = (machines.a, machines.b)[i % 2]
        return book(server, host.slug, starts[i], visitors[i], f"N{i}")

    with ThreadPoolExecutor(max_workers=BOOKINGS) as pool:  # all at once, half on each
        statuses = list(pool.map(one, range(BOOKINGS)))
    assert statuses == [201] * BOOKINGS

    mine = {host.email, *visitors}

    def received() -> list[Any]:
        return [m for m in machines.smtp.messages if mine & set(m.recipients)]

    deadline = time.monotonic() + TIMEOUT
    while len(received()) < 2 * BOOKINGS and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(5 * WORKER_INTERVAL)  # several more passes of both workers: nothing repeats

    messages = received()
    assert len(messages) == 2 * BOOKINGS, [m.message["Subject"] for m in messages]
    assert set(machines.smtp.message_id_counts().values()) == {1}
    by_recipient = Counter(m.to for m in messages)
    assert by_recipient == {host.email: BOOKINGS, **{v: 1 for v in visitors}}
    to_host = [str(m.message["Subject"]) for m in messages if m.to == host.email]
    assert len(set(to_host)) == BOOKINGS  # one notification per booking, none twice
    rows = machines.sql(
        "SELECT o.kind, o.status, o.attempts FROM outbox_messages o "
        "JOIN users u ON u.account_id = o.account_id "
        "WHERE u.id = :host AND o.kind IN ('invitation', 'host_notification')",
        host=host.host_id,
    )
    assert Counter(tuple(row) for row in rows) == {
        ("invitation", "sent", 1): BOOKINGS,
        ("host_notification", "sent", 1): BOOKINGS,
    }
    # both workers took part: each sent some of these, and together exactly these
    shares = [
        sent_counts(log) - before
        for log, before in zip(machines.worker_logs, sent_before, strict=True)
    ]
    assert sum(shares) == 2 * BOOKINGS, shares
    assert min(shares) > 0, shares


def test_each_bookings_calendar_event_is_written_once_with_two_workers(
    machines: Machines, caldav: tuple[Radicale, CountingProxy]
) -> None:
    """The host's CalDAV calendar is connected on A (its password kept encrypted), made the
    default on B; the bookings' write-back jobs, run by whichever worker claims them, PUT
    each event once."""
    radicale, proxy = caldav
    host = seed_host_and_link(machines.db_url)
    user, password = radicale.new_user()
    calendar_url = radicale.make_calendar(user, "work", "Work")
    login = {"provider": "caldav", "url": proxy.base_url + "/"}
    login |= {"username": user, "password": password}
    connected = api(machines.a, "POST", "/api/v1/calendars", token=host.token, json=login)
    assert connected.status_code == 201, connected.text
    (calendar,) = connected.json()["calendars"]
    choice = {"calendars": [{"id": calendar["id"], "is_default": True}]}
    path = f"/api/v1/calendars/{connected.json()['id']}"
    made_default = api(machines.b, "PATCH", path, token=host.token, json=choice)
    assert made_default.status_code == 200, made_default.text

    count = BOOKINGS // 2
    starts = free_starts(machines.a, host.slug, count)
    tag = secrets.token_hex(4)
    barrier = threading.Barrier(count)

    def one(i: int) -> requests.Response:
        barrier.wait(timeout=TIMEOUT)
        server = (machines.a, machines.b)[i % 2]
        return book_answer(server, host.slug, starts[i], f"cal{i}-{tag}@example.com", f"C{i}")

    with ThreadPoolExecutor(max_workers=count) as pool:
        answers = list(pool.map(one, range(count)))
    assert [a.status_code for a in answers] == [201] * count, [a.text for a in answers]
    domain = urlsplit(PUBLIC_BASE_URL).hostname
    uids = {f"booking-{a.json()['id']}@{domain}" for a in answers}

    deadline = time.monotonic() + TIMEOUT
    while len(radicale.names(user, calendar_url)) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(5 * WORKER_INTERVAL)  # several more passes of both workers: nothing repeats

    assert radicale.names(user, calendar_url) == sorted(f"{uid}.ics" for uid in uids)
    assert Counter(proxy.put_uids) == dict.fromkeys(uids, 1)
    jobs = machines.sql(
        "SELECT j.status, j.attempts FROM calendar_jobs j JOIN bookings b ON b.id = j.booking_id "
        "JOIN booking_hosts h ON h.booking_id = b.id WHERE h.user_id = :host",
        host=host.host_id,
    )
    assert Counter(tuple(job) for job in jobs) == {("done", 1): count}


def test_a_booking_on_one_server_leaves_the_slots_the_other_keeps(machines: Machines) -> None:
    """B keeps its slots answers in memory (issue 14.4); a booking committed through A is
    gone from B's next answer, and a cancel through A brings it back."""

    def offered() -> list[str]:
        day = next_weekday(1)
        query = urlencode({"start": day, "end": day, "timezone": TZ})
        path = f"/api/v1/public/links/{host.slug}/slots?{query}"
        answer = api(machines.b, "GET", path, headers=client_address())
        assert answer.status_code == 200, answer.text
        return answer.json()["slots"]

    host = seed_host_and_link(machines.db_url)
    first = offered()
    assert offered() == first  # kept
    made = book_answer(machines.a, host.slug, first[2], "kept@example.com", "Kept")
    assert made.status_code == 201, made.text
    assert first[2] not in offered()
    token = made.json()["manage_token"]
    cancelled = api(machines.a, "POST", f"/api/v1/public/bookings/{token}/cancel", json={})
    assert cancelled.status_code == 200, cancelled.text
    assert offered() == first


def test_a_secret_encrypted_by_one_server_is_read_by_the_other(machines: Machines) -> None:
    """The calendar subscription's address is kept encrypted: made on A, shown by B."""
    host = seed_host_and_link(machines.db_url)
    start = free_starts(machines.b, host.slug, 1)[0]
    assert book(machines.b, host.slug, start, "feed-visitor@example.com", "Feed") == 201

    made = api(machines.a, "POST", "/api/v1/account/calendar-feed", token=host.token)
    assert made.status_code == 201, made.text
    url = made.json()["url"]
    assert url.startswith(f"{PUBLIC_BASE_URL}/feeds/rdvcal_")
    token = urlsplit(url).path.removeprefix("/feeds/").removesuffix(".ics")
    (stored,) = machines.sql(
        "SELECT f.token FROM calendar_feeds f WHERE f.user_id = :host", host=host.host_id
    )
    assert token not in stored[0]  # encrypted at rest, so only the keys can show it again
    Fernet(machines.env["RENDEZVOUS_ENCRYPTION_KEYS"]).decrypt(stored[0].encode())

    shown = api(machines.b, "GET", "/api/v1/account/calendar-feed", token=host.token)
    assert shown.status_code == 200, shown.text
    assert shown.json()["url"] == url
    feed = requests.get(f"{machines.b}{urlsplit(url).path}", timeout=TIMEOUT)
    assert feed.status_code == 200
    assert feed.headers["Content-Type"].startswith("text/calendar")
    assert feed.text.startswith("BEGIN:VCALENDAR")
    assert feed.text.count("BEGIN:VEVENT") == 1


def test_no_machine_writes_a_key_of_its_own(machines: Machines) -> None:
    """Both servers and both workers have run with the keys from the environment: none of
    their instance folders holds a generated key."""
    assert all(instance.is_dir() for instance in machines.instances[2:])  # the servers'
    keys = [p for inst in machines.instances for p in inst.rglob("*") if "key" in p.name]
    assert keys == []


@pytest.mark.parametrize(
    "command", [["serve", "--bind", "127.0.0.1:1", "--workers", "1"], ["worker"]]
)
def test_without_the_secret_key_servers_and_workers_on_postgresql_refuse_to_start(
    machines: Machines, tmp_path: Path, command: list[str]
) -> None:
    """Everything else a machine is given, the encryption keys too; only the secret key is
    missing: it stops with exit status 2, before writing a key into its instance folder."""
    instance = tmp_path / "instance"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RENDEZVOUS_")}
    env |= {k: v for k, v in machines.env.items() if k != "RENDEZVOUS_SECRET_KEY"}
    env |= {"RENDEZVOUS_DATABASE_URL": machines.db_url, "RENDEZVOUS_INSTANCE_PATH": str(instance)}
    done = subprocess.run(
        [str(BIN / "rendezvous"), *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 2, done.stderr
    assert "RENDEZVOUS_SECRET_KEY: required with PostgreSQL" in done.stderr
    assert "Traceback" not in done.stderr
    assert not instance.exists() or list(instance.iterdir()) == []


def test_without_encryption_keys_every_machine_derives_the_same_one_from_the_secret_key(
    machines: Machines, tmp_path: Path
) -> None:
    """SPEC §12 wants no key generated per machine on PostgreSQL. Unset, the encryption key
    is derived from the environment's secret key (server.crypto), not kept in the instance
    folder: two machines with folders of their own and only the shared secret key read each
    other's secrets, and a machine with another secret key reads none."""
    from server import create_app
    from server.crypto import UndecryptableSecret, decrypt

    host = seed_host_and_link(machines.db_url)

    def machine(name: str, secret_key: str) -> Any:
        return create_app(
            {
                "RENDEZVOUS_DATABASE_URL": machines.db_url,
                "RENDEZVOUS_INSTANCE_PATH": str(tmp_path / name),
                "RENDEZVOUS_SECRET_KEY": secret_key,
                "RENDEZVOUS_ENCRYPTION_KEYS": None,
                "RENDEZVOUS_RATELIMIT_ENABLED": False,
            }
        )

    shared = machines.env["RENDEZVOUS_SECRET_KEY"]
    one, two, stranger = machine("one", shared), machine("two", shared), machine("x", "other")
    try:
        headers = {"Authorization": f"Bearer {host.token}"}
        made = one.test_client().post("/api/v1/account/calendar-feed", headers=headers)
        assert made.status_code == 201, made.json
        shown = two.test_client().get("/api/v1/account/calendar-feed", headers=headers)
        assert shown.status_code == 200, shown.json
        assert shown.json["url"] == made.json["url"]
        (stored,) = machines.sql(
            "SELECT f.token FROM calendar_feeds f WHERE f.user_id = :host", host=host.host_id
        )
        with two.app_context():
            assert made.json["url"].endswith(f"/feeds/{decrypt(stored[0])}.ics")
        with stranger.app_context(), pytest.raises(UndecryptableSecret):
            decrypt(stored[0])
    finally:
        for app in (one, two, stranger):
            app.extensions["rendezvous.db"].kw["bind"].dispose()
    assert [p.name for p in tmp_path.rglob("*") if "key" in p.name] == []
