"""Alembic environment: the URL comes from the app's settings, the metadata from the models.

On SQLite, a batch migration copies a table, drops the old one and renames the copy. With
foreign keys on (as :func:`server.db.make_engine` sets them for the app), that drop cascades
and deletes every row that points at the table: a downgrade of ``users`` emptied bookings and
links. So migrations run with foreign keys off, in one transaction, and before it commits
``PRAGMA foreign_key_check`` must find nothing, or the whole run is rolled back and fails.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from server.db import make_engine
from server.models import metadata

config = context.config


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _set_sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    """Only possible outside a transaction (SQLite ignores the pragma inside one)."""
    if connection.in_transaction():
        connection.commit()
    cursor = connection.connection.dbapi_connection.cursor()  # no BEGIN around it
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
        cursor.execute("PRAGMA foreign_keys")
        state = cursor.fetchone()[0]
    finally:
        cursor.close()
    if bool(state) != on:
        raise RuntimeError("Could not switch SQLite foreign keys for the migration.")


def _check_sqlite_foreign_keys(connection: Connection) -> None:
    """:raise RuntimeError: rows whose references the migration left broken, by table."""
    broken = connection.execute(text("PRAGMA foreign_key_check")).all()
    if broken:
        rows = ", ".join(
            f"{table} row {rowid} → {parent}" for table, rowid, parent, _ in broken[:20]
        )
        raise RuntimeError(
            f"Migration stopped and rolled back: {len(broken)} broken foreign key(s): {rows}"
        )


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _set_sqlite_foreign_keys(connection, False)
    try:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=sqlite,
            compare_type=True,
            # SQLite's DDL is transactional too: one transaction, so a failed check undoes all.
            transactional_ddl=True if sqlite else None,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                _check_sqlite_foreign_keys(connection)
    finally:
        if sqlite:
            _set_sqlite_foreign_keys(connection, True)


run_migrations()
