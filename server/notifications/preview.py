"""The email preview of the link editor (L5 "preview of the reminder email in the link's
language"): the message a sample visitor would get, rendered by the same functions as the
real ones, with no booking, no database write and nothing sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from server.clock import utcnow
from server.errors import ValidationFailed
from server.i18n import LANGUAGES
from server.links.models import BookingLink
from server.notifications import messages
from server.notifications.facts import Meeting, Person
from server.notifications.ics import booking_uid
from server.notifications.settings import MailSettings, current_settings
from server.notifications.tokens import TokenValues
from server.timezones import zone

__all__ = ["PREVIEW_KINDS", "Preview", "SampleContact", "preview_email"]

PREVIEW_KINDS = ("reminder", "invitation")


@dataclass(frozen=True, slots=True)
class SampleContact:
    """Whom the preview is addressed to; the dashboard may pass a real contact's values."""

    first_name: str = "Jane"
    last_name: str = "Doe"
    email: str = "jane.doe@example.com"
    properties: Mapping[str, Any] = field(default_factory=lambda: {"company": "Acme"})


@dataclass(frozen=True, slots=True)
class Preview:
    subject: str
    html: str
    text: str


def _sample_start(link: BookingLink, now: datetime) -> datetime:
    """10:00 in the link's zone, three days from now: a plausible meeting for any offset."""
    tz = zone(link.timezone)
    day = now.astimezone(tz).date() + timedelta(days=3)
    return datetime.combine(day, time(10), tzinfo=tz)


def preview_email(
    link: BookingLink,
    *,
    kind: str = "reminder",
    language: str | None = None,
    contact: SampleContact | None = None,
    settings: MailSettings | None = None,
    now: datetime | None = None,
) -> Preview:
    """Subject, HTML and text of the ``kind`` email of ``link`` in ``language``.

    ``language`` defaults to the link's; the time shown is in the link's zone.

    :raise ValidationFailed: an unknown ``kind`` or ``language``.
    """
    errors: dict[str, list[str]] = {}
    if kind not in PREVIEW_KINDS:
        errors["kind"] = [f"Choose one of {', '.join(PREVIEW_KINDS)}."]
    language = language or link.language
    if language not in LANGUAGES:
        errors["language"] = [f"Choose one of {', '.join(LANGUAGES)}."]
    if errors:
        raise ValidationFailed(errors)
    settings = settings or current_settings()
    contact = contact or SampleContact()
    now = now or utcnow()
    host = link.hosts[0].user if link.hosts else link.owner
    organizer = Person(name=host.name, email=host.email, timezone=host.timezone)
    start = _sample_start(link, now)
    base = settings.base_url
    meeting = Meeting(
        booking_id=0,
        uid=booking_uid(0, settings.domain),
        sequence=0,
        start=start,
        end=start + timedelta(minutes=link.durations[0]),
        title=link.title,
        subject=link.subject,
        description=link.description,
        location=link.location,
        video_link=link.video_link,
        language=language,
        locale=link.locale,
        organizer=organizer,
        hosts=(organizer,),
        visitor=Person(
            name=f"{contact.first_name} {contact.last_name}".strip(),
            email=contact.email,
            timezone=link.timezone,
        ),
        tokens=TokenValues(
            contact.first_name, contact.last_name, contact.email, dict(contact.properties)
        ),
        contact_url=f"{base}/app/contacts",
        booking_url=f"{base}/app/bookings",
        booking_page_url=f"{base}/meetings/{link.slug}",
        manage_url=f"{base}/meetings/manage/preview",
        round_robin=link.type == "round_robin",
        reminder_includes_description=bool((link.reminders or {}).get("include_description")),
    )
    if kind == "invitation":
        email = messages.invitation(meeting, stamp=now)
    else:
        email = messages.reminder(meeting, meeting.visitor)
    return Preview(subject=email.subject, html=email.html, text=email.text)
