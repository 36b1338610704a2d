"""Connecting calendars and keeping their busy cache fresh (C1–C3, C6; SPEC §5).

The network is never touched inside a unit of work: a feed is fetched first, then what it
said is written in one short transaction (on SQLite a slow calendar must not hold the
database). ICS feeds now; CalDAV joins through the same cache.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server.accounts.models import User
from server.calendars.expand import (
    BusyEvent,
    BusyOptions,
    InvalidCalendar,
    busy_events,
    calendar_zone_of,
    parse_calendars,
)
from server.calendars.fetch import (
    FeedAuthFailed,
    FetchError,
    fetch_feed,
    limits_from_config,
)
from server.calendars.models import Calendar, CalendarBusy, CalendarConnection
from server.db import transaction
from server.errors import NotFound, ValidationFailed
from server.links.services import live_links

__all__ = [
    "ICS_SYNC_EVERY",
    "SyncOutcome",
    "cache_span",
    "connect_ics",
    "get_user_connection",
    "sync_calendar",
    "user_connections",
]

#: SPEC §5: CalDAV every 5 minutes, ICS feeds every 15
ICS_SYNC_EVERY = timedelta(minutes=15)
#: the cache always reaches this far, whatever the links' windows (L6 caps them at 10 weeks)
MIN_HORIZON = timedelta(weeks=10)
#: and starts a little before now: a meeting under way still blocks
LOOK_BACK = timedelta(days=1)
#: a sync caches this much further than needed, so that a 304 is enough for a week before
#: the horizon runs short and the feed is read in full again
HORIZON_SLACK = timedelta(weeks=1)
_MAX_TEXT = 500
#: our own bookings' events (``notifications.ics.booking_uid``): busy already as bookings
_OWN_UID = re.compile(r"^booking-\d+@")


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    """What one sync did: ``unchanged`` (the feed said 304), ``synced``, or ``failed``."""

    status: str
    busy_count: int = 0
    message: str = ""


def user_connections(session: Session, user: User) -> list[CalendarConnection]:
    return list(
        session.scalars(
            select(CalendarConnection)
            .where(CalendarConnection.user_id == user.id)
            .order_by(CalendarConnection.id)
        )
    )


def get_user_connection(session: Session, user: User, connection_id: int) -> CalendarConnection:
    """:raise NotFound: not a connection of this user (another host's is as good as missing)."""
    connection = session.get(CalendarConnection, connection_id)
    if connection is None or connection.user_id != user.id:
        raise NotFound("No such calendar connection.")
    return connection


def cache_span(session: Session, user: User, now: datetime) -> tuple[datetime, datetime]:
    """``[start, end)`` the host's cache must cover: every date any of their links can offer
    (SPEC §5), and at least :data:`MIN_HORIZON` ahead."""
    end = now + MIN_HORIZON
    for link in live_links(session, user.account_id):
        if user.id not in link.host_ids:
            continue
        if link.window_rolling_weeks is not None:
            reach = now + timedelta(weeks=link.window_rolling_weeks, days=2)
        elif link.window_end_date is not None:
            reach = datetime.combine(link.window_end_date, datetime.min.time(), now.tzinfo)
            reach += timedelta(days=2)
        else:
            continue
        end = max(end, reach)
    return now - LOOK_BACK, end


def _options(user: User, calendar: Calendar, data_zone: str | None) -> BusyOptions:
    return BusyOptions(
        host_zone=user.timezone,
        calendar_zone=calendar.time_zone or data_zone,
        own_addresses=frozenset({user.email.lower()}),
        tentative_busy=calendar.tentative_busy,
        ignore_all_day=calendar.ignore_all_day,
    )


def _rows(calendar: Calendar, events: list[BusyEvent], resource: str) -> list[CalendarBusy]:
    return [
        CalendarBusy(
            calendar_id=calendar.id,
            user_id=calendar.user_id,
            start_at=event.start,
            end_at=event.end,
            resource=resource,
            uid=event.uid[:_MAX_TEXT],
            summary=event.summary[:_MAX_TEXT],
            all_day=event.all_day,
        )
        for event in events
        if not _OWN_UID.match(event.uid)
    ]


def _replace_busy(session: Session, calendar: Calendar, rows: list[CalendarBusy]) -> None:
    """The calendar's cache is now ``rows``: a feed is always read whole."""
    session.execute(delete(CalendarBusy).where(CalendarBusy.calendar_id == calendar.id))
    session.add_all(rows)


def _feed_name(body: bytes, url: str) -> str:
    """The feed's own name (``X-WR-CALNAME``), else its server's name."""
    for parsed in parse_calendars(body):
        name = str(parsed.get("X-WR-CALNAME") or "").strip()
        if name:
            return name[:200]
    return (urlsplit(url).hostname or "Calendar feed")[:200]


def _url_field(message: str) -> ValidationFailed:
    return ValidationFailed({"url": [message]})


def connect_ics(session: Session, user: User, url: str, now: datetime) -> CalendarConnection:
    """Subscribe the host to a read-only ICS feed (C1): fetched and cached once, committed.

    Its one calendar checks conflicts and is never the default (it can't be written to).

    :raise ValidationFailed: ``{"url": [why]}``: a refused or private address, a feed that
        can't be reached, refuses us, is too large, or is not a calendar.
    """
    limits = limits_from_config(current_app.config)
    try:
        feed = fetch_feed(url, limits=limits)
        assert feed.body is not None  # no validators were sent: never "unchanged"
        name = _feed_name(feed.body, url)
        data_zone = calendar_zone_of(feed.body)
    except (FetchError, InvalidCalendar) as exc:
        raise _url_field(str(exc)) from exc
    with transaction(session):
        connection = CalendarConnection(
            account_id=user.account_id, user_id=user.id, provider="ics", url=url.strip()
        )
        calendar = Calendar(
            user_id=user.id,
            remote_id=hashlib.sha256(url.strip().encode()).hexdigest()[:32],
            name=name,
            time_zone=data_zone,
            writable=False,
            check_conflicts=True,
        )
        connection.calendars.append(calendar)
        session.add(connection)
        session.flush()
        _store_feed(session, user, calendar, feed.body, feed.etag, feed.last_modified, now)
    return connection


def _store_feed(
    session: Session,
    user: User,
    calendar: Calendar,
    body: bytes,
    etag: str | None,
    last_modified: str | None,
    now: datetime,
) -> int:
    """Inside the caller's unit: the feed's busy time over the host's span, and its state."""
    start, end = cache_span(session, user, now)
    end += HORIZON_SLACK
    events = busy_events(body, start, end, _options(user, calendar, calendar_zone_of(body)))
    rows = _rows(calendar, events, resource="")
    _replace_busy(session, calendar, rows)
    calendar.etag, calendar.last_modified = etag, last_modified
    calendar.synced_from, calendar.synced_until = start, end
    _synced(calendar, now)
    return len(rows)


def _synced(calendar: Calendar, now: datetime) -> None:
    calendar.last_synced_at = now
    calendar.next_sync_at = now + ICS_SYNC_EVERY
    connection = calendar.connection
    connection.status, connection.status_message = "connected", ""
    connection.failing_since = None
    connection.last_synced_at = now


def _stale_after() -> timedelta:
    return timedelta(minutes=int(current_app.config["RENDEZVOUS_CALENDAR_STALE_AFTER_MINUTES"]))


def _failed(session: Session, calendar: Calendar, exc: Exception, now: datetime) -> SyncOutcome:
    """C6: an auth failure disconnects at once; anything else is ``error`` (retried with
    backoff) until it has lasted past the stale limit, then it disconnects too."""
    connection = calendar.connection
    with transaction(session):
        connection.failing_since = connection.failing_since or now
        lasting = now - connection.failing_since >= _stale_after()
        auth = isinstance(exc, FeedAuthFailed)
        connection.status = "disconnected" if auth or lasting else "error"
        connection.status_message = str(exc) or "The calendar could not be read."
        failures = max(1, int((now - connection.failing_since) / ICS_SYNC_EVERY) + 1)
        calendar.next_sync_at = now + min(ICS_SYNC_EVERY * failures, timedelta(hours=1))
    return SyncOutcome("failed", message=connection.status_message)


def sync_calendar(session: Session, calendar: Calendar, now: datetime) -> SyncOutcome:
    """Bring one calendar's cache up to date; its connection's status says how it went.

    A feed that says "unchanged" (304) is read again in full only when the cached span no
    longer reaches as far as the host's links do.
    """
    connection = calendar.connection
    user = connection.user
    start, end = cache_span(session, user, now)
    covered = calendar.synced_until is not None and calendar.synced_until >= end
    limits = limits_from_config(current_app.config)
    try:
        feed = fetch_feed(
            connection.url,
            etag=calendar.etag if covered else None,
            last_modified=calendar.last_modified if covered else None,
            limits=limits,
        )
        if feed.status == "changed":
            assert feed.body is not None
            parse_calendars(feed.body)  # :raise InvalidCalendar: before anything is replaced
    except (FetchError, InvalidCalendar) as exc:
        return _failed(session, calendar, exc, now)
    with transaction(session):
        if feed.status == "unchanged":
            _synced(calendar, now)
            return SyncOutcome("unchanged")
        assert feed.body is not None
        count = _store_feed(session, user, calendar, feed.body, feed.etag, feed.last_modified, now)
    return SyncOutcome("synced", busy_count=count)
