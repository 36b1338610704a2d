"""Secrets at rest (SPEC §5 "Credentials", A3): CalDAV passwords, ICS feed URLs, OAuth tokens.

A column typed :class:`EncryptedText` holds a Fernet token, never the clear text: a copy of
the database, a backup or a log of its rows gives nothing away without the keys.
``RENDEZVOUS_ENCRYPTION_KEYS`` lists the keys, comma-separated: the first encrypts, every one
decrypts, so a new key goes first, the old one stays after it until ``rendezvous rotate-keys``
has re-encrypted every value with the new one (:func:`rotate_keys`), and is then dropped.
Without it, one key is derived from ``RENDEZVOUS_SECRET_KEY`` (:func:`derived_key`): changing
the secret key then makes the stored secrets unreadable, hence the warning at startup
(``server.config``).

The keys come from the current app (``flask.current_app``), so encrypting and decrypting need
an app context: requests, ``rendezvous worker`` and every other command have one. A thread
started by one doesn't: push ``app.app_context()`` in it, or read the secrets before.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import MetaData, Table, Text, and_, bindparam, select, type_coerce, update
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from server.db import Base, transaction

__all__ = [
    "KEYS_SETTING",
    "EncryptedText",
    "UndecryptableSecret",
    "decrypt",
    "derived_key",
    "encrypt",
    "encrypted_columns",
    "keyring",
    "rotate_keys",
]

KEYS_SETTING = "RENDEZVOUS_ENCRYPTION_KEYS"
#: HKDF's ``info``: names what the derived key is for; a new derivation would be ``-v2``
_DERIVATION_INFO = b"rendezvous-encryption-v1"


class UndecryptableSecret(RuntimeError):
    """A stored secret that no configured key opens: the key it was written with is gone.

    Never turned into ``None``: a silently empty password would look like the host's fault.
    """

    def __init__(self, where: str = "a stored secret") -> None:
        super().__init__(
            f"{where} could not be decrypted with any key of {KEYS_SETTING} (or, when that is "
            "unset, the key derived from RENDEZVOUS_SECRET_KEY). Put the key it was written "
            f"with back into {KEYS_SETTING}, after the current one, and run "
            "`rendezvous rotate-keys`."
        )


def derived_key(secret_key: str) -> str:
    """The Fernet key used when no key is configured: HKDF-SHA256 of the app's secret key.

    HKDF, not a password hash: the secret key is already random (generated into the instance
    folder, or set by the operator), so it needs no stretching, and the derivation stays
    cheap for every process that starts. It must never change: data at rest depends on it.
    """
    return _derived_key(secret_key)


@functools.lru_cache(maxsize=8)
def _derived_key(secret_key: str) -> str:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_DERIVATION_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode())).decode("ascii")


def keyring(config: Mapping[str, Any]) -> MultiFernet:
    """The keys of ``config`` (an app's settings) as one MultiFernet, built once per key list.

    ``RENDEZVOUS_ENCRYPTION_KEYS`` is the tuple ``server.config`` checked at startup; when it
    is empty, the key derived from ``RENDEZVOUS_SECRET_KEY`` stands in.
    """
    keys = tuple(config.get(KEYS_SETTING) or ())
    if not keys:
        keys = (derived_key(config["RENDEZVOUS_SECRET_KEY"]),)
    return _multifernet(keys)


@functools.lru_cache(maxsize=16)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(text: str) -> str:
    """``text`` as a Fernet token under the current app's first key."""
    return keyring(current_app.config).encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str, *, where: str = "a stored secret") -> str:
    """The clear text of a token made by :func:`encrypt` with any of the current app's keys.

    :raise UndecryptableSecret: no configured key opens it (``where`` names it in the message).
    """
    try:
        return keyring(current_app.config).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise UndecryptableSecret(where) from exc


class EncryptedText(TypeDecorator[str]):
    """Text stored encrypted (a Fernet token in a ``TEXT`` column), clear in Python.

    Each write makes a new token (a random IV), so the column can't be searched or compared
    in SQL: look rows up by another column. ``None`` stays ``NULL``. A migration declares the
    column as plain ``sa.Text()``.

    :raise UndecryptableSecret: on reading a value that no configured key opens.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError(f"EncryptedText takes str, not {type(value).__name__}")
        return encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return decrypt(value)


def encrypted_columns(metadata: MetaData | None = None) -> dict[str, tuple[str, ...]]:
    """Which columns of which tables are :class:`EncryptedText`, by table name (sorted).

    ``metadata`` defaults to the app's declarative metadata (``server.db.Base``), which is the
    whole schema once ``server.models`` is imported, as the ``rendezvous`` command does. It is
    not imported here: the models import this module, and that would be an import circle.
    """
    metadata = Base.metadata if metadata is None else metadata
    found = {}
    for name in sorted(metadata.tables):
        columns = tuple(
            column.name
            for column in metadata.tables[name].columns
            if isinstance(column.type, EncryptedText)
        )
        if columns:
            found[name] = columns
    return found


def rotate_keys(session: Session, metadata: MetaData | None = None) -> dict[str, int]:
    """Re-encrypt every :class:`EncryptedText` value with the current first key.

    One transaction per table (a failure leaves that table as it was, and the tables done
    before it rotated, which is harmless: every key still decrypts them). A value changed by
    someone else meanwhile is left alone, since the update matches the token it read. Values
    are handled as raw tokens, never decrypted into Python objects.

    :return: the number of values rotated, by table name (``NULL`` values are not counted;
        one that changed meanwhile is, though it was left as the other writer made it).
    :raise UndecryptableSecret: a value that no configured key opens; its table is unchanged.
    """
    metadata = Base.metadata if metadata is None else metadata
    ring = keyring(current_app.config)
    rotated = {}
    for name, column_names in encrypted_columns(metadata).items():
        table = metadata.tables[name]
        with transaction(session):
            rotated[name] = sum(
                _rotate_column(session, ring, table, column) for column in column_names
            )
    return rotated


def _rotate_column(session: Session, ring: MultiFernet, table: Table, column_name: str) -> int:
    column = table.c[column_name]
    raw = type_coerce(column, Text)  # the token as stored, past EncryptedText's decryption
    keys = list(table.primary_key.columns)
    rows = session.execute(select(*keys, raw.label("token")).where(column.is_not(None))).all()
    if not rows:
        return 0
    params = []
    for row in rows:
        where = f"{table.name}.{column_name} of the row {tuple(row[: len(keys)])}"
        try:
            new = ring.rotate(row.token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeEncodeError) as exc:
            raise UndecryptableSecret(where) from exc
        values = {f"rotate_key_{i}": row[i] for i in range(len(keys))}
        params.append({**values, "rotate_old": row.token, "rotate_new": new})
    statement = (
        update(table)
        .where(
            and_(
                *(key == bindparam(f"rotate_key_{i}") for i, key in enumerate(keys)),
                raw == bindparam("rotate_old", type_=Text),
            )
        )
        .values({column_name: bindparam("rotate_new", type_=Text)})
    )
    session.execute(statement, params)
    return len(params)
