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
from server.calendars.google import GoogleProvider
from server.calendars.microsoft import MicrosoftProvider
from server.calendars.models import Calendar, CalendarConnection
from server.calendars.oauth import TokenKeeper, oauth_app
from server.calendars.providers import AuthFailed, ProviderError
from server.calendars.rest import FixedToken
from server.calendars.services import OWN_UID, busy_options, stale_after
from server.clock import utcnow
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


#: one busy span a calendar reported: (start, end, summary)
_Span = tuple[datetime, datetime, str]


@dataclass(frozen=True, slots=True)
class _Ask:
    """One calendar's question, with everything read from the database beforehand: the
    threads that ask never touch the session or the app (nor decrypt anything)."""

    user_id: int
    calendar_name: str
    fresh: bool
    call: Callable[[], list[_Span]]


def _from_ical(
    bodies: list[bytes], start: datetime, end: datetime, options: BusyOptions
) -> list[_Span]:
    spans: list[_Span] = []
    for body in bodies:
        try:
            events = busy_events(body, start, end, options)
        except InvalidCalendar:
            continue
        spans.extend(
            (e.start, e.end, e.summary)
            for e in events
            if not OWN_UID.match(e.uid)  # the booking's own event: busy as a booking
        )
    return spans


def _without(
    spans: list[tuple[datetime, datetime]], own: tuple[datetime, datetime] | None
) -> list[_Span]:
    """Free/busy spans, less the moved booking's own time: its event is still there (a
    free/busy answer can't say whose a span is), and the booking counts as a booking."""
    kept: list[_Span] = []
    for span_start, span_end in spans:
        if own is None or span_end <= own[0] or span_start >= own[1]:
            kept.append((span_start, span_end, ""))
            continue
        if span_start < own[0]:
            kept.append((span_start, own[0], ""))
        if span_end > own[1]:
            kept.append((own[1], span_end, ""))
    return kept


def _asks(
    session: Session,
    host_ids: Sequence[int],
    start: datetime,
    end: datetime,
    now: datetime,
    own: tuple[datetime, datetime] | None,
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
        user = calendar.connection.user
        fresh = (
            connection.status != "disconnected"
            and calendar.last_synced_at is not None
            and now - calendar.last_synced_at <= stale
        )
        options = busy_options(user, calendar)
        remote_id = calendar.remote_id
        if connection.provider == "ics":
            url, etag, last_modified = connection.url, calendar.etag, calendar.last_modified

            def call(url=url, etag=etag, last_modified=last_modified, options=options):
                feed = fetch_feed(url, etag=etag, last_modified=last_modified, limits=limits)
                bodies = [] if feed.body is None else [feed.body]  # 304: the cache is current
                return _from_ical(bodies, start, end, options)

        elif connection.provider == "caldav":
            url, username, secret = connection.url, connection.username, connection.secret
            token = calendar.sync_token

            def call(
                url=url,
                username=username,
                secret=secret,
                remote_id=remote_id,
                token=token,
                options=options,
            ):
                # What changed since the last sync: the cache holds the rest. A few
                # resources instead of a time-range query over the whole calendar; an
                # expired token falls back to that query. An event deleted since then still
                # blocks until the next sync: the safe side.
                with CalDavProvider(
                    url, username or "", secret or "", limits=limits, timeout=CHECK_TIMEOUT
                ) as provider:
                    changes = provider.changes(remote_id, token, start, end)
                return _from_ical([r.data for r in changes.changed], start, end, options)

        else:
            app = oauth_app(current_app.config, connection.provider)
            if app is None:
                raise CalendarUnreachable()
            try:  # renewed here, in this thread, if it is about to expire
                access = TokenKeeper(session, connection, app, utcnow).access_token
            except AuthFailed as exc:
                raise CalendarUnreachable() from exc
            except ProviderError:
                access = ""  # the provider is down: the call fails the same way below

            if connection.provider == "microsoft":

                def call(app=app, access=access, remote_id=remote_id, options=options):
                    token = FixedToken(access)
                    with MicrosoftProvider(app, token, timeout=CHECK_TIMEOUT) as provider:
                        events = provider.busy_events(remote_id, start, end, options)
                    return [(e.start, e.end, e.summary) for e in events if not OWN_UID.match(e.uid)]

            else:

                def call(app=app, access=access, remote_id=remote_id):
                    token = FixedToken(access)
                    with GoogleProvider(app, token, timeout=CHECK_TIMEOUT) as provider:
                        return _without(provider.busy(remote_id, start, end), own)

        asks.append(_Ask(calendar.user_id, calendar.name, fresh, call))
    return asks


def live_busy(
    session: Session,
    host_ids: Sequence[int],
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    own: tuple[datetime, datetime] | None = None,
) -> dict[int, list[Interval]]:
    """Each host's busy time in ``[start, end)`` as their checked calendars say it now;
    ``own`` is the time of the booking being moved (a reschedule), whose event is there.

    :raise CalendarUnreachable: a calendar refused us, or can't be reached and its cache is
        older than the stale limit.
    """
    busy: dict[int, list[Interval]] = {host_id: [] for host_id in host_ids}
    asks = _asks(session, host_ids, start, end, now, own)
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
                spans = future.result()
            except (FeedAuthFailed, AuthFailed) as exc:
                raise CalendarUnreachable() from exc
            except (FetchError, ProviderError) as exc:
                if not ask.fresh:
                    raise CalendarUnreachable() from exc
                continue
            busy[ask.user_id].extend(
                CalendarEvent(span_start, span_end, summary, ask.calendar_name)
                for span_start, span_end, summary in spans
                if span_start < end and span_end > start
            )
    return busy
