"""The database: engine, sessions, the declarative base and the write lock for bookings.

SQLite (a WAL file under ``instance/``) is the default; PostgreSQL is used when the URL says
``postgresql+psycopg://``. Nothing here keeps state that other processes would need to see.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

__all__ = [
    "Base",
    "PendingWork",
    "UTCDateTime",
    "get_session",
    "init_app",
    "make_engine",
    "transaction",
    "write_transaction",
]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always an aware UTC ``datetime`` in Python.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so the value is stored as
    naive UTC and made aware again on the way out. Naive input is a bug and is refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: how long a request waits for a lock (a SQLite writer, a PostgreSQL row or table) or for a
#: PostgreSQL statement before it is a 503: well below gunicorn's 30 s worker timeout, so a
#: stalled database never turns into a killed worker and an HTML 500
LOCK_TIMEOUT_MS = 15_000
STATEMENT_TIMEOUT_MS = 25_000


def make_engine(
    url: str,
    *,
    lock_timeout_ms: int = LOCK_TIMEOUT_MS,
    statement_timeout_ms: int = STATEMENT_TIMEOUT_MS,
) -> Engine:
    """Create an engine with the per-dialect settings the booking lock relies on, and the
    timeouts that make a stalled database a 503."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": lock_timeout_ms / 1000})
        _configure_sqlite(engine, lock_timeout_ms)
        return engine
    options = f"-c lock_timeout={lock_timeout_ms} -c statement_timeout={statement_timeout_ms}"
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        connect_args={"options": options},
    )


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, foreign keys, and transactions begun by us so a booking can ask for BEGIN IMMEDIATE.

    pysqlite's own implicit BEGIN is turned off (``isolation_level = None``): with it, a
    transaction that read first and writes later can fail with "database is locked" instead
    of waiting. See SQLAlchemy's "Serializable isolation / Savepoints / Transactional DDL".
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("rendezvous_write_lock", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def init_app(app: Flask) -> None:
    engine = make_engine(
        app.config["RENDEZVOUS_DATABASE_URL"],
        lock_timeout_ms=int(app.config.get("RENDEZVOUS_DB_LOCK_TIMEOUT_MS") or LOCK_TIMEOUT_MS),
        statement_timeout_ms=int(
            app.config.get("RENDEZVOUS_DB_STATEMENT_TIMEOUT_MS") or STATEMENT_TIMEOUT_MS
        ),
    )
    app.extensions["rendezvous.db"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def get_session() -> Session:
    """The request's session, opened on first use and closed when the app context ends."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["rendezvous.db"]()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


class PendingWork(RuntimeError):
    """A unit of work was asked for while the session held changes nobody committed: a bug in
    the caller (a view that wrote, or a service that forgot its own unit), never user input."""


_UNIT = "rendezvous_unit"
_LOCKED = "rendezvous_locked"
_FLUSHED = "rendezvous_flushed"


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    session.info[_FLUSHED] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_flush(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction ended: committed or not
        session.info.pop(_FLUSHED, None)


def _pending(session: Session) -> bool:
    return bool(session.new or session.dirty or session.deleted or session.info.get(_FLUSHED))


@contextmanager
def transaction(session: Session, *, write_lock: bool = False) -> Iterator[Session]:
    """One service call's unit of work: committed when the block ends, rolled back if it raises.

    Services own their transaction; views never commit. A service called by another joins the
    caller's unit, so sign-up commits the user and its preset links together or not at all.
    What the session only read before is ended first (a lock is taken at ``BEGIN``); what it
    changed and nobody committed is refused, rather than committed on someone else's behalf.

    ``write_lock``: the unit may write a booking; see :func:`write_transaction`.

    :raise PendingWork: the session holds uncommitted changes; or a write lock is asked for
        inside a unit that began without one (it can only be taken at ``BEGIN``).
    """
    if session.info.get(_UNIT):
        if write_lock and not session.info.get(_LOCKED):
            raise PendingWork("a write lock can only be taken when the unit of work begins")
        yield session
        return
    if _pending(session):
        raise PendingWork("the session holds changes that no unit of work owns")
    if session.in_transaction():
        session.commit()  # reads only, as just checked
    session.info[_UNIT], session.info[_LOCKED] = True, write_lock
    try:
        # SQLite: every unit takes the database's one write lock at BEGIN (waiting for it up
        # to the busy timeout). A unit that read first and asked for it only when it wrote
        # would fail at once with "database is locked" while another writer held it.
        if write_lock or session.get_bind().dialect.name == "sqlite":
            session.connection(execution_options={"rendezvous_write_lock": True})
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_UNIT, None)
        session.info.pop(_LOCKED, None)


def write_transaction(session: Session) -> AbstractContextManager[Session]:
    """A unit of work that may write a booking, serialised per database on SQLite.

    SQLite gets ``BEGIN IMMEDIATE``: one writer at a time, others wait (busy timeout).
    PostgreSQL gets a plain transaction; callers lock the host rows with ``FOR UPDATE``.
    """
    return transaction(session, write_lock=True)
