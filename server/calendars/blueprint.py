"""Host API: the signed-in host's calendar connections (SPEC §10 "Calendars", C1–C3, C6).

Each connection is the host's own: another host's, even in the same account, is a 404. The
answers never carry a connection's URL, username or password (A3).
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint

from server.accounts.auth import current_user, require_host
from server.calendars.models import CalendarConnection
from server.calendars.schemas import (
    ConnectCalendarSchema,
    ConnectionPatchSchema,
    ConnectionSchema,
)
from server.calendars.services import (
    connect_caldav,
    connect_ics,
    connections_page,
    get_user_connection,
    reconnect_caldav,
    refresh_connection,
    remove_connection,
    update_calendars,
)
from server.clock import utcnow
from server.db import get_session
from server.errors import ValidationFailed
from server.pagination import Page, PageQuerySchema, page_of

__all__ = ["blp"]

blp = Blueprint(
    "calendars", __name__, url_prefix="/api/v1/calendars", description="Calendar connections"
)
SECURITY = [{"bearer": []}]
NOT_FOUND = "not_found: no such calendar connection of yours"
CREDENTIALS = ("url", "username", "password")


@blp.route("", endpoint="list", methods=["GET"])
@blp.doc(security=SECURITY)
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, page_of(ConnectionSchema))
@require_host
def list_connections(query: dict[str, Any]) -> Page:
    """The host's connections, oldest first, each with its calendars, a page at a time."""
    return connections_page(get_session(), current_user(), **query)


@blp.route("", endpoint="create", methods=["POST"])
@blp.doc(security=SECURITY)
@blp.arguments(ConnectCalendarSchema)
@blp.response(201, ConnectionSchema)
@blp.alt_response(
    422,
    description="validation_error: fields.url (a refused or private address, no CalDAV "
    "server or calendar there, a feed over the size cap or not a calendar), fields.password "
    "(the server refused the login), or another field",
)
@require_host
def create(data: dict[str, Any]) -> ResponseReturnValue:
    """Connect a CalDAV account or subscribe to an ICS feed: the credentials are checked,
    the calendars discovered and synced once before the answer (C1, C2).

    :raise 422: the provider refused (``fields.url``, ``fields.password``), or invalid fields.
    """
    session, user, now = get_session(), current_user(), utcnow()
    if data["provider"] == "caldav":
        connection = connect_caldav(
            session,
            user,
            url=data["url"],
            username=data["username"],
            password=data["password"],
            now=now,
        )
    else:
        connection = connect_ics(session, user, data["url"], now)
    return connection, 201, {"Location": url_for("calendars.get", connection_id=connection.id)}


@blp.route("/<int:connection_id>", endpoint="get", methods=["GET"])
@blp.etag
@blp.doc(security=SECURITY)
@blp.response(200, ConnectionSchema)
@blp.alt_response(404, description=NOT_FOUND)
@require_host
def get(connection_id: int) -> CalendarConnection:
    """One connection, with its status and calendars.

    :raise 404: no such connection of this host.
    """
    return get_user_connection(get_session(), current_user(), connection_id)


@blp.route("/<int:connection_id>", endpoint="update", methods=["PATCH"])
@blp.doc(security=SECURITY)
@blp.arguments(ConnectionPatchSchema)
@blp.response(200, ConnectionSchema)
@blp.alt_response(404, description=NOT_FOUND + ", or a calendar not of this connection")
@blp.alt_response(
    422,
    description="validation_error: fields.calendars (a read-only calendar made the default), "
    "fields.password (the server refused the new login), credentials sent for an ICS feed",
)
@require_host
def update(data: dict[str, Any], connection_id: int) -> CalendarConnection:
    """Change what was sent: the calendars' choices (C2, C3); for CalDAV, new credentials,
    checked and synced at once (C6's reconnect). Both in one request: the choices first, so
    the sync that checks the credentials already reads with them.

    :raise 404: no such connection of this host, or a calendar not of it.
    :raise 422: a read-only calendar made the default; refused credentials; credentials for
        an ICS feed.
    """
    session, user, now = get_session(), current_user(), utcnow()
    connection = get_user_connection(session, user, connection_id)
    credentials = {name: data[name] for name in CREDENTIALS if name in data}
    if credentials and connection.provider != "caldav":
        raise ValidationFailed(
            dict.fromkeys(
                credentials, ["An ICS feed has no login; remove it and add the new address."]
            )
        )
    if "calendars" in data:
        connection = update_calendars(session, user, connection_id, data["calendars"], now)
    if credentials:
        connection = reconnect_caldav(
            session,
            user,
            connection_id,
            username=credentials.get("username"),
            password=credentials.get("password"),
            url=credentials.get("url"),
            now=now,
        )
    return connection


@blp.route("/<int:connection_id>", endpoint="delete", methods=["DELETE"])
@blp.doc(security=SECURITY)
@blp.response(204)
@blp.alt_response(404, description=NOT_FOUND)
@require_host
def delete(connection_id: int) -> None:
    """Forget the connection, its calendars and their cached busy time.

    :raise 404: no such connection of this host.
    """
    remove_connection(get_session(), current_user(), connection_id)


@blp.route("/<int:connection_id>/refresh", endpoint="refresh", methods=["POST"])
@blp.doc(security=SECURITY)
@blp.response(200, ConnectionSchema)
@blp.alt_response(404, description=NOT_FOUND)
@require_host
def refresh(connection_id: int) -> CalendarConnection:
    """Sync every calendar of the connection now; the answer carries its new status (a
    failed sync is a status, ``error`` or ``disconnected``, not an error answer).

    :raise 404: no such connection of this host.
    """
    return refresh_connection(get_session(), current_user(), connection_id, utcnow())
