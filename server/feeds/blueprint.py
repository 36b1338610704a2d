"""The subscription in the host API (``/api/v1/account/calendar-feed``) and the address
calendar apps read (``/feeds/<token>.ics``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint as FlaskBlueprint
from flask import Response, url_for
from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint

from server.accounts.auth import current_user, require_host
from server.clock import utcnow
from server.db import get_session
from server.errors import NotFound
from server.feeds.models import CalendarFeed
from server.feeds.schemas import CalendarFeedSchema
from server.feeds.services import (
    close_feed,
    feed_by_token,
    feed_text,
    feed_url,
    open_feed,
    user_feed,
)

__all__ = ["blp", "feed_view", "reader_bp"]

blp = Blueprint(
    "feeds",
    __name__,
    url_prefix="/api/v1/account",
    description="A private iCal subscription of the host's bookings",
)
reader_bp = FlaskBlueprint("feed_reader", __name__)
SECURITY = [{"bearer": []}]


def feed_view(feed: CalendarFeed) -> dict[str, Any]:
    url = feed_url(feed)
    return {
        "url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[1],
        "created_at": feed.created_at,
        "last_read_at": feed.last_read_at,
    }


@blp.route("/calendar-feed", endpoint="get", methods=["GET"])
@blp.doc(security=SECURITY)
@blp.etag
@blp.response(200, CalendarFeedSchema)
@require_host
def get_feed() -> dict[str, Any]:
    """The signed-in host's subscription address.

    :raise 404: none is on.
    """
    feed = user_feed(get_session(), current_user())
    if feed is None:
        raise NotFound("No calendar subscription is on.")
    return feed_view(feed)


@blp.route("/calendar-feed", endpoint="create", methods=["POST"])
@blp.doc(security=SECURITY)
@blp.response(201, CalendarFeedSchema)
@require_host
def create_feed() -> ResponseReturnValue:
    """A new subscription address; the previous one, if any, stops working at once."""
    feed = open_feed(get_session(), current_user(), utcnow())
    return feed_view(feed), 201, {"Location": url_for("feeds.get")}


@blp.route("/calendar-feed", endpoint="delete", methods=["DELETE"])
@blp.doc(security=SECURITY)
@blp.response(204)
@require_host
def delete_feed() -> None:
    """Revoke the address: calendar apps reading it get a 404 from now on.

    :raise 404: none is on.
    """
    close_feed(get_session(), current_user())


@reader_bp.route("/feeds/<token>.ics", methods=["GET"])
def read_feed(token: str) -> Response:
    """What a calendar app reads: no session, the address is the key (a 404 once revoked)."""
    session = get_session()
    feed = feed_by_token(session, token)
    response = Response(feed_text(session, feed, utcnow()), mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="rendezvous.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
