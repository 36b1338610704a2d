"""Migrations keep the data they don't mean to change, down and up again, on both databases.

Issue 8 item 15: on SQLite a batch migration copies a table, drops the old one and renames the
copy; with foreign keys on, the drop cascaded and deleted every user and link.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from server.migrate import downgrade, upgrade
from tests.api.test_public_bookings import book, first_slot
from tests.conftest import create_pg_database, drop_pg_database, next_weekday

pytestmark = pytest.mark.db

#: tables that exist at every revision, whose rows a round trip must keep
EVERY_REVISION = (
    "accounts",
    "users",
    "api_tokens",
    "booking_links",
    "link_hours",
    "link_hosts",
    "link_date_overrides",
    "contacts",
    "bookings",
    "booking_hosts",
)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of each kind with nothing in it, not even the schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"rendezvous_test_migrations_{os.getpid()}"
    url = create_pg_database(name)  # migrated to head: start from nothing instead
    downgrade(url, "base")
    yield url
    drop_pg_database(name)


@pytest.fixture
def db_url(empty_url: str) -> str:
    """This module's own database, so going down and up never touches the shared one."""
    upgrade(empty_url)
    return empty_url


def _rows(url: str, columns: dict[str, list[str]] | None = None) -> dict[str, list[dict]]:
    """Every row of the ``EVERY_REVISION`` tables (only ``columns`` of each, when given)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = inspect(conn)
            out = {}
            for table in EVERY_REVISION:
                cols = (columns or {}).get(table) or [c["name"] for c in found.get_columns(table)]
                result = conn.execute(text(f"SELECT {', '.join(cols)} FROM {table}"))
                out[table] = sorted((dict(row._mapping) for row in result), key=repr)
            return out
    finally:
        engine.dispose()


def _only(rows: dict[str, list[dict]], like: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """``rows`` cut down to the columns that ``like`` has."""
    keep = {t: set(r[0]) if r else set() for t, r in like.items()}
    return {
        t: sorted(({k: v for k, v in row.items() if k in keep[t]} for row in r), key=repr)
        for t, r in rows.items()
    }


def test_down_to_the_first_revision_and_up_again_keeps_every_row(
    app, client, host, make_link, db_url
):
    link = make_link(date_overrides=[{"date": next_weekday(2).isoformat(), "hours": []}])
    for start in first_slot(client, link)[:2]:
        assert book(client, link, start).status_code == 201
    app.extensions["rendezvous.db"].kw["bind"].dispose()
    at_head = _rows(db_url)

    downgrade(db_url, "0001")
    at_first = _rows(db_url)
    assert {t: len(r) for t, r in at_first.items()} == {
        "accounts": 1,
        "users": 1,
        "api_tokens": 1,
        "booking_links": 1,
        "link_hours": 5,
        "link_hosts": 1,
        "link_date_overrides": 1,
        "contacts": 1,
        "bookings": 2,
        "booking_hosts": 2,
    }
    assert at_first == _only(at_head, at_first)

    upgrade(db_url)
    assert _only(_rows(db_url), at_first) == at_first


def test_sqlite_migrations_refuse_to_leave_broken_references(tmp_path):
    """Foreign keys are off while tables are copied; what they'd have caught fails the run."""
    path = tmp_path / "orphans.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url, "0004")
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA foreign_keys=OFF")
    raw.execute(
        "INSERT INTO api_tokens (id, user_id, token_hash, created_at, name) "
        "VALUES (1, 999, 'h', '2027-01-01 00:00:00.000000', '')"
    )
    raw.commit()
    raw.close()
    with pytest.raises(RuntimeError, match="api_tokens"):
        upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0004"
    engine.dispose()


def test_migration_0005_stores_allowed_origins_as_browsers_send_them(empty_url):
    upgrade(empty_url, "0004")
    engine = create_engine(empty_url)
    stored = [
        "https://WWW.Example.com/landing/",
        "http://localhost:8000/",
        "HTTPS://shop.example:443",
        "https://www.example.com",
        "not a url",
    ]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO accounts (id, name, allowed_origins, consent_defaults, "
                "meeting_types, accent_color, created_at) VALUES "
                "(1, 'A', :origins, '{}', '[]', '#2f6fed', '2027-01-01 00:00:00'), "
                "(2, 'B', '[]', '{}', '[]', '#2f6fed', '2027-01-01 00:00:00')"
            ),
            {"origins": json.dumps(stored)},
        )
    engine.dispose()
    upgrade(empty_url, "0005")
    engine = create_engine(empty_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, allowed_origins FROM accounts ORDER BY id")).all()
    engine.dispose()
    decoded = [(i, o if isinstance(o, list) else json.loads(o)) for i, o in rows]
    assert decoded == [
        (
            1,
            [
                "http://localhost:8000",
                "https://shop.example",
                "https://www.example.com",
                "not a url",
            ],
        ),
        (2, []),
    ]
