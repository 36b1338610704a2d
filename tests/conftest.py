"""Fixtures: ``now``, ``app``, ``client``, ``db_url`` (SQLite, PostgreSQL), ``host``, ``make_link``.

Every test runs at one fixed instant, ``NOW``: the app's clock (``server.clock``) reads it at the
start of each test and runs on from there; servers started as processes start at the test's
clock (``RENDEZVOUS_NOW``, ``tests/servers.py``); the browser's clock starts at it too
(``tests/browser/conftest.py``). Tests pick their dates relative to it, or pin their own with
``@pytest.mark.now``. ``RENDEZVOUS_TEST_NOW=<ISO instant>`` runs the whole suite on
another day, to show that no test depends on which day it is.

Every test that uses ``db_url`` (directly or through ``app``) runs twice, once per database.
Each database is migrated once per test worker; a test gets a fresh copy (SQLite) or truncated
tables (PostgreSQL). PostgreSQL must be running: ``make test`` starts it, and a test that can't
reach it fails, it is never skipped.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from server import clock, create_app
from server.migrate import upgrade
from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.smtp import SmtpServer

PG_ADMIN_URL = os.environ.get(
    "RENDEZVOUS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TABLES = (
    "webhook_deliveries, webhooks, meeting_requests, outbox_messages, booking_changes, "
    "booking_hosts, bookings, link_hours, "
    "link_date_overrides, link_hosts, booking_links, api_tokens, contacts, uploads, "
    "custom_domains, invitations, users, accounts"
)


#: the instant the suite runs at: a Wednesday in March, unless the environment says otherwise
NOW = datetime.fromisoformat(os.environ.get("RENDEZVOUS_TEST_NOW", "2027-03-10T09:00:00+00:00"))


def pytest_sessionstart(session: pytest.Session) -> None:
    """Session fixtures (the live app's host and its token) are made at NOW too, not today."""
    clock.set_now(NOW)


@pytest.fixture(autouse=True)
def now(request: pytest.FixtureRequest) -> Iterator[datetime]:
    """The app's "now" at the start of the test (an aware UTC datetime); time runs on from it.

    A test written against fixed calendar dates says when it runs with
    ``@pytest.mark.now("2027-01-01T09:00:00+00:00")``: its answer is then the same on any day.
    """
    marker = request.node.get_closest_marker("now")
    instant = datetime.fromisoformat(marker.args[0]) if marker else NOW
    clock.set_now(instant)
    yield instant
    clock.set_now(NOW)


def today() -> date:
    """NOW's date in UTC: what tests use for "today" instead of the machine's date."""
    return NOW.date()


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def create_pg_database(name: str) -> str:
    """A fresh, migrated PostgreSQL database; fails loudly when the server is down."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - the message is the point
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({exc}). Start it with: "
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
            pytrace=False,
        )
    finally:
        admin.dispose()
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    return url


def drop_pg_database(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


REDIS_URL = os.environ.get("RENDEZVOUS_TEST_REDIS_URL", "redis://127.0.0.1:6379")


@pytest.fixture
def redis_url() -> Iterator[str]:
    """An empty Redis database of this test worker's own; fails loudly when Redis is down."""
    import redis

    worker = _worker()
    index = 1 + (int(worker[2:]) % 15 if worker.startswith("gw") else 0)
    url = f"{REDIS_URL}/{index}"
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    except redis.RedisError as exc:  # pragma: no cover - the message is the point
        pytest.fail(
            f"Redis is not reachable at {REDIS_URL} ({exc}). Start it with: make redis",
            pytrace=False,
        )
    yield url
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """One database per test run and worker, so concurrent runs never wipe each other's."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))[:12]
    name = f"rendezvous_test_{run}_{_worker()}"
    yield create_pg_database(name)
    drop_pg_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "rendezvous.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("pg_url")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield url


def make_test_app(db_url: str, instance: Path) -> Flask:
    """An app as the tests run it, on ``db_url`` with its own instance folder: another
    process of the same deployment when a test makes a second one."""
    return create_app(
        {
            "TESTING": True,
            "RENDEZVOUS_DATABASE_URL": db_url,
            "RENDEZVOUS_INSTANCE_PATH": str(instance),
            "RENDEZVOUS_BASE_URL": "http://rendezvous.test",
            "RENDEZVOUS_RATELIMIT_ENABLED": False,
        }
    )


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_test_app(db_url, tmp_path / "instance")
    yield app
    app.extensions["rendezvous.db"].kw["bind"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@dataclass
class Host:
    """A signed-up host with a bearer token, seen from the API."""

    id: int
    email: str
    account_id: int
    prefix: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


_counter = itertools.count(1)


@pytest.fixture
def make_host(app: Flask, client: FlaskClient) -> Callable[..., Host]:
    """``make_host(name=..., timezone=..., same_account_as=host)`` → a host with a token."""

    def make(
        name: str | None = None,
        timezone: str = "Europe/Paris",
        same_account_as: Host | None = None,
        password: str = "correct horse battery",
    ) -> Host:
        from server.accounts.models import Account
        from server.accounts.signup import sign_up
        from server.db import get_session

        n = next(_counter)
        name = name or f"Host {n}"
        email = f"host{n}@example.com"
        with app.app_context():
            session = get_session()
            account = session.get(Account, same_account_as.account_id) if same_account_as else None
            user = sign_up(
                session,
                email=email,
                password=password,
                name=name,
                timezone=timezone,
                account=account,
                with_preset_links=False,
            )
            session.commit()
            user_id, account_id, prefix = user.id, user.account_id, user.meetings_prefix
        response = client.post("/api/v1/auth/tokens", json={"email": email, "password": password})
        assert response.status_code == 201, response.json
        return Host(user_id, email, account_id, prefix, response.json["token"])

    return make


@pytest.fixture
def host(make_host: Callable[..., Host]) -> Host:
    return make_host(name="Alice Martin")


def next_weekday(weekday: int, *, after: date | None = None, weeks: int = 1) -> date:
    """The date of ``weekday`` (0 = Monday) at least ``weeks`` weeks from ``after`` (NOW's date)."""
    start = (after or today()) + timedelta(weeks=weeks)
    return start + timedelta(days=(weekday - start.weekday()) % 7)


@pytest.fixture
def make_link(client: FlaskClient, host: Host) -> Callable[..., dict[str, Any]]:
    """``make_link(**fields)`` creates a link through the host API and returns its JSON.

    Defaults: 30 minutes, Mon–Fri 09:00–17:00 Europe/Paris, no notice, 4 rolling weeks.
    """

    def make(owner: Host | None = None, **fields: Any) -> dict[str, Any]:
        owner = owner or host
        body = {
            "name": f"Meeting {next(_counter)}",
            "durations": [30],
            "timezone": "Europe/Paris",
            "minimum_notice_minutes": 0,
            **fields,
        }
        response = client.post("/api/v1/links", json=body, headers=owner.headers)
        assert response.status_code == 201, response.json
        return response.json

    return make


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 keeping what it receives (tests/smtp.py)."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium per test process, for every test that drives one: Playwright's sync API
    runs one event loop per thread, so a second ``sync_playwright()`` in the process fails."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: apt-get install chromium (make test does it)", False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
