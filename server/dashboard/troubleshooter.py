"""The troubleshooter page: every candidate time of a day, and why it is or isn't offered."""

from __future__ import annotations

from datetime import date, timedelta

from flask import request
from flask.typing import ResponseReturnValue

from server.bookings.slots import troubleshoot_day
from server.clock import utcnow
from server.dashboard.forms import Errors, service_errors, status_for
from server.dashboard.links import TYPE_LABELS
from server.dashboard.rendering import render
from server.dashboard.session import login_required, signed_in_user
from server.db import get_session
from server.links.services import get_account_link
from server.timezones import zone

__all__ = ["troubleshooter"]

#: a day further than this from today is refused (and dates near year 9999 can't overflow)
TROUBLESHOOT_RANGE_DAYS = 2 * 366


@login_required
def troubleshooter(link_id: int) -> ResponseReturnValue:
    """Every candidate time of a day with the engine's reasons it is not offered.

    ``?day=YYYY-MM-DD`` (default: today in the link's zone), ``?duration=``.

    :raise 404: not a link of this account.
    """
    user = signed_in_user()
    session = get_session()
    link = get_account_link(session, user, link_id)
    now = utcnow()
    tz = zone(link.timezone)
    errors: Errors = {}
    today = now.astimezone(tz).date()
    try:
        day = date.fromisoformat(request.args.get("day", "")) if request.args.get("day") else None
    except ValueError:
        day, errors = None, {"day": ["Give a date such as 2026-12-01."]}
    if day is not None and abs((day - today).days) > TROUBLESHOOT_RANGE_DAYS:
        day, errors = None, {"day": ["Choose a date within two years of today."]}
    day = day or today
    asked = request.args.get("duration", type=int)
    duration, not_offered = service_errors(lambda: link.duration_for(asked))
    if duration is None:  # not one the link offers: say so, and show the first
        errors.update(not_offered)
        duration = link.durations[0]
    rows = troubleshoot_day(session, link, duration, day, now)
    for row in rows:
        row["local"] = row["start"].astimezone(tz)
    return render(
        "link_troubleshoot.html",
        status=status_for(errors),
        link=link,
        day=day,
        duration=duration,
        rows=rows,
        errors=errors,
        offered=sum(1 for r in rows if r["offered"]),
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        type_labels=TYPE_LABELS,
    )
