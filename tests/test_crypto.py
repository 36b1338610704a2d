"""Secrets at rest (SPEC §5 "Credentials", A3): encrypted with the first key, read with any,
re-encrypted by ``rendezvous rotate-keys``; a bad key stops the start, a lost key says so.

The schema has its own encrypted columns (calendars); these tests prove the machinery on a
table of their own, ``crypto_test_secrets``, created in each test database and dropped after.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet, InvalidToken
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

import server.models
from server import create_app
from server.cli import main, rotate_keys_command
from server.config import InvalidSetting
from server.crypto import (
    EncryptedText,
    UndecryptableSecret,
    decrypt,
    derived_key,
    encrypt,
    encrypted_columns,
    keyring,
    rotate_keys,
)
from server.db import get_session, transaction


def _key(n: int) -> str:
    """A fixed Fernet key per number, so each test reads the same on every run."""
    return base64.urlsafe_b64encode(bytes([n]) * 32).decode()


OLD, NEW, OTHER = _key(1), _key(2), _key(3)


class _Base(DeclarativeBase):
    pass


class _Secret(_Base):
    __tablename__ = "crypto_test_secrets"

    id: Mapped[int] = mapped_column(primary_key=True)
    password: Mapped[str] = mapped_column(EncryptedText)
    feed_url: Mapped[str | None] = mapped_column(EncryptedText)
    label: Mapped[str] = mapped_column(default="")


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """``make_app(keys, db_url=...)``: an app with these encryption keys (None: unset)."""
    apps = []

    def make(keys: str | None, *, db_url: str | None = None, secret: str = "s3cret") -> Flask:
        settings = {
            "TESTING": True,
            "RENDEZVOUS_INSTANCE_PATH": str(tmp_path / "instance"),
            "RENDEZVOUS_DATABASE_URL": db_url or f"sqlite:///{tmp_path / 'unused.sqlite3'}",
            "RENDEZVOUS_SECRET_KEY": secret,
            "RENDEZVOUS_ENCRYPTION_KEYS": keys,
        }
        app = create_app(settings)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["rendezvous.db"].kw["bind"].dispose()


@pytest.fixture
def secrets_table(db_url: str) -> Iterator[str]:
    """The test table in the test database (``db_url``), dropped after the test."""
    engine = create_engine(db_url)
    _Base.metadata.create_all(engine)
    yield db_url
    _Base.metadata.drop_all(engine)
    engine.dispose()


def _store(app: Flask, **values: str | None) -> int:
    with app.app_context():
        session = get_session()
        with transaction(session):
            row = _Secret(**values)
            session.add(row)
        return row.id


def _raw(app: Flask) -> list[tuple[int, str, str | None]]:
    """The columns as stored, read with plain SQL (no EncryptedText on the way)."""
    with app.app_context():
        return list(
            get_session().execute(
                text("SELECT id, password, feed_url FROM crypto_test_secrets ORDER BY id")
            )
        )


# -- keys and tokens ------------------------------------------------------------------------


@given(st.text())
def test_any_text_comes_back_as_it_went_in(clear: str):
    ring = keyring({"RENDEZVOUS_ENCRYPTION_KEYS": (NEW,), "RENDEZVOUS_SECRET_KEY": "x"})
    token = ring.encrypt(clear.encode())
    assert ring.decrypt(token).decode() == clear


def test_encrypt_uses_the_first_key_and_decrypt_reads_with_any(make_app):
    with make_app(OLD).app_context():
        written_with_old = encrypt("hunter2")
    with make_app(f"{NEW}, {OLD}").app_context():
        assert decrypt(written_with_old) == "hunter2"
        written_now = encrypt("correct horse")
    assert Fernet(NEW).decrypt(written_now.encode()) == b"correct horse"
    with pytest.raises(InvalidToken):
        Fernet(OLD).decrypt(written_now.encode())


def test_a_token_no_configured_key_opens_is_refused_naming_the_way_out(make_app):
    with make_app(OLD).app_context():
        token = encrypt("hunter2")
    with make_app(NEW).app_context(), pytest.raises(UndecryptableSecret) as caught:
        decrypt(token)
    assert "RENDEZVOUS_ENCRYPTION_KEYS" in str(caught.value)
    assert "rotate-keys" in str(caught.value)


def test_the_keyring_is_built_once_per_list_of_keys():
    config = {"RENDEZVOUS_ENCRYPTION_KEYS": (NEW, OLD), "RENDEZVOUS_SECRET_KEY": "x"}
    assert keyring(config) is keyring(dict(config))
    assert keyring(config) is not keyring({**config, "RENDEZVOUS_ENCRYPTION_KEYS": (NEW,)})


def test_without_keys_the_key_derived_from_the_secret_key_is_used_with_a_warning(make_app, caplog):
    with caplog.at_level(logging.WARNING, logger="server.config"):
        app = make_app(None, secret="s3cret")
    warnings = [r for r in caplog.records if "RENDEZVOUS_ENCRYPTION_KEYS" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    with app.app_context():
        token = encrypt("hunter2")
    assert Fernet(derived_key("s3cret")).decrypt(token.encode()) == b"hunter2"
    with make_app(None, secret="another secret").app_context(), pytest.raises(UndecryptableSecret):
        decrypt(token)


def test_the_derived_key_never_changes():
    """Data at rest depends on it: HKDF-SHA256, info "rendezvous-encryption-v1", no salt
    (the value checked against RFC 5869's steps done by hand with ``hmac``)."""
    assert derived_key("s3cret") == "UNwLtog5Xv0wHexQ1gx4wPNyaxebtTyvCJNZAzTPenM="


@pytest.mark.parametrize("keys", ["not-a-key", f"{NEW},short", "x" * 44])
def test_a_malformed_key_stops_the_app_from_starting_naming_the_setting(make_app, keys):
    with pytest.raises(InvalidSetting) as caught:
        make_app(keys)
    message = str(caught.value)
    assert message.startswith("RENDEZVOUS_ENCRYPTION_KEYS: key ")
    assert "not a Fernet key" in message
    assert "short" not in message and "not-a-key" not in message  # a secret is never echoed


def test_keys_come_from_the_environment_comma_separated(tmp_path, monkeypatch):
    monkeypatch.setenv("RENDEZVOUS_ENCRYPTION_KEYS", f" {NEW} ,{OLD},")
    monkeypatch.setenv("RENDEZVOUS_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    app = create_app({"RENDEZVOUS_INSTANCE_PATH": str(tmp_path / "instance")})
    assert app.config["RENDEZVOUS_ENCRYPTION_KEYS"] == (NEW, OLD)
    app.extensions["rendezvous.db"].kw["bind"].dispose()


def test_the_command_line_refuses_a_malformed_key_with_exit_status_2(tmp_path):
    env = {
        "RENDEZVOUS_INSTANCE_PATH": str(tmp_path / "instance"),
        "RENDEZVOUS_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "RENDEZVOUS_ENCRYPTION_KEYS": "not-a-key",
    }
    result = CliRunner().invoke(main, ["rotate-keys"], env=env)
    assert result.exit_code == 2
    assert "RENDEZVOUS_ENCRYPTION_KEYS: key 1 of 1 is not a Fernet key" in result.output


# -- the column type --------------------------------------------------------------------


@pytest.mark.db
def test_an_encrypted_column_holds_a_token_and_reads_back_clear(make_app, secrets_table):
    app = make_app(NEW, db_url=secrets_table)
    row_id = _store(app, password="hunter2", feed_url="https://cal.example/secret-token.ics")
    [(_, password, feed_url)] = _raw(app)
    assert "hunter2" not in password and "secret-token" not in feed_url
    assert Fernet(NEW).decrypt(password.encode()) == b"hunter2"
    assert Fernet(NEW).decrypt(feed_url.encode()) == b"https://cal.example/secret-token.ics"
    with make_app(f"{OTHER},{NEW}", db_url=secrets_table).app_context():
        row = get_session().get(_Secret, row_id)
        assert (row.password, row.feed_url) == ("hunter2", "https://cal.example/secret-token.ics")


@pytest.mark.db
def test_none_stays_null(make_app, secrets_table):
    app = make_app(NEW, db_url=secrets_table)
    row_id = _store(app, password="hunter2", feed_url=None)
    [(_, _, feed_url)] = _raw(app)
    assert feed_url is None
    with app.app_context():
        assert get_session().get(_Secret, row_id).feed_url is None


@pytest.mark.db
def test_reading_a_value_no_key_opens_raises_instead_of_giving_none(make_app, secrets_table):
    row_id = _store(make_app(OLD, db_url=secrets_table), password="hunter2")
    with make_app(NEW, db_url=secrets_table).app_context(), pytest.raises(UndecryptableSecret):
        get_session().get(_Secret, row_id)


def test_the_registry_lists_every_encrypted_column_of_a_schema():
    assert encrypted_columns(_Base.metadata) == {"crypto_test_secrets": ("password", "feed_url")}


# -- rotation -------------------------------------------------------------------------------


@pytest.mark.db
def test_rotation_re_encrypts_every_value_with_the_new_first_key(make_app, secrets_table):
    old_app = make_app(OLD, db_url=secrets_table)
    first = _store(old_app, password="hunter2", feed_url="https://cal.example/a.ics")
    second = _store(old_app, password="correct horse", feed_url=None)
    before = _raw(old_app)

    rotating = make_app(f"{NEW},{OLD}", db_url=secrets_table)
    with rotating.app_context():
        assert rotate_keys(get_session(), _Base.metadata) == {"crypto_test_secrets": 3}

    after = _raw(rotating)

    def opened_with_new_key_alone(token: str | None) -> bytes | None:
        return None if token is None else Fernet(NEW).decrypt(token.encode())

    assert [
        (i, opened_with_new_key_alone(p), opened_with_new_key_alone(f)) for i, p, f in after
    ] == [
        (first, b"hunter2", b"https://cal.example/a.ics"),
        (second, b"correct horse", None),
    ]
    assert all(a[1] != b[1] for a, b in zip(before, after, strict=True))
    with make_app(NEW, db_url=secrets_table).app_context():
        rows = get_session().scalars(select(_Secret).order_by(_Secret.id)).all()
        assert [(r.password, r.feed_url) for r in rows] == [
            ("hunter2", "https://cal.example/a.ics"),
            ("correct horse", None),
        ]


@pytest.mark.db
def test_rotation_stops_at_a_value_no_key_opens_and_leaves_its_table_as_it_was(
    make_app, secrets_table
):
    _store(make_app(OLD, db_url=secrets_table), password="hunter2")
    _store(make_app(OTHER, db_url=secrets_table), password="lost key")
    app = make_app(f"{NEW},{OLD}", db_url=secrets_table)
    before = _raw(app)
    with app.app_context(), pytest.raises(UndecryptableSecret) as caught:
        rotate_keys(get_session(), _Base.metadata)
    assert "crypto_test_secrets.password" in str(caught.value)
    assert _raw(app) == before


@pytest.mark.db
def test_the_rotate_keys_command_reports_each_encrypted_table_of_the_schema(app):
    result = app.test_cli_runner().invoke(rotate_keys_command)
    assert result.exit_code == 0, result.output
    tables = encrypted_columns(server.models.metadata)
    expected = [f"{table}: 0 values rotated" for table in tables] or [
        "Nothing needed rotating: no column of the schema is encrypted."
    ]
    assert result.output.splitlines() == expected
