"""The commit-time check of SPEC §5: the hosts' checked calendars, asked just in time.

The cache may be minutes old; a booking asks each checked calendar once more, over the
padded meeting, before the database write lock is taken (the network never runs under the
lock) and in parallel, bounded by a timeout. What a calendar answers joins the busy time
the booking is checked against. A transient failure is forgiven only while the calendar's
cache is fresh; an auth failure, or an outage past the stale limit, refuses the booking:
nothing is ever booked against a calendar that can't be read (C6).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.availability.intervals import Interval
from server.calendars.busy import CalendarEvent
from server.calendars.caldav import CalDavProvider
from server.calendars.expand import BusyOptions, InvalidCalendar, busy_events
from server.calendars.fetch import FeedAuthFailed, FetchError, fetch_feed, limits_from_config
from server.calendars.models import Calendar, CalendarConnection
from server.calendars.providers import AuthFailed, ProviderError
from server.calendars.services import OWN_UID, stale_after
from server.errors import ApiError

__all__ = ["CHECK_TIMEOUT", "CalendarUnreachable", "live_busy"]

#: the whole check's budget: a booking waits at most this long for the slowest calendar
CHECK_TIMEOUT = 5.0


class CalendarUnreachable(ApiError):
    """A host's calendar can't be read now and its cache is too old to trust."""

    status = 409
    code = "calendar_disconnected"

    def __init__(self) -> None:
        super().__init__(
            "The host's calendar can't be checked right now, so this time can't be booked. "
            "Try again later, or ask for a meeting instead."
        )


@dataclass(frozen=True, slots=True)
class _Ask:
    """One calendar's question, with everything read from the database beforehand: the
    threads that ask never touch the session or the app (nor decrypt anything)."""

    user_id: int
    calendar_name: str
    fresh: bool
    call: Callable[[], list[bytes]]
    options: BusyOptions


def _asks(
    session: Session, host_ids: Sequence[int], start: datetime, end: datetime, now: datetime
) -> list[_Ask]:
    rows = session.execute(
        select(Calendar, CalendarConnection)
        .join(CalendarConnection, CalendarConnection.id == Calendar.connection_id)
        .where(Calendar.user_id.in_(host_ids), Calendar.check_conflicts.is_(True))
        .order_by(Calendar.id)
    ).all()
    stale = stale_after()
    limits = replace(limits_from_config(current_app.config), timeout=CHECK_TIMEOUT)
    asks = []
    for calendar, connection in rows:
        user = connection.user
        fresh = (
            connection.status != "disconnected"
            and calendar.last_synced_at is not None
            and now - calendar.last_synced_at <= stale
        )
        options = BusyOptions(
            host_zone=user.timezone,
            calendar_zone=calendar.time_zone,
            own_addresses=frozenset({user.email.lower()}),
            tentative_busy=calendar.tentative_busy,
            ignore_all_day=calendar.ignore_all_day,
        )
        if connection.provider == "ics":
            url, etag, last_modified = connection.url, calendar.etag, calendar.last_modified

            def call(url=url, etag=etag, last_modified=last_modified) -> list[bytes]:
                feed = fetch_feed(url, etag=etag, last_modified=last_modified, limits=limits)
                return [] if feed.body is None else [feed.body]  # 304: the cache is current

        else:
            url, username, secret = connection.url, connection.username, connection.secret
            remote_id, token = calendar.remote_id, calendar.sync_token

            def call(
                url=url, username=username, secret=secret, remote_id=remote_id, token=token
            ) -> list[bytes]:
                # What changed since the last sync: the cache holds the rest. A few
                # resources instead of a time-range query over the whole calendar; an
                # expired token falls back to that query. An event deleted since then still
                # blocks until the next sync: the safe side.
                with CalDavProvider(
                    url, username or "", secret or "", limits=limits, timeout=CHECK_TIMEOUT
                ) as provider:
                    changes = provider.changes(remote_id, token, start, end)
                return [resource.data for resource in changes.changed]

        asks.append(_Ask(calendar.user_id, calendar.name, fresh, call, options))
    return asks


def live_busy(
    session: Session, host_ids: Sequence[int], start: datetime, end: datetime, now: datetime
) -> dict[int, list[Interval]]:
    """Each host's busy time in ``[start, end)`` as their checked calendars say it now.

    :raise CalendarUnreachable: a calendar refused us, or can't be reached and its cache is
        older than the stale limit.
    """
    busy: dict[int, list[Interval]] = {host_id: [] for host_id in host_ids}
    asks = _asks(session, host_ids, start, end, now)
    if not asks:
        return busy
    with ThreadPoolExecutor(max_workers=min(8, len(asks))) as pool:
        futures = {pool.submit(ask.call): ask for ask in asks}
        done, late = wait(futures, timeout=CHECK_TIMEOUT + 1)
        for future in late:
            future.cancel()
            if not futures[future].fresh:
                raise CalendarUnreachable()
        for future in done:
            ask = futures[future]
            try:
                bodies = future.result()
            except (FeedAuthFailed, AuthFailed) as exc:
                raise CalendarUnreachable() from exc
            except (FetchError, ProviderError) as exc:
                if not ask.fresh:
                    raise CalendarUnreachable() from exc
                continue
            for body in bodies:
                try:
                    events = busy_events(body, start, end, ask.options)
                except InvalidCalendar:
                    continue
                busy[ask.user_id].extend(
                    CalendarEvent(e.start, e.end, e.summary, ask.calendar_name)
                    for e in events
                    if not OWN_UID.match(e.uid)  # the booking's own event: busy as a booking
                )
    return busy
