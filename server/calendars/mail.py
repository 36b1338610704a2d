"""The one email a host gets when a calendar connection disconnects (C6).

Sent once, when the status becomes ``disconnected`` (not on each failed sync after), through
the outbox in the same unit of work as the status change. Like the account emails it is a
short plain message in English: it is about the host's account, not about one link.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from server.accounts.mail import send_account_email
from server.calendars.models import CalendarConnection
from server.notifications.models import OutboxMessage
from server.notifications.settings import current_settings

__all__ = ["DISCONNECTED_KIND", "send_disconnected_notice"]

#: the outbox ``kind`` of the notice
DISCONNECTED_KIND = "calendar_disconnected"
#: a notice still unsent after this long is dropped: the dashboard says it anyway by then
_VALID_FOR = timedelta(days=7)
_PROVIDER_NAMES = {
    "caldav": "CalDAV",
    "ics": "calendar feed",
    "google": "Google Calendar",
    "microsoft": "Microsoft 365",
}


def _label(connection: CalendarConnection) -> str:
    """How the email names the connection: its calendars' names and its kind, never the URL
    (a feed URL is a secret of its own)."""
    names = ", ".join(f"“{c.name}”" for c in connection.calendars if c.name)
    kind = _PROVIDER_NAMES.get(connection.provider, connection.provider)
    return f"{names} ({kind})" if names else f"your {kind}"


def send_disconnected_notice(session: Session, connection: CalendarConnection) -> OutboxMessage:
    """Queue the notice for the connection's host, in the caller's unit of work."""
    user = connection.user
    label = _label(connection)
    why = connection.status_message or "The calendar could not be read."
    return send_account_email(
        session,
        kind=DISCONNECTED_KIND,
        account_id=connection.account_id,
        to_email=user.email,
        to_name=user.name,
        subject="Your calendar is disconnected: your links take requests instead of bookings",
        paragraphs=[
            f"Hello {user.name},",
            f"Rendezvous can no longer read {label}. The server said: {why}",
            "Until it is reconnected, nothing is booked against it: your meeting links ask "
            "visitors to request a meeting instead (a round-robin link keeps booking with its "
            "other hosts), and each request reaches you by email.",
            "Reconnect the calendar, or remove it, on your calendars page:",
        ],
        url=current_settings().calendars_url,
        valid_for=_VALID_FOR,
    )
