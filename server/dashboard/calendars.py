"""The signed-in user's calendars (C1–C6): where a meeting-request email's "Reconnect your
calendar" leads.

No calendar can be connected yet, and the page says so plainly: the times a link offers are
kept free of the host's Rendezvous bookings only. The calendars feature fills this page.
"""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from server.dashboard.rendering import render
from server.dashboard.session import login_required

__all__ = ["calendars"]


@login_required
def calendars() -> ResponseReturnValue:
    return render("calendars.html")
