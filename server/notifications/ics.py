"""The ``.ics`` attached to booking messages (B4, B5), built with ``icalendar``.

One event per booking, identified by a UID that never changes (``booking-<id>@<app host>``),
so a calendar updates or removes the same event when a REQUEST with a higher SEQUENCE or a
CANCEL arrives. Times are written in UTC: every calendar converts them to its own zone.

The same event, without a METHOD, is what write-back stores in the host's own calendar
(:func:`calendar_object`): a CalDAV resource is a calendar object, not an iTIP message
(RFC 4791 §4.1).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from icalendar import Calendar, Event, vCalAddress, vText

from server.notifications.facts import Meeting, Person

__all__ = [
    "PRODID",
    "FeedEntry",
    "booking_uid",
    "calendar_object",
    "feed_calendar",
    "meeting_calendar",
]

PRODID = "-//Rendezvous//Meetings//EN"
Method = Literal["REQUEST", "CANCEL"]


def booking_uid(booking_id: int, domain: str) -> str:
    """The event's UID: stable for the booking's whole life, unique across installations."""
    return f"booking-{booking_id}@{domain}"


def _address(person: Person, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["cn"] = vText(person.name or person.email)
    for key, value in params.items():
        address.params[key] = value
    return address


def meeting_calendar(
    meeting: Meeting,
    *,
    method: Method,
    summary: str,
    description: str,
    stamp: datetime,
) -> str:
    """The VCALENDAR text of ``meeting`` for ``method``; ``description`` has its tokens filled.

    The location is the link's location, or its video link when it has none; the video
    link is also the event's URL and opens the description so it is one tap away.
    """
    calendar = _calendar()
    calendar.add("method", method)
    calendar.add_component(
        _event(meeting, summary, description, stamp, cancelled=method == "CANCEL")
    )
    return calendar.to_ical().decode()


def calendar_object(meeting: Meeting, *, summary: str, description: str, stamp: datetime) -> str:
    """The meeting as an event stored in the host's own calendar (write-back, SPEC §5).

    No METHOD (RFC 4791 §4.1), and every attendee marked ``SCHEDULE-AGENT=CLIENT``
    (RFC 6638 §7.1): a server that schedules by itself (iCloud, Nextcloud…) must not send
    the visitor a second invitation, ours is already in their inbox (C4).
    """
    calendar = _calendar()
    calendar.add_component(
        _event(meeting, summary, description, stamp, cancelled=False, schedule_agent="CLIENT")
    )
    return calendar.to_ical().decode()


@dataclass(frozen=True)
class FeedEntry:
    """One meeting of a subscription feed, titled and described for its reader."""

    meeting: Meeting
    summary: str
    description: str
    cancelled: bool


#: how often a subscribed calendar app should read the feed again
FEED_REFRESH = timedelta(hours=1)


def feed_calendar(entries: Iterable[FeedEntry], *, name: str, stamp: datetime) -> str:
    """A host's subscription feed (SPEC §10): each meeting as the same event the emails and
    write-back made (UID, SEQUENCE), so an app that has both shows one; cancelled meetings
    stay in as CANCELLED for a while so apps drop them. Published, not sent: no METHOD, and
    attendees marked ``SCHEDULE-AGENT=CLIENT`` so no server mails the visitor from it.
    """
    calendar = _calendar()
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"value": "DURATION"})
    calendar.add("x-published-ttl", FEED_REFRESH)
    for entry in entries:
        calendar.add_component(
            _event(
                entry.meeting,
                entry.summary,
                entry.description,
                stamp,
                cancelled=entry.cancelled,
                schedule_agent="CLIENT",
            )
        )
    return calendar.to_ical().decode()


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    return calendar


def _event(
    meeting: Meeting,
    summary: str,
    description: str,
    stamp: datetime,
    *,
    cancelled: bool,
    schedule_agent: str | None = None,
) -> Event:
    attendee_params = {"schedule-agent": schedule_agent} if schedule_agent else {}
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", meeting.start.astimezone(UTC))
    event.add("dtend", meeting.end.astimezone(UTC))
    event.add("summary", summary)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    location = meeting.location or meeting.video_link
    if location:
        event.add("location", location)
    if meeting.video_link:
        event.add("url", meeting.video_link)
    text = "\n\n".join(part for part in (meeting.video_link, description) if part)
    if text:
        event.add("description", text)
    event.add("organizer", _address(meeting.organizer))
    for host in meeting.hosts:
        if host.email != meeting.organizer.email:
            event.add(
                "attendee",
                _address(host, role="REQ-PARTICIPANT", partstat="ACCEPTED", **attendee_params),
            )
    event.add(
        "attendee",
        _address(
            meeting.visitor,
            role="REQ-PARTICIPANT",
            partstat="ACCEPTED",
            rsvp="FALSE",
            **attendee_params,
        ),
    )
    return event
