"""The signed-in host's calendars (C1–C6, SPEC §10): where a meeting-request email's
"Reconnect your calendar" leads.

Each connection with its status (a disconnected one in red, with Remove and, for CalDAV,
Reconnect and refresh), its calendars and their switches; and the two forms that add one: a
CalDAV account, an ICS feed. Every button is a small form of its own, so the page works
without a script. Each view validates, calls one service of :mod:`server.calendars.services`
and redirects back, or shows the page again with the errors next to their fields (422).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue

from server.calendars.models import Calendar, CalendarConnection
from server.calendars.oauth import OAuthRefused, authorization, exchange, oauth_app, oauth_apps
from server.calendars.services import (
    connect_caldav,
    connect_ics,
    connect_oauth,
    reconnect_caldav,
    refresh_connection,
    remove_connection,
    update_calendars,
    user_connections,
)
from server.clock import utcnow
from server.dashboard.forms import (
    CalDavForm,
    CalDavReconnectForm,
    CalendarOptionsForm,
    Errors,
    IcsFeedForm,
    service_errors,
    submit,
)
from server.dashboard.rendering import render
from server.dashboard.session import login_required, signed_in_user
from server.db import get_session
from server.feeds.blueprint import feed_view
from server.feeds.services import close_feed, open_feed, user_feed

__all__ = [
    "PROVIDER_LABELS",
    "calendar_default",
    "calendar_options",
    "calendars",
    "connect_caldav_account",
    "connection_label",
    "connection_refresh",
    "connection_remove",
    "connection_reconnect",
    "feed_close",
    "feed_open",
    "oauth_callback",
    "oauth_connect",
    "subscribe_ics_feed",
]

#: how the page names each provider
PROVIDER_LABELS = {
    "caldav": "CalDAV",
    "ics": "ICS feed",
    "google": "Google Calendar",
    "microsoft": "Microsoft 365",
}
#: the statuses as the page shows them (SPEC §5 "Status")
STATUS_LABELS = {"connected": "Connected", "error": "Error", "disconnected": "Disconnected"}


def connection_label(connection: CalendarConnection) -> str:
    """What the host calls a connection: its calendars' names, else its server's name.

    Never the whole address: an ICS feed's URL is often a secret of its own.
    """
    names = [calendar.name for calendar in connection.calendars if calendar.name]
    if names:
        return ", ".join(names)
    return urlsplit(connection.url).hostname or PROVIDER_LABELS[connection.provider]


def _where(connection: CalendarConnection) -> str:
    """Where the connection reads from, as far as the page may show it."""
    host = urlsplit(connection.url).hostname or ""
    if connection.provider == "caldav":
        return f"{connection.username} at {host}" if connection.username else host
    return host


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _renamed(errors: Errors, names: dict[str, str]) -> Errors:
    """The service names the address ``url``; each form names its own field."""
    return {names.get(key, key): messages for key, messages in errors.items()}


def _back(anchor: str = "") -> ResponseReturnValue:
    return redirect(url_for("dashboard.calendars") + (f"#{anchor}" if anchor else ""))


def _page(
    *,
    caldav: dict[str, Any] | None = None,
    ics: dict[str, Any] | None = None,
    reconnect: dict[str, Any] | None = None,
) -> ResponseReturnValue:
    """The page; any form given with errors makes it a 422 showing them next to its fields.

    ``caldav`` / ``ics``: ``{"values", "errors"}`` of an add form; ``reconnect``: the same,
    with the ``connection_id`` it was posted for.
    """
    user = signed_in_user()
    blank: dict[str, Any] = {"values": {}, "errors": {}}
    caldav, ics = caldav or blank, ics or blank
    reconnect = reconnect or {"connection_id": None, **blank}
    rows = [
        {
            "connection": connection,
            "provider": PROVIDER_LABELS[connection.provider],
            "status": STATUS_LABELS[connection.status],
            "label": connection_label(connection),
            "where": _where(connection),
        }
        for connection in user_connections(get_session(), user)
    ]
    errors = caldav["errors"] or ics["errors"] or reconnect["errors"]
    feed = user_feed(get_session(), user)
    return render(
        "calendars.html",
        status=422 if errors else 200,
        rows=rows,
        oauth_providers=list(oauth_apps(current_app.config)),
        provider_labels=PROVIDER_LABELS,
        caldav=caldav,
        ics=ics,
        reconnect=reconnect,
        feed=feed_view(feed) if feed is not None else None,
    )


def _calendar(connection: CalendarConnection, calendar_id: int) -> Calendar:
    return next(c for c in connection.calendars if c.id == calendar_id)


# -- the page, and adding a connection (C1) ------------------------------------------------


@login_required
def calendars() -> ResponseReturnValue:
    return _page()


@login_required
def connect_caldav_account() -> ResponseReturnValue:
    """Connect a CalDAV account: its calendars are discovered and synced at once.

    The password is never sent back in the page, not even after an error.
    """
    user = signed_in_user()
    values = {k: v for k, v in request.form.to_dict().items() if k != "password"}
    connection, errors = submit(
        CalDavForm(),
        request.form,
        lambda data: connect_caldav(
            get_session(),
            user,
            url=data["server_url"],
            username=data["username"],
            password=data["password"],
            now=utcnow(),
        ),
    )
    if connection is None:
        return _page(caldav={"values": values, "errors": _renamed(errors, {"url": "server_url"})})
    default = next((c.name for c in connection.calendars if c.is_default), None)
    message = f"Connected: {_plural(len(connection.calendars), 'calendar')}."
    if default:
        message += f" Bookings are written to “{default}”, your default calendar."
    flash(message)
    return _back(f"connection-{connection.id}")


@login_required
def subscribe_ics_feed() -> ResponseReturnValue:
    """Subscribe to a read-only ICS feed: fetched and cached at once, checked for conflicts."""
    user = signed_in_user()
    connection, errors = submit(
        IcsFeedForm(),
        request.form,
        lambda data: connect_ics(get_session(), user, data["feed_url"], utcnow()),
    )
    if connection is None:
        values = request.form.to_dict()
        return _page(ics={"values": values, "errors": _renamed(errors, {"url": "feed_url"})})
    flash(
        f"Subscribed to “{connection_label(connection)}”: its events keep your links' times "
        "busy from now on."
    )
    return _back(f"connection-{connection.id}")


# -- Google and Microsoft: the OAuth flow (SPEC §10) -------------------------------------

_OAUTH = "calendar_oauth"


def _redirect_uri(provider: str) -> str:
    """What the operator registers at the provider (SPEC §10)."""
    base = current_app.config["RENDEZVOUS_BASE_URL"].rstrip("/")
    return f"{base}/app/calendars/oauth/{provider}/callback"


@login_required
def oauth_connect(provider: str) -> ResponseReturnValue:
    """Send the host to the provider's consent page (state and PKCE kept in the session);
    a reconnect is the same flow."""
    app = oauth_app(current_app.config, provider)
    if app is None:
        abort(404)
    url, state, verifier = authorization(app, _redirect_uri(provider))
    session[_OAUTH] = {"provider": provider, "state": state, "verifier": verifier}
    return redirect(url)


@login_required
def oauth_callback(provider: str) -> ResponseReturnValue:
    """Where the provider sends the host back: the grant stored, the calendars found and
    synced, or why not."""
    app = oauth_app(current_app.config, provider)
    if app is None:
        abort(404)
    pending = session.pop(_OAUTH, None) or {}
    if pending.get("provider") != provider or pending.get("state") != request.args.get("state"):
        flash("That sign-in link is stale or was not started here. Try connecting again.", "error")
        return _back()
    if request.args.get("error"):
        flash(f"{PROVIDER_LABELS[provider]} was not connected: access was not granted.", "error")
        return _back()
    callback = _redirect_uri(provider) + "?" + request.query_string.decode()
    try:
        token = exchange(app, _redirect_uri(provider), callback, pending["verifier"])
    except OAuthRefused as exc:
        flash(f"{PROVIDER_LABELS[provider]} was not connected: {exc}", "error")
        return _back()
    user = signed_in_user()
    connection, errors = service_errors(
        lambda: connect_oauth(get_session(), user, provider, token, utcnow())
    )
    if connection is None:
        reasons = " ".join(m for messages in errors.values() for m in messages)
        flash(f"{PROVIDER_LABELS[provider]} was not connected: {reasons}", "error")
        return _back()
    default = next((c.name for c in connection.calendars if c.is_default), None)
    message = f"Connected {connection.username}: {_plural(len(connection.calendars), 'calendar')}."
    if default:
        message += f" Bookings are written to “{default}”, your default calendar."
    flash(message)
    return _back(f"connection-{connection.id}")


# -- one calendar's choices (C2, C3) -------------------------------------------------------


@login_required
def calendar_options(connection_id: int, calendar_id: int) -> ResponseReturnValue:
    """Save one calendar's switches: check for conflicts, tentative is busy, ignore all-day.

    :raise 404: not a calendar of this host's connection.
    """
    user = signed_in_user()
    connection, errors = submit(
        CalendarOptionsForm(),
        request.form,
        lambda data: update_calendars(
            get_session(), user, connection_id, [{"id": calendar_id, **data}], utcnow()
        ),
    )
    if connection is None:
        flash("; ".join(m for ms in errors.values() for m in ms), "error")
    else:
        flash(f"Saved: “{_calendar(connection, calendar_id).name}”.")
    return _back(f"calendar-{calendar_id}")


@login_required
def calendar_default(connection_id: int, calendar_id: int) -> ResponseReturnValue:
    """Make a writable calendar the host's default: bookings are written to it (C2, C4).

    :raise 404: not a calendar of this host's connection.
    """
    user = signed_in_user()
    connection, errors = service_errors(
        lambda: update_calendars(
            get_session(), user, connection_id, [{"id": calendar_id, "is_default": True}], utcnow()
        )
    )
    if connection is None:
        flash("; ".join(m for ms in errors.values() for m in ms), "error")
    else:
        name = _calendar(connection, calendar_id).name
        flash(f"“{name}” is your default calendar now: new bookings are written to it.")
    return _back(f"calendar-{calendar_id}")


# -- a connection: refresh, reconnect, remove (C6) -------------------------------------------


def _flash_status(connection: CalendarConnection, done: str) -> None:
    """``done`` when the connection reads again; else why not, as an error."""
    label = connection_label(connection)
    if connection.status == "connected":
        flash(f"{done}: “{label}”.")
    else:
        flash(f"“{label}” could not be read: {connection.status_message}", "error")


@login_required
def connection_refresh(connection_id: int) -> ResponseReturnValue:
    """Sync every calendar of the connection now; the page shows the new status.

    :raise 404: not a connection of this host.
    """
    connection = refresh_connection(get_session(), signed_in_user(), connection_id, utcnow())
    _flash_status(connection, "Refreshed")
    return _back(f"connection-{connection.id}")


@login_required
def connection_reconnect(connection_id: int) -> ResponseReturnValue:
    """A CalDAV account's login again, checked and synced at once (C6's "Reconnect and
    refresh"). A login the server still refuses is shown next to the password (422).

    :raise 404: not a CalDAV connection of this host.
    """
    user = signed_in_user()
    connection, errors = submit(
        CalDavReconnectForm(),
        request.form,
        lambda data: reconnect_caldav(
            get_session(),
            user,
            connection_id,
            username=data["username"],
            password=data["password"],
            url=None,
            now=utcnow(),
        ),
    )
    if connection is not None and connection.status == "disconnected":
        # still refused, by a connection that was disconnected before this attempt
        errors = {"password": [connection.status_message]}
    if errors:
        values = {"username": request.form.get("username", "")}
        return _page(reconnect={"connection_id": connection_id, "values": values, "errors": errors})
    assert connection is not None
    _flash_status(connection, "Reconnected and refreshed")
    return _back(f"connection-{connection.id}")


@login_required
def connection_remove(connection_id: int) -> ResponseReturnValue:
    """Forget a connection, its calendars and their busy time; needs the confirm box.

    :raise 404: not a connection of this host.
    """
    if request.form.get("confirm") != "yes":
        flash("Tick the box to confirm that this calendar is removed.", "error")
        return _back(f"connection-{connection_id}")
    remove_connection(get_session(), signed_in_user(), connection_id)
    flash("The calendar is removed: its events no longer block your links' times.")
    return _back()


# -- the private subscription of the host's bookings (SPEC §10) -----------------------------


@login_required
def feed_open() -> ResponseReturnValue:
    """Turn the subscription address on, or replace it: the old one stops working."""
    session, user = get_session(), signed_in_user()
    replaced = user_feed(session, user) is not None
    open_feed(session, user, utcnow())
    if replaced:
        flash("New subscription address made: calendars still on the old one stop updating.")
    else:
        flash("Your bookings have a subscription address now: add it to your calendar app.")
    return _back("subscription")


@login_required
def feed_close() -> ResponseReturnValue:
    """Revoke the subscription address (nothing to do when it is already off)."""
    session, user = get_session(), signed_in_user()
    if user_feed(session, user) is not None:
        close_feed(session, user)
    flash("The subscription address is off: calendar apps reading it get nothing more.")
    return _back("subscription")
