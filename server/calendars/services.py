"""Connecting calendars and keeping their busy cache fresh (C1–C3, C6; SPEC §5).

The network is never touched inside a unit of work: a feed is fetched first, then what it
said is written in one short transaction (on SQLite a slow calendar must not hold the
database). ICS feeds now; CalDAV joins through the same cache.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, object_session

from server.accounts.models import User
from server.calendars import google, microsoft
from server.calendars.caldav import CalDavProvider
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
from server.calendars.google import GoogleProvider
from server.calendars.mail import send_disconnected_notice
from server.calendars.meetings import log_meetings
from server.calendars.microsoft import MicrosoftProvider
from server.calendars.models import Calendar, CalendarBusy, CalendarConnection
from server.calendars.oauth import TokenKeeper, oauth_app
from server.calendars.providers import (
    OWN_UID,
    AuthFailed,
    Changes,
    ProviderError,
    RemoteCalendar,
    Resource,
)
from server.calendars.rest import FixedToken, TokenSource
from server.clock import utcnow
from server.db import transaction, write_transaction
from server.errors import NotFound, ValidationFailed
from server.links.models import BookingLink
from server.links.services import live_links
from server.pagination import Page, paginate

__all__ = [
    "ICS_SYNC_EVERY",
    "SyncOutcome",
    "OWN_UID",
    "bookable_host_ids",
    "busy_options",
    "calendar_invites_attendees",
    "cache_span",
    "connect_caldav",
    "connect_ics",
    "connect_oauth",
    "disconnect",
    "disconnected_connections",
    "oauth_provider",
    "disconnected_host_ids",
    "due_calendars",
    "get_user_connection",
    "reconnect_caldav",
    "refresh_connection",
    "remove_connection",
    "subscribe_feed_body",
    "sync_calendar",
    "stale_after",
    "sync_due",
    "update_calendars",
    "connections_page",
    "user_connections",
]

log = logging.getLogger(__name__)

#: SPEC §5: CalDAV every 5 minutes, ICS feeds every 15
CALDAV_SYNC_EVERY = timedelta(minutes=5)
ICS_SYNC_EVERY = timedelta(minutes=15)
#: a claimed calendar is left to its worker this long (a crashed worker's claim lapses)
SYNC_LEASE = timedelta(minutes=5)
#: a full CalDAV listing of a busy calendar is larger than any feed should be
CALDAV_MAX_BYTES = 50 * 1024 * 1024
#: and takes longer than a feed: the worker's sync may wait this long (a booking never does)
CALDAV_SYNC_TIMEOUT = 60.0
#: the cache always reaches this far, whatever the links' windows (L6 caps them at 10 weeks)
MIN_HORIZON = timedelta(weeks=10)
#: and starts a little before now: a meeting under way still blocks
LOOK_BACK = timedelta(days=1)
#: a sync caches this much further than needed, so that a 304 is enough for a week before
#: the horizon runs short and the feed is read in full again
HORIZON_SLACK = timedelta(weeks=1)
_MAX_TEXT = 500


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


def connections_page(
    session: Session, user: User, *, limit: int, cursor: str | None = None
) -> Page:
    """The host API's list: the host's connections, oldest first, a page at a time."""
    statement = select(CalendarConnection).where(CalendarConnection.user_id == user.id)
    return paginate(session, statement, order=[CalendarConnection.id], limit=limit, cursor=cursor)


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


def busy_options(user: User, calendar: Calendar, data_zone: str | None = None) -> BusyOptions:
    """How ``calendar``'s events are read for ``user`` (C3); ``data_zone``: the data's own
    ``X-WR-TIMEZONE``, used when the calendar has no zone of its own."""
    own = {user.email.lower()}
    connection = calendar.connection
    if connection is not None and connection.username and "@" in connection.username:
        own.add(connection.username.lower())  # the login's own address (SPEC §5 "Status")
    return BusyOptions(
        host_zone=user.timezone,
        calendar_zone=calendar.time_zone or data_zone,
        own_addresses=frozenset(own),
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
        if not OWN_UID.match(event.uid)
    ]


def _events_of(
    resource: Resource, start: datetime, end: datetime, user: User, calendar: Calendar
) -> list[BusyEvent]:
    """The busy occurrences of one stored object, read the way its provider stores it."""
    if resource.format in ("google", "graph"):  # one event resource of a JSON API
        read = google.busy_event if resource.format == "google" else microsoft.busy_event
        found = read(json.loads(resource.data), busy_options(user, calendar))
        return [found] if found is not None and found.start < end and found.end > start else []
    options = busy_options(user, calendar, calendar_zone_of(resource.data))
    return busy_events(resource.data, start, end, options)


def _feed_name(body: bytes, url: str) -> str:
    """The feed's own name (``X-WR-CALNAME``), else its server's name."""
    for parsed in parse_calendars(body):
        name = str(parsed.get("X-WR-CALNAME") or "").strip()
        if name:
            return name[:200]
    return (urlsplit(url).hostname or "Calendar feed")[:200]


def _field(name: str, message: str) -> ValidationFailed:
    return ValidationFailed({name: [message]})


# -- what a provider said, and writing it --------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Fetched:
    """A calendar's news, fetched before any unit of work: ``None`` resources when nothing
    changed; every resource of the span when ``full``; else only the changed ones."""

    full: bool
    resources: list[Resource] | None
    removed: list[str]
    sync_token: str | None = None
    etag: str | None = None
    last_modified: str | None = None


def _listed(changes: Changes) -> _Fetched:
    """A first, full listing of a calendar (on connecting), as a sync writes it."""
    return _Fetched(
        full=True, resources=list(changes.changed), removed=[], sync_token=changes.sync_token
    )


def _caldav(connection: CalendarConnection) -> CalDavProvider:
    limits = replace(limits_from_config(current_app.config), max_bytes=CALDAV_MAX_BYTES)
    return CalDavProvider(
        connection.url,
        connection.username or "",
        connection.secret or "",
        limits=limits,
        timeout=CALDAV_SYNC_TIMEOUT,
    )


def oauth_provider(connection: CalendarConnection) -> GoogleProvider | MicrosoftProvider:
    """A Google or Microsoft connection's provider, renewing its token through the row.

    :raise ProviderError: the provider is no longer configured on this server.
    """
    provider = _provider(connection)
    assert not isinstance(provider, CalDavProvider)
    return provider


def _provider(
    connection: CalendarConnection, token: TokenSource | None = None
) -> CalDavProvider | GoogleProvider | MicrosoftProvider:
    """The connection's provider; an OAuth one renews its token through the connection's
    row (``token`` overrides: a grant just issued, not stored yet).

    :raise ProviderError: the provider is no longer configured on this server.
    """
    if connection.provider == "caldav":
        return _caldav(connection)
    app = oauth_app(current_app.config, connection.provider)
    if app is None:
        raise ProviderError(f"{connection.provider.title()} calendars are not set up here.")
    if token is None:
        session = object_session(connection)
        assert session is not None
        token = TokenKeeper(session, connection, app, utcnow)
    if connection.provider == "microsoft":
        return MicrosoftProvider(app, token)
    return GoogleProvider(app, token)


def _fetch(
    connection: CalendarConnection,
    calendar: Calendar,
    start: datetime,
    end: datetime,
    *,
    covered: bool,
) -> _Fetched:
    """:raise FetchError, ProviderError, InvalidCalendar: the calendar can't be read now."""
    if connection.provider == "ics":
        feed = fetch_feed(
            connection.url,
            etag=calendar.etag if covered else None,
            last_modified=calendar.last_modified if covered else None,
            limits=limits_from_config(current_app.config),
        )
        if feed.status == "unchanged":
            return _Fetched(full=False, resources=None, removed=[])
        assert feed.body is not None
        parse_calendars(feed.body)  # :raise InvalidCalendar: before anything is replaced
        return _Fetched(
            full=True,
            resources=[Resource("", feed.etag, feed.body)],
            removed=[],
            etag=feed.etag,
            last_modified=feed.last_modified,
        )
    with _provider(connection) as provider:
        changes = provider.changes(
            calendar.remote_id, calendar.sync_token if covered else None, start, end
        )
    return _Fetched(
        full=changes.full,
        resources=list(changes.changed),
        removed=list(changes.removed),
        sync_token=changes.sync_token,
    )


def _write(
    session: Session,
    user: User,
    calendar: Calendar,
    fetched: _Fetched,
    span: tuple[datetime, datetime],
    now: datetime,
) -> int:
    """Inside the caller's unit: the cache of ``calendar`` after ``fetched``; how many busy
    rows were written."""
    count = 0
    if fetched.resources is not None:
        start, end = span
        if fetched.full or fetched.resources or fetched.removed:
            stale = delete(CalendarBusy).where(CalendarBusy.calendar_id == calendar.id)
            if not fetched.full:
                gone = {*fetched.removed, *(r.href for r in fetched.resources)}
                stale = stale.where(CalendarBusy.resource.in_(gone))
            session.execute(stale)
            calendar.busy_changed()  # an incremental sync that found nothing leaves it
        for resource in fetched.resources:
            try:
                events = _events_of(resource, start, end, user, calendar)
            except InvalidCalendar:
                log.warning("calendar %s: %s is not iCalendar; skipped", calendar.id, resource.href)
                continue
            rows = _rows(calendar, events, resource=resource.href)
            session.add_all(rows)
            count += len(rows)
        if fetched.full or fetched.resources or fetched.removed:
            log_meetings(  # C5: the contacts' meetings among what was read
                session,
                user,
                calendar,
                full=fetched.full,
                resources=fetched.resources,
                removed=fetched.removed,
                span=span,
                options=busy_options(user, calendar),
            )
        if fetched.full:
            calendar.synced_from, calendar.synced_until = start, end
        calendar.etag, calendar.last_modified = fetched.etag, fetched.last_modified
        calendar.sync_token = fetched.sync_token
    _synced(calendar, now)
    return count


def _synced(calendar: Calendar, now: datetime) -> None:
    calendar.last_synced_at = now
    calendar.next_sync_at = now + _every(calendar.connection)
    connection = calendar.connection
    connection.status, connection.status_message = "connected", ""
    connection.failing_since = None
    connection.last_synced_at = now


def _every(connection: CalendarConnection) -> timedelta:
    return ICS_SYNC_EVERY if connection.provider == "ics" else CALDAV_SYNC_EVERY


def stale_after() -> timedelta:
    """How long a calendar's cache is trusted without a successful sync (SPEC §5)."""
    return timedelta(minutes=int(current_app.config["RENDEZVOUS_CALENDAR_STALE_AFTER_MINUTES"]))


def _failed(session: Session, calendar: Calendar, exc: Exception, now: datetime) -> SyncOutcome:
    """C6: an auth failure disconnects at once; anything else is ``error`` (retried with
    backoff) until it has lasted past the stale limit, then it disconnects too. The host is
    emailed when the connection becomes disconnected, not on each failed sync after."""
    connection = calendar.connection
    with transaction(session):
        connection.failing_since = connection.failing_since or now
        lasting = now - connection.failing_since >= stale_after()
        auth = isinstance(exc, FeedAuthFailed | AuthFailed)
        message = str(exc) or "The calendar could not be read."
        if auth or lasting:
            disconnect(session, connection, message, now)
        else:
            connection.status, connection.status_message = "error", message
        every = _every(connection)
        failures = max(1, int((now - connection.failing_since) / every) + 1)
        calendar.next_sync_at = now + min(every * failures, timedelta(hours=1))
    return SyncOutcome("failed", message=connection.status_message)


def disconnect(
    session: Session, connection: CalendarConnection, message: str, now: datetime
) -> None:
    """In the caller's unit: C6 for ``connection`` (its links take requests from now on),
    and the host's one email when it was not disconnected already."""
    with transaction(session):
        connection.failing_since = connection.failing_since or now
        was = connection.status
        connection.status, connection.status_message = "disconnected", message
        if was != "disconnected":
            send_disconnected_notice(session, connection)  # once, with the change (C6)


def _span(session: Session, user: User, now: datetime) -> tuple[datetime, datetime]:
    """What a sync caches: the host's span, and :data:`HORIZON_SLACK` more."""
    start, end = cache_span(session, user, now)
    return start, end + HORIZON_SLACK


def sync_calendar(session: Session, calendar: Calendar, now: datetime) -> SyncOutcome:
    """Bring one calendar's cache up to date; its connection's status says how it went.

    Incremental when the provider can say what changed (a CalDAV sync token, a feed's 304),
    in full when it can't or when the cached span no longer reaches as far as the host's
    links do.
    """
    connection = calendar.connection
    user = connection.user
    needed = cache_span(session, user, now)[1]
    covered = calendar.synced_until is not None and calendar.synced_until >= needed
    span = _span(session, user, now)
    try:
        fetched = _fetch(connection, calendar, *span, covered=covered)
    except (FetchError, ProviderError, InvalidCalendar) as exc:
        return _failed(session, calendar, exc, now)
    with transaction(session):
        count = _write(session, user, calendar, fetched, span, now)
    return SyncOutcome("unchanged" if fetched.resources is None else "synced", busy_count=count)


# -- connecting ----------------------------------------------------------------------------


def connect_ics(session: Session, user: User, url: str, now: datetime) -> CalendarConnection:
    """Subscribe the host to a read-only ICS feed (C1): fetched and cached once, committed.

    Its one calendar checks conflicts and is never the default (it can't be written to).

    :raise ValidationFailed: ``{"url": [why]}``: a refused or private address, a feed that
        can't be reached, refuses us, is too large, or is not a calendar.
    """
    url = url.strip()
    span = _span(session, user, now)
    connection, calendar = _feed(user, url)
    try:
        fetched = _fetch(connection, calendar, *span, covered=False)
    except (FetchError, InvalidCalendar) as exc:
        raise _field("url", str(exc)) from exc
    return _subscribe(session, user, connection, calendar, fetched, span, now)


def subscribe_feed_body(
    session: Session, user: User, url: str, body: bytes, now: datetime
) -> CalendarConnection:
    """Subscribe the host to the feed at ``url`` whose content the caller already has: the
    demo's sample feed, served by this app, which is not listening yet when the demo is
    made. The worker reads ``url`` itself from the next sync on.

    :raise InvalidCalendar: ``body`` is not iCalendar.
    """
    span = _span(session, user, now)
    connection, calendar = _feed(user, url)
    parse_calendars(body)
    fetched = _Fetched(full=True, resources=[Resource("", None, body)], removed=[])
    return _subscribe(session, user, connection, calendar, fetched, span, now)


def _feed(user: User, url: str) -> tuple[CalendarConnection, Calendar]:
    connection = CalendarConnection(
        account_id=user.account_id, user_id=user.id, provider="ics", url=url
    )
    calendar = Calendar(
        user_id=user.id,
        remote_id=hashlib.sha256(url.encode()).hexdigest()[:32],
        name="",
        writable=False,
        check_conflicts=True,
    )
    return connection, calendar


def _subscribe(
    session: Session,
    user: User,
    connection: CalendarConnection,
    calendar: Calendar,
    fetched: _Fetched,
    span: tuple[datetime, datetime],
    now: datetime,
) -> CalendarConnection:
    assert fetched.resources
    body = fetched.resources[0].data
    calendar.name, calendar.time_zone = _feed_name(body, connection.url), calendar_zone_of(body)
    with transaction(session):
        connection.calendars.append(calendar)
        session.add(connection)
        session.flush()
        _write(session, user, calendar, fetched, span, now)
    return connection


def connect_caldav(
    session: Session, user: User, *, url: str, username: str, password: str, now: datetime
) -> CalendarConnection:
    """Connect the host's CalDAV account (C1): the calendars their login owns (C2), each
    synced once, committed. The first writable one is the default if the host has none.

    :raise ValidationFailed: ``{"url": [why]}`` (refused address, no CalDAV server, no
        calendar), or ``{"password": [why]}`` (the server refused the login).
    """
    connection = CalendarConnection(
        account_id=user.account_id,
        user_id=user.id,
        provider="caldav",
        url=url.strip(),
        username=username.strip(),
        secret=password,
    )
    span = _span(session, user, now)
    try:
        with _caldav(connection) as provider:
            remote = provider.discover()
            listings = {
                found.remote_id: provider.changes(found.remote_id, None, *span) for found in remote
            }
    except AuthFailed as exc:
        raise _field("password", str(exc)) from exc
    except (FetchError, ProviderError) as exc:
        raise _field("url", str(exc)) from exc
    if not remote:
        raise _field("url", "No calendar of yours was found at this address.")
    with transaction(session):
        has_default = _default_calendar(session, user) is not None
        session.add(connection)
        for found in remote:
            calendar = Calendar(
                user_id=user.id,
                remote_id=found.remote_id,
                name=(found.name or "Calendar")[:200],
                time_zone=found.time_zone,
                writable=found.writable,
                check_conflicts=True,
                is_default=found.writable and not has_default,
            )
            has_default = has_default or calendar.is_default
            connection.calendars.append(calendar)
        session.flush()
        for calendar in connection.calendars:
            _write(session, user, calendar, _listed(listings[calendar.remote_id]), span, now)
    return connection


def connect_oauth(
    session: Session, user: User, provider: str, token: dict[str, Any], now: datetime
) -> CalendarConnection:
    """The host's Google or Microsoft account from a grant just issued (C1): its calendars
    discovered (C2: the provider's default is ours too when the host has none; calendars
    the host doesn't own start switched off), each synced once, committed.

    Connecting the same account again is the reconnect of SPEC §10: the stored grant is
    replaced, the connection is connected again and every calendar read in full.

    :raise ValidationFailed: ``{"provider": [why]}``: not set up here, or the provider
        refused or could not be reached with this grant.
    """
    connection = CalendarConnection(
        account_id=user.account_id, user_id=user.id, provider=provider, url="", secret=""
    )
    span = _span(session, user, now)
    fresh = FixedToken(str(token.get("access_token", "")))
    try:
        with _provider(connection, fresh) as remote_api:
            address = remote_api.account_email()
            remote = remote_api.discover()
            listings = {
                found.remote_id: remote_api.changes(found.remote_id, None, *span)
                for found in remote
            }
    except ProviderError as exc:
        raise _field("provider", str(exc)) from exc
    existing = session.scalar(
        select(CalendarConnection).where(
            CalendarConnection.user_id == user.id,
            CalendarConnection.provider == provider,
            CalendarConnection.username == address,
        )
    )
    with transaction(session):
        if existing is not None:
            connection = existing
        else:
            session.add(connection)
        connection.username, connection.url = address, ""
        connection.secret = json.dumps(token)
        connection.status, connection.status_message = "connected", ""
        connection.failing_since = connection.token_lease_until = None
        _add_calendars(session, user, connection, remote)
        session.flush()
        for calendar in connection.calendars:
            changes = listings.get(calendar.remote_id)
            if changes is None:
                continue  # no longer at the provider: left as it is, the host may remove it
            _write(session, user, calendar, _listed(changes), span, now)
    return connection


def _add_calendars(
    session: Session, user: User, connection: CalendarConnection, remote: list[RemoteCalendar]
) -> None:
    """The calendars found that the connection doesn't have yet (C2)."""
    known = {calendar.remote_id for calendar in connection.calendars}
    has_default = _default_calendar(session, user) is not None
    ordered = sorted(remote, key=lambda found: not found.default)  # the provider's first
    for found in ordered:
        if found.remote_id in known:
            continue
        calendar = Calendar(
            user_id=user.id,
            remote_id=found.remote_id,
            name=(found.name or "Calendar")[:200],
            time_zone=found.time_zone,
            writable=found.writable,
            check_conflicts=found.owned,
            is_default=found.writable and found.default and not has_default,
        )
        has_default = has_default or calendar.is_default
        connection.calendars.append(calendar)


def _default_calendar(session: Session, user: User) -> Calendar | None:
    return session.scalar(
        select(Calendar).where(Calendar.user_id == user.id, Calendar.is_default.is_(True))
    )


# -- the host's choices, refreshing, removing ---------------------------------------------


def update_calendars(
    session: Session, user: User, connection_id: int, choices: list[dict[str, Any]], now: datetime
) -> CalendarConnection:
    """Apply the host's choices to the connection's calendars (C2, C3); a change to what
    counts as busy re-reads the calendar in full at the next sync, which is due at once.

    :raise NotFound: not a connection (or a calendar) of this host.
    :raise ValidationFailed: a read-only calendar made the default.
    """
    connection = get_user_connection(session, user, connection_id)
    by_id = {calendar.id: calendar for calendar in connection.calendars}
    with transaction(session):
        for choice in choices:
            calendar = by_id.get(choice["id"])
            if calendar is None:
                raise NotFound("No such calendar in this connection.")
            if choice.get("is_default"):
                if not calendar.writable:
                    raise _field(
                        "calendars", f"“{calendar.name}” is read-only: it can't be the default."
                    )
                for other in session.scalars(select(Calendar).where(Calendar.user_id == user.id)):
                    other.is_default = other.id == calendar.id
            elif choice.get("is_default") is False:
                calendar.is_default = False
            reread = False
            for option in ("check_conflicts", "tentative_busy", "ignore_all_day"):
                if option in choice and getattr(calendar, option) != choice[option]:
                    setattr(calendar, option, choice[option])
                    reread = reread or option != "check_conflicts"
            if reread:
                calendar.sync_token = calendar.etag = calendar.last_modified = None
                calendar.synced_until = None
                calendar.next_sync_at = now
    return connection


def refresh_connection(
    session: Session, user: User, connection_id: int, now: datetime
) -> CalendarConnection:
    """Sync every calendar of the connection now (the dashboard's Refresh, C6's Reconnect).

    :raise NotFound: not a connection of this host.
    """
    connection = get_user_connection(session, user, connection_id)
    for calendar in list(connection.calendars):
        sync_calendar(session, calendar, now)
    return connection


def reconnect_caldav(
    session: Session,
    user: User,
    connection_id: int,
    *,
    username: str | None,
    password: str | None,
    url: str | None,
    now: datetime,
) -> CalendarConnection:
    """New credentials for a CalDAV connection (C6), checked and synced at once.

    :raise NotFound: not a CalDAV connection of this host.
    :raise ValidationFailed: ``{"password": [...]}``: the server refused the new login.
    """
    connection = get_user_connection(session, user, connection_id)
    if connection.provider != "caldav":
        raise NotFound("No such CalDAV connection.")
    with transaction(session):
        if url:
            connection.url = url.strip()
        if username is not None:
            connection.username = username.strip()
        if password is not None:
            connection.secret = password
        connection.failing_since = None  # new credentials: a refusal now is theirs
    refresh_connection(session, user, connection_id, now)
    if connection.status == "disconnected":
        raise _field("password", connection.status_message)
    return connection


def remove_connection(session: Session, user: User, connection_id: int) -> None:
    """Forget the connection, its calendars and their cached busy time.

    :raise NotFound: not a connection of this host.
    """
    connection = get_user_connection(session, user, connection_id)
    with transaction(session):
        session.delete(connection)


def due_calendars(session: Session, now: datetime, *, limit: int = 20) -> list[int]:
    """Claim calendars whose sync is due: several workers never sync one calendar at once
    (PostgreSQL skips rows another worker holds; SQLite has one writer at a time)."""
    query = (
        select(Calendar)
        .where(Calendar.next_sync_at <= now)
        .order_by(Calendar.next_sync_at, Calendar.id)
        .limit(limit)
    )
    with write_transaction(session):
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        claimed = list(session.scalars(query))
        for calendar in claimed:
            calendar.next_sync_at = now + SYNC_LEASE
    return [calendar.id for calendar in claimed]


def sync_due(session: Session, now: datetime) -> list[SyncOutcome]:
    """The worker's pass: sync every calendar that is due."""
    outcomes = []
    for calendar_id in due_calendars(session, now):
        calendar = session.get(Calendar, calendar_id)
        if calendar is not None:
            outcomes.append(sync_calendar(session, calendar, now))
    return outcomes


def disconnected_connections(session: Session, user: User) -> list[CalendarConnection]:
    """The host's connections that need them (C6): while one is listed, their links take
    meeting requests instead of bookings, so the links list says so."""
    return list(
        session.scalars(
            select(CalendarConnection)
            .where(
                CalendarConnection.user_id == user.id,
                CalendarConnection.status == "disconnected",
            )
            .order_by(CalendarConnection.id)
        )
    )


def disconnected_host_ids(session: Session, host_ids: Iterable[int]) -> set[int]:
    """The hosts among ``host_ids`` with at least one ``disconnected`` connection (C6): their
    free time can't be known, so nothing may be booked with them."""
    wanted = list(host_ids)
    if not wanted:
        return set()
    return set(
        session.scalars(
            select(CalendarConnection.user_id)
            .where(
                CalendarConnection.user_id.in_(wanted),
                CalendarConnection.status == "disconnected",
            )
            .distinct()
        )
    )


def calendar_invites_attendees(session: Session, user_id: int) -> bool:
    """Whether the calendar the user's bookings are written to mails the attendees itself
    (Microsoft 365 does, Google is told not to, CalDAV servers don't): then our own email is
    the visitor's confirmation without a second invitation (SPEC §10)."""
    provider = session.scalar(
        select(CalendarConnection.provider)
        .join(Calendar, Calendar.connection_id == CalendarConnection.id)
        .where(
            Calendar.user_id == user_id,
            Calendar.is_default.is_(True),
            CalendarConnection.status != "disconnected",
        )
    )
    return provider == "microsoft"


def bookable_host_ids(session: Session, link: BookingLink) -> list[int]:
    """The link's hosts it can book now, in the link's order (SPEC §5, C6).

    A one-on-one or group link needs every host free, so one disconnected host leaves none;
    a round robin drops the disconnected hosts from its pool and books with the others.
    Empty means the link takes meeting requests instead (``mode: "request"``).
    """
    host_ids = link.host_ids
    unreadable = disconnected_host_ids(session, host_ids)
    if link.type == "round_robin":
        return [host_id for host_id in host_ids if host_id not in unreadable]
    return [] if unreadable else list(host_ids)
