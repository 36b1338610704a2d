"""``GET /demo/calendar.ics``: the demo host's sample agenda, with an ETag (so the worker's
conditional GET is answered 304 until the day changes)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from server.clock import utcnow
from server.demo.feed import DEMO_ZONE, sample_feed
from server.timezones import zone

__all__ = ["bp"]

bp = Blueprint("demo", __name__)


@bp.get("/demo/calendar.ics")
def calendar() -> Response:
    today = utcnow().astimezone(zone(DEMO_ZONE)).date()
    response = Response(sample_feed(today), mimetype="text/calendar")
    response.add_etag()
    response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)
