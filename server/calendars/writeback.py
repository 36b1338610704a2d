"""Write-back: each booking's event in the organiser's default calendar (C4; SPEC §5,
"Write-back is queued, never lost").

The booking services call :func:`queue_calendar_write` inside their own
``write_transaction``, so the job commits with the booking, its reschedule or its cancel, or
not at all. ``rendezvous worker`` then runs :func:`run_calendar_jobs`, in the outbox's
pattern: a short unit claims due jobs (a lease ahead in ``next_attempt_at``, ``SKIP LOCKED``
on PostgreSQL), the provider is called outside any unit, and another short unit records what
it said. The event's UID is the booking's (``booking-<id>@<app host>``, the emailed ``.ics``'s
own), and CalDAV stores it under a resource named by that UID: a retry, a crash between the
write and its record, or two workers can never make a second copy.

One job row per booking and calendar says what the calendar must end up holding, and is
rewritten as the booking changes: a reschedule before the worker ran is still one ``put``;
a cancel before the first ``put`` was sent drops it and writes nothing. A round-robin
meeting that changes hands, or a host who chose another default calendar, moves the event:
a ``delete`` where it was, a ``put`` where it goes. Each rewrite bumps ``revision``; a
worker that was writing an older revision leaves the job due again instead of marking it
done.

Failures: an unreachable or failing server is retried with exponential backoff (at most an
hour apart) and the job is ``failed`` after :data:`MAX_ATTEMPTS`; a refused login is
``failed`` for now and disconnects the connection at once (C6: its host's links take
requests; jobs of a disconnected connection wait until it is reconnected, then go); a server
that refuses the event itself (read-only calendar, bad data) is ``failed`` for good.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session, object_session

from server.bookings.models import Booking
from server.bookings.notices import meeting_facts
from server.calendars.caldav import CalDavProvider
from server.calendars.fetch import FetchError, limits_from_config
from server.calendars.models import Calendar, CalendarConnection, CalendarJob
from server.calendars.providers import AuthFailed, EventData, ProviderError, ProviderUnavailable
from server.calendars.services import disconnect, oauth_provider
from server.db import write_transaction
from server.notifications import messages
from server.notifications.ics import booking_uid, calendar_object
from server.notifications.settings import MailSettings, current_settings

__all__ = [
    "BATCH_SIZE",
    "LEASE",
    "MAX_ATTEMPTS",
    "MAX_RETRY_DELAY",
    "Action",
    "backoff",
    "calendar_event_view",
    "queue_calendar_write",
    "run_calendar_jobs",
]

log = logging.getLogger(__name__)

Action = Literal["put", "delete"]

BATCH_SIZE = 20
#: a claimed job is left to its worker this long: far above one provider call's timeout
LEASE = timedelta(minutes=5)
#: about eight hours of an unreachable server before the job is given up as ``failed``
MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY_DELAY = timedelta(hours=1)
#: one provider call's time budget, every request of it together
TIMEOUT = 10.0
_MAX_ERROR = 2000


def backoff(attempts: int) -> timedelta:
    """1 min, 2 min, 4 min, … after the 1st, 2nd, 3rd attempt, at most an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


# -- queueing, inside the booking's transaction ----------------------------------------------


def _default_calendar(session: Session, user_id: int) -> Calendar | None:
    return session.scalar(
        select(Calendar)
        .where(
            Calendar.user_id == user_id,
            Calendar.is_default.is_(True),
            Calendar.writable.is_(True),
        )
        .order_by(Calendar.id)
        .limit(1)
    )


def _jobs_of(session: Session, booking_id: int) -> list[CalendarJob]:
    """The booking's jobs in calendars that still exist, read afresh (a worker in this
    process may have changed them with a bulk update)."""
    return list(
        session.scalars(
            select(CalendarJob)
            .where(CalendarJob.booking_id == booking_id, CalendarJob.calendar_id.is_not(None))
            .order_by(CalendarJob.id)
            .execution_options(populate_existing=True)
        )
    )


def _want(job: CalendarJob, action: Action, now: datetime) -> None:
    """Rewrite ``job`` to do ``action`` for the booking as it now stands.

    A job still pending keeps its ``next_attempt_at``: either it is due already, or it is in
    a worker's hands (the lease; that worker sees the new revision and leaves it due), or
    it waits out a backoff (the server was failing; asking sooner would not help).
    """
    if job.status != "pending" or job.next_attempt_at is None:
        job.next_attempt_at = now
    job.action = action
    job.status = "pending"
    job.revision += 1
    job.attempts = 0
    job.last_error = None
    job.updated_at = now


def queue_calendar_write(
    session: Session, booking: Booking, action: Action, now: datetime
) -> CalendarJob | None:
    """Queue the write of ``booking``'s event: ``put`` after a booking or a reschedule,
    ``delete`` after a cancel. Call it inside the booking's ``write_transaction``: it only
    adds, changes or drops job rows, and flushes.

    The event goes to the organiser's (``booking.host_id``) default calendar; wherever it was
    written before and shouldn't be any more, it is deleted. Returns the ``put`` job; for a
    ``delete``, a delete job, or None when nothing had ever been sent (nor is to be).
    """
    target = _default_calendar(session, booking.host_id) if action == "put" else None
    put_job: CalendarJob | None = None
    delete_job: CalendarJob | None = None
    for job in _jobs_of(session, booking.id):
        if target is not None and job.calendar_id == target.id:
            _want(job, "put", now)
            put_job = job
        elif job.event_may_exist:
            _want(job, "delete", now)
            delete_job = delete_job or job
        elif job.status == "pending":
            session.delete(job)  # its PUT was never sent: nothing to take back
    if target is not None and put_job is None:
        put_job = CalendarJob(
            booking_id=booking.id,
            calendar_id=target.id,
            action="put",
            status="pending",
            revision=1,
            attempts=0,
            next_attempt_at=now,
            event_may_exist=False,
            created_at=now,
            updated_at=now,
        )
        session.add(put_job)
    session.flush()
    return put_job if action == "put" else delete_job


# -- what the host API shows ------------------------------------------------------------------


def calendar_event_view(booking: Booking) -> dict[str, Any] | None:
    """``calendar_event`` of the host API (SPEC §10): ``{status, calendar_id, url}``, or None
    when no calendar of the host was ever asked to hold this booking's event.

    ``status`` is ``pending`` while any of its jobs waits, ``failed`` when one failed (for
    now or for good), else ``written``: the calendar holds the booking as it stands (after a
    cancel: holds it no more). ``calendar_id`` and ``url`` are those of the calendar that
    holds (or is to hold) the event; ``url`` is null for CalDAV.
    """
    session = object_session(booking)
    if session is None or booking.id is None:
        return None
    jobs = list(
        session.scalars(
            select(CalendarJob)
            .where(CalendarJob.booking_id == booking.id, CalendarJob.calendar_id.is_not(None))
            .order_by(CalendarJob.id)
        )
    )
    if not jobs:
        return None
    statuses = {job.status for job in jobs}
    status = "pending" if "pending" in statuses else "failed" if "failed" in statuses else "written"
    main = next((job for job in jobs if job.action == "put"), jobs[-1])
    return {"status": status, "calendar_id": main.calendar_id, "url": main.url}


# -- the worker's pass -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Claimed:
    """What one job needs once the unit that claimed it has ended."""

    id: int
    connection_id: int
    revision: int
    action: str
    attempts: int
    provider: str
    url: str
    username: str
    secret: str
    remote_id: str
    uid: str
    #: the event to write (a ``put``)
    event: EventData | None
    #: where the provider keeps the event already, when a put told us (Google, Graph ids)
    href: str | None


def _event(session: Session, booking: Booking, settings: MailSettings, now: datetime) -> EventData:
    """The booking as the host's calendar holds it: the emailed event (UID, SEQUENCE,
    organiser, the visitor as attendee), titled as the host's emails title it."""
    meeting = meeting_facts(session, booking, settings)
    summary = messages.host_subject(meeting)
    description = messages.host_calendar_description(meeting)
    ics = calendar_object(meeting, summary=summary, description=description, stamp=now)
    location = meeting.video_link or meeting.location or ""
    return EventData(
        uid=meeting.uid,
        sequence=meeting.sequence,
        summary=summary,
        description=description,
        location=location,
        start=meeting.start,
        end=meeting.end,
        attendees=((meeting.visitor.name, meeting.visitor.email),),
        booking_id=booking.id,
        ics=ics.encode(),
    )


def _claim(session: Session, now: datetime, settings: MailSettings, limit: int) -> list[_Claimed]:
    """Take due jobs for a lease, in one short unit; a PUT's event is built here, from the
    booking as it is now."""
    statement = (
        select(CalendarJob)
        .join(Calendar, CalendarJob.calendar_id == Calendar.id)
        .join(CalendarConnection, Calendar.connection_id == CalendarConnection.id)
        .where(
            CalendarJob.status.in_(("pending", "failed")),
            CalendarJob.next_attempt_at <= now,
            CalendarConnection.status != "disconnected",
        )
        .order_by(CalendarJob.next_attempt_at, CalendarJob.id)
        .limit(limit)
        .execution_options(populate_existing=True)
    )
    claimed: list[_Claimed] = []
    with write_transaction(session):
        if session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True, of=CalendarJob)
        for job in session.scalars(statement).all():
            booking = session.get(Booking, job.booking_id, populate_existing=True)
            calendar = job.calendar
            if booking is None or calendar is None:  # gone since: the cascade takes the job
                continue
            job.attempts += 1
            job.next_attempt_at = now + LEASE
            event = None
            if job.action == "put":
                job.event_may_exist = True  # from now on a cancel must delete
                event = _event(session, booking, settings, now)
            connection = calendar.connection
            claimed.append(
                _Claimed(
                    id=job.id,
                    connection_id=connection.id,
                    revision=job.revision,
                    action=job.action,
                    attempts=job.attempts,
                    provider=connection.provider,
                    url=connection.url,
                    username=connection.username or "",
                    secret=connection.secret or "",
                    remote_id=calendar.remote_id,
                    uid=booking_uid(booking.id, settings.domain),
                    event=event,
                    href=job.href,
                )
            )
    return claimed


def _perform(session: Session, job: _Claimed) -> tuple[str | None, str | None]:
    """The provider call, outside any unit of work: a put returns where the event is
    (CalDAV href or provider id) and the provider's link to it (Google, Graph).

    :raise ProviderError, FetchError: as the providers raise them.
    """
    if job.provider == "caldav":
        limits = limits_from_config(current_app.config)
        with CalDavProvider(
            job.url, job.username, job.secret, limits=limits, timeout=TIMEOUT
        ) as provider:
            if job.action == "put":
                assert job.event is not None
                return provider.put_event(job.remote_id, job.uid, job.event.ics), None
            provider.delete_event(job.remote_id, job.uid)
            return None, None
    connection = session.get(CalendarConnection, job.connection_id)
    if connection is None:
        raise ProviderError("The calendar is no longer connected.")
    with oauth_provider(connection) as provider:
        if job.action == "put":
            assert job.event is not None
            return provider.put_event(job.remote_id, job.event, job.href)
        provider.delete_event(job.remote_id, job.uid, job.href)
        return None, None


def _record(
    session: Session,
    job: _Claimed,
    now: datetime,
    *,
    refused: AuthFailed | None = None,
    **values: Any,
) -> bool:
    """Write the outcome if the job is still the revision the worker wrote; if it was
    rewritten meanwhile, leave the new revision due at once. True when recorded.

    ``refused``: the server refused the login; the connection is disconnected with the
    outcome (C6: the host's links take requests until it is reconnected)."""
    with write_transaction(session):
        if refused is not None:
            connection = session.get(CalendarConnection, job.connection_id)
            if connection is not None:
                disconnect(session, connection, str(refused) or "Login refused.", now)
        recorded = session.execute(
            update(CalendarJob)
            .where(CalendarJob.id == job.id, CalendarJob.revision == job.revision)
            .values(updated_at=now, **values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not recorded:
            session.execute(
                update(CalendarJob)
                .where(CalendarJob.id == job.id, CalendarJob.status == "pending")
                .values(next_attempt_at=now)
                .execution_options(synchronize_session=False)
            )
    return bool(recorded)


def _outcome(job: _Claimed, href: str | None, url: str | None) -> dict[str, Any]:
    done: dict[str, Any] = {"status": "done", "next_attempt_at": None, "last_error": None}
    if job.action == "put":
        return {**done, "href": href, "url": url, "event_may_exist": True}
    return {**done, "href": None, "url": None, "event_may_exist": False}


def _failure(job: _Claimed, exc: Exception, now: datetime) -> dict[str, Any]:
    """When to try again, if ever (see the module's docstring)."""
    error = (str(exc) or type(exc).__name__)[:_MAX_ERROR]
    if isinstance(exc, AuthFailed):
        return {
            "status": "failed",
            "last_error": error,
            "next_attempt_at": now + backoff(job.attempts),
        }
    transient = isinstance(exc, ProviderUnavailable) or not isinstance(
        exc, ProviderError | FetchError
    )
    if transient and job.attempts < MAX_ATTEMPTS:
        delay = backoff(job.attempts)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            delay = min(max(delay, timedelta(seconds=retry_after)), MAX_RETRY_DELAY)
        return {"last_error": error, "next_attempt_at": now + delay}
    return {"status": "failed", "last_error": error, "next_attempt_at": None}


def run_calendar_jobs(
    session: Session,
    now: datetime,
    *,
    settings: MailSettings | None = None,
    batch_size: int = BATCH_SIZE,
) -> int:
    """The worker's pass: do every write-back job due at ``now``; returns how many were
    tried (written, retried later or failed). Runs in the app's context (its settings)."""
    settings = settings or current_settings()
    tried = 0
    while True:
        claimed = _claim(session, now, settings, batch_size)
        for job in claimed:
            try:
                href, url = _perform(session, job)
            except Exception as exc:  # a bug or bad data counts as an attempt, never loops
                if not isinstance(exc, ProviderError | FetchError):
                    log.exception("calendar job %d failed", job.id)
                else:
                    log.warning("calendar job %d: %s", job.id, exc)
                refused = exc if isinstance(exc, AuthFailed) else None
                _record(session, job, now, refused=refused, **_failure(job, exc, now))
                continue
            _record(session, job, now, **_outcome(job, href, url))
        tried += len(claimed)
        if len(claimed) < batch_size:
            return tried
