"""Add-to-calendar links for Google Calendar and Outlook on the web, for the visitor (8.6).

Beside the ``.ics`` file, the confirmation and the manage page offer the two web calendars
most visitors use. Both links carry what the invitation's event carries: the visitor's subject
with tokens filled, the times in UTC, the description (the video link first) and the place.
They make a copy in that calendar, not the invitation's event: a visitor who has the
invitation in that calendar already needs neither.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from server.notifications.facts import Meeting
from server.notifications.messages import visitor_subject
from server.notifications.tokens import fill_tokens

__all__ = ["GOOGLE", "OUTLOOK", "google_url", "outlook_url"]

GOOGLE = "https://calendar.google.com/calendar/render"
OUTLOOK = "https://outlook.live.com/calendar/0/deeplink/compose"


def _details(meeting: Meeting) -> str:
    description = fill_tokens(meeting.description, meeting.tokens).strip()
    return "\n\n".join(part for part in (meeting.video_link, description) if part)


def _where(meeting: Meeting) -> str:
    return meeting.location or meeting.video_link or ""


def _utc(moment: datetime, pattern: str) -> str:
    return moment.astimezone(UTC).strftime(pattern)


def google_url(meeting: Meeting) -> str:
    """Google Calendar's event template: ``dates=YYYYMMDDTHHMMSSZ/YYYYMMDDTHHMMSSZ``."""
    dates = "/".join(_utc(t, "%Y%m%dT%H%M%SZ") for t in (meeting.start, meeting.end))
    query = {
        "action": "TEMPLATE",
        "text": visitor_subject(meeting),
        "dates": dates,
        "details": _details(meeting),
        "location": _where(meeting),
    }
    return f"{GOOGLE}?{urlencode(query)}"


def outlook_url(meeting: Meeting) -> str:
    """Outlook on the web's compose deep link: ``startdt``/``enddt`` as ISO 8601 in UTC."""
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": visitor_subject(meeting),
        "startdt": _utc(meeting.start, "%Y-%m-%dT%H:%M:%SZ"),
        "enddt": _utc(meeting.end, "%Y-%m-%dT%H:%M:%SZ"),
        "body": _details(meeting),
        "location": _where(meeting),
    }
    return f"{OUTLOOK}?{urlencode(query)}"
