"""A stalled database is a quick 503 with the error shape, not a hang that ends in gunicorn
killing the worker and an HTML 500 (issue 12.7): a real lock held by another connection,
on PostgreSQL (lock_timeout) and on SQLite (the busy timeout)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator

import psycopg
import pytest
from flask import Flask

from server import create_app

pytestmark = pytest.mark.db

WAIT_MS = 500


@pytest.fixture
def app(db_url: str, tmp_path) -> Iterator[Flask]:
    """The usual test app, waiting at most :data:`WAIT_MS` for a lock."""
    app = create_app(
        {
            "TESTING": True,
            "RENDEZVOUS_DATABASE_URL": db_url,
            "RENDEZVOUS_INSTANCE_PATH": str(tmp_path / "instance"),
            "RENDEZVOUS_BASE_URL": "http://rendezvous.test",
            "RENDEZVOUS_RATELIMIT_ENABLED": False,
            "RENDEZVOUS_DB_LOCK_TIMEOUT_MS": WAIT_MS,
        }
    )
    yield app
    app.extensions["rendezvous.db"].kw["bind"].dispose()


def held_lock(db_url: str):
    """Another connection holding what a booking needs, until closed."""
    if db_url.startswith("sqlite"):
        locker = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")  # the one writer SQLite allows
        return locker
    locker = psycopg.connect(db_url.replace("postgresql+psycopg", "postgresql"))
    locker.execute("LOCK TABLE bookings, api_tokens IN ACCESS EXCLUSIVE MODE")
    return locker


def test_a_booking_blocked_by_a_held_lock_is_a_503_soon(app, client, make_link, db_url):
    link = make_link()
    slots = client.get(
        f"/api/v1/public/links/{link['slug']}/slots",
        query_string={"start": "2027-03-15", "end": "2027-03-15"},
    ).json["slots"]
    body = {"start": slots[0], "first_name": "Ada", "last_name": "L", "email": "ada@example.com"}
    locker = held_lock(db_url)
    try:
        began = time.perf_counter()
        response = client.post(f"/api/v1/public/links/{link['slug']}/bookings", json=body)
        waited = time.perf_counter() - began
    finally:
        locker.close()
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert response.json["error"]["code"] == "unavailable"
    assert response.headers["Retry-After"]
    assert waited < 10  # the lock timeout, not gunicorn's 30 s
    again = client.post(f"/api/v1/public/links/{link['slug']}/bookings", json=body)
    assert again.status_code == 201  # nothing was left half done


def test_the_dashboard_answers_503_not_500_while_the_database_is_stalled(app, client, host, db_url):
    from tests.dashboard.conftest import Dashboard

    dash = Dashboard(client)
    dash.sign_in(host.email)
    token = dash.csrf_token("/app/tokens")
    locker = held_lock(db_url)
    try:
        response = dash.client.post("/app/tokens", data={"csrf_token": token, "name": "CLI"})
    finally:
        locker.close()
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/html" and response.headers["Retry-After"]


def test_a_dashboard_page_that_reads_a_locked_table_is_a_503_page(app, client, host, db_url):
    from tests.dashboard.conftest import Dashboard

    dash = Dashboard(client)
    dash.sign_in(host.email)
    locker = held_lock(db_url)  # PostgreSQL: api_tokens can't even be read
    try:
        response = dash.client.get("/app/tokens")
    finally:
        locker.close()
    expected = 503 if db_url.startswith("postgresql") else 200  # SQLite's readers never wait
    assert response.status_code == expected
    assert response.mimetype == "text/html"
