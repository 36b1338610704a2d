"""A host's calendar connections, their calendars, and the busy time cached from them (C1–C3).

Slots never wait for a provider (SPEC §5): the worker copies each checked calendar's busy
time into ``calendar_busy``, and the slot engine reads that table like it reads bookings. A
connection holds the credentials (encrypted at rest, A3); each of its calendars holds its own
sync state, so one slow or broken calendar never holds back the others.
"""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.accounts.models import AccountOwned, User
from server.clock import utcnow
from server.crypto import EncryptedText
from server.db import Base, UTCDateTime


def new_busy_version() -> str:
    return uuid4().hex


__all__ = [
    "CONNECTION_STATUSES",
    "JOB_ACTIONS",
    "JOB_STATUSES",
    "PROVIDERS",
    "Calendar",
    "CalendarBusy",
    "CalendarConnection",
    "CalendarJob",
    "CalendarMeeting",
]

#: CalDAV and ICS feeds now; Google and Microsoft 365 (part 2) on the same tables
PROVIDERS = ("caldav", "ics", "google", "microsoft")
#: ``error`` is transient and retried; ``disconnected`` needs the host (SPEC §5 "Status")
CONNECTION_STATUSES = ("connected", "error", "disconnected")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class CalendarConnection(AccountOwned, Base):
    """One login at one provider: a CalDAV account, an ICS feed, an OAuth grant (Google,
    Microsoft: ``username`` is then the account's address)."""

    __tablename__ = "calendar_connections"
    __table_args__ = (
        CheckConstraint(_one_of("provider", PROVIDERS), name="provider"),
        CheckConstraint(_one_of("status", CONNECTION_STATUSES), name="status"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="connected")
    #: why it isn't connected, for the host; empty while connected
    status_message: Mapped[str] = mapped_column(Text, default="")
    #: the CalDAV server's or the feed's address: an ICS URL is often a secret of its own
    url: Mapped[str] = mapped_column(EncryptedText)
    username: Mapped[str | None] = mapped_column(String(254))
    #: the CalDAV password, or the OAuth grant (JSON), encrypted at rest
    secret: Mapped[str | None] = mapped_column(EncryptedText)
    #: an OAuth grant's refresh is one process's until then (``calendars.oauth``)
    token_lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: since when syncing fails: past the stale limit an ``error`` becomes ``disconnected``
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()
    calendars: Mapped[list[Calendar]] = relationship(
        back_populates="connection", cascade="all, delete-orphan", order_by="Calendar.id"
    )


class Calendar(Base):
    """One calendar of a connection, with the host's choices for it (C2, C3) and its sync
    state (a CalDAV sync token or collection tag, an ICS feed's ETag and Last-Modified)."""

    __tablename__ = "calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("calendar_connections.id", ondelete="CASCADE"), index=True
    )
    #: the connection's host, kept here too so busy time is found by host in one join
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: where the provider keeps it: a CalDAV collection URL, the feed URL's fingerprint
    remote_id: Mapped[str] = mapped_column(String(2000))
    name: Mapped[str] = mapped_column(String(200))
    #: the calendar's own zone: where its all-day events fall (C3)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    writable: Mapped[bool] = mapped_column(Boolean, default=False)
    check_conflicts: Mapped[bool] = mapped_column(Boolean, default=True)
    tentative_busy: Mapped[bool] = mapped_column(Boolean, default=True)
    ignore_all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    sync_token: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    #: the span the cache covers; a full sync when it no longer reaches the links' windows
    synced_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    synced_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: renewed (never reused) whenever the calendar's busy rows change: the key under which
    #: each process may keep those rows in memory (``calendars.busy``), so a sync on any
    #: machine is seen by every process's next request
    busy_version: Mapped[str] = mapped_column(String(32), default=new_busy_version)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    connection: Mapped[CalendarConnection] = relationship(back_populates="calendars")

    def busy_changed(self) -> None:
        """Say that this calendar's busy rows changed (in the unit of work that changed them)."""
        self.busy_version = new_busy_version()


class CalendarBusy(Base):
    """One busy occurrence of a calendar, already expanded (recurrences) and filtered (C3).

    ``resource`` is where the event lives at the provider (a CalDAV href), so an incremental
    sync replaces exactly the rows of the events that changed. Whoever writes these rows
    calls :meth:`Calendar.busy_changed` in the same unit of work.
    """

    __tablename__ = "calendar_busy"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        Index("ix_calendar_busy_user_start", "user_id", "start_at"),
        Index("ix_calendar_busy_calendar_resource", "calendar_id", "resource"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resource: Mapped[str] = mapped_column(String(2000), default="")
    uid: Mapped[str] = mapped_column(String(500), default="")
    #: what the troubleshooter names ("busy: 'Dentist' — Work calendar")
    summary: Mapped[str] = mapped_column(String(500), default="")
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)

    calendar: Mapped[Calendar] = relationship()


#: what a write-back job does to the booking's event in one calendar
JOB_ACTIONS = ("put", "delete")
#: ``failed`` with a ``next_attempt_at`` is failed for now (refused login, retried later);
#: without one, for good
JOB_STATUSES = ("pending", "done", "failed")


class CalendarJob(Base):
    """The booking's event in one of the host's calendars: what must happen to it (SPEC §5,
    "Write-back is queued, never lost").

    Written in the booking's own transaction, done by the worker. One row per booking and
    calendar, rewritten as the booking changes (a reschedule before the worker ran is one
    ``put``); ``revision`` counts those rewrites, so a worker that was writing an older
    revision never marks the newer one done.
    """

    __tablename__ = "calendar_jobs"
    __table_args__ = (
        CheckConstraint(_one_of("action", JOB_ACTIONS), name="action"),
        CheckConstraint(_one_of("status", JOB_STATUSES), name="status"),
        UniqueConstraint("booking_id", "calendar_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    #: null once the calendar is removed: nothing is left to write to
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("calendars.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8), default="pending")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    #: tries of this revision (a rewrite starts again from 0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: due then; null when there is nothing left to do (done, or failed for good)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: a PUT was sent (answered or not): a cancel must then delete, else it has nothing to do
    event_may_exist: Mapped[bool] = mapped_column(Boolean, default=False)
    #: where the event is at the provider (a CalDAV href)
    href: Mapped[str | None] = mapped_column(String(2000))
    #: the provider's own link to the event (Google ``htmlLink``, Graph ``webLink``); null
    #: for CalDAV
    url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    calendar: Mapped[Calendar | None] = relationship()


class CalendarMeeting(Base):
    """C5: a meeting seen in a host's connected calendar with a known contact among its
    attendees, logged on that contact's timeline; updated when the event changes, marked
    ``cancelled`` when it goes. Contacts are never made from calendar data.

    One row per contact and event occurrence (``resource`` and ``occurrence`` say which), so
    a moved meeting updates its row instead of adding one.
    """

    __tablename__ = "calendar_meetings"
    __table_args__ = (
        UniqueConstraint("calendar_id", "resource", "occurrence", "contact_id"),
        CheckConstraint("status IN ('scheduled', 'cancelled')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    #: null once the calendar is removed: what was logged stays on the timeline
    calendar_id: Mapped[int | None] = mapped_column(
        ForeignKey("calendars.id", ondelete="SET NULL"), index=True
    )
    provider: Mapped[str] = mapped_column(String(16))
    resource: Mapped[str] = mapped_column(String(2000))
    #: which event of the resource (its UID: a feed holds many) and which occurrence of it
    occurrence: Mapped[str] = mapped_column(String(600), default="")
    title: Mapped[str] = mapped_column(String(500), default="")
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
