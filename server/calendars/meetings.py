"""C5, two-way sync: meetings in a host's connected calendars with a known contact among the
attendees go on that contact's timeline.

Each sync that reads a calendar logs what it read, in the sync's own unit of work: an event
whose participants include an existing contact's address (never one of the host's own, and
never our own booking events, which are on the timeline already as bookings) is logged once
per contact and occurrence, updated when it changes, and marked ``cancelled`` when a later
read no longer finds it (deleted, cancelled, or an occurrence excluded). Contacts are never
made from calendar data.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.accounts.models import User
from server.calendars import google, microsoft
from server.calendars.expand import BusyEvent, BusyOptions, InvalidCalendar, meetings_in
from server.calendars.models import Calendar, CalendarMeeting
from server.calendars.providers import OWN_UID, Resource
from server.contacts.models import Contact

__all__ = ["contact_meetings", "log_meetings"]

_MAX_TITLE = 500


def _meetings(
    resource: Resource, start: datetime, end: datetime, options: BusyOptions
) -> list[BusyEvent]:
    if resource.format == "google":
        found = google.meeting_of(json.loads(resource.data), options)
        return [found] if found is not None else []
    if resource.format == "graph":
        found = microsoft.meeting_of(json.loads(resource.data), options)
        return [found] if found is not None else []
    try:
        return meetings_in(resource.data, start, end, options)
    except InvalidCalendar:
        return []


def _occurrence(event: BusyEvent) -> str:
    """Which event of the resource (a feed holds many) and which occurrence of it."""
    when = event.recurrence_id.isoformat() if event.recurrence_id is not None else ""
    return f"{event.uid[:500]}|{when}"


def log_meetings(
    session: Session,
    user: User,
    calendar: Calendar,
    *,
    full: bool,
    resources: Sequence[Resource],
    removed: Sequence[str],
    span: tuple[datetime, datetime],
    options: BusyOptions,
) -> None:
    """Inside the sync's unit: the contact meetings of what this read of ``calendar`` found.

    ``full``: the read listed the whole span, so a logged meeting in it that was not listed
    is gone; otherwise only the resources read (changed or removed) are looked at.
    """
    start, end = span
    own = options.own_addresses
    seen: dict[tuple[str, str], BusyEvent] = {}
    for resource in resources:
        for event in _meetings(resource, start, end, options):
            if not OWN_UID.match(event.uid) and event.participants - own:
                seen[(resource.href, _occurrence(event))] = event
    addresses = {p for event in seen.values() for p in event.participants - own}
    contacts: dict[str, int] = {}
    if addresses:
        rows = session.execute(
            select(Contact.email, Contact.id).where(
                Contact.account_id == user.account_id, Contact.email.in_(sorted(addresses))
            )
        )
        contacts = {email.lower(): contact_id for email, contact_id in rows}
    logged = select(CalendarMeeting).where(CalendarMeeting.calendar_id == calendar.id)
    if full:
        logged = logged.where(CalendarMeeting.start_at < end, CalendarMeeting.end_at > start)
    else:
        touched = {*(r.href for r in resources), *removed}
        if not touched:
            return
        logged = logged.where(CalendarMeeting.resource.in_(sorted(touched)))
    existing = {
        (row.resource, row.occurrence, row.contact_id): row for row in session.scalars(logged)
    }
    kept: set[tuple[str, str, int]] = set()
    for (href, occurrence), event in seen.items():
        for address in sorted(event.participants - own):
            contact_id = contacts.get(address)
            if contact_id is None:
                continue  # not a contact: C5 never makes one
            key = (href, occurrence, contact_id)
            kept.add(key)
            row = existing.get(key)
            if row is None:
                row = CalendarMeeting(
                    account_id=user.account_id,
                    contact_id=contact_id,
                    calendar_id=calendar.id,
                    provider=calendar.connection.provider,
                    resource=href,
                    occurrence=occurrence,
                )
                session.add(row)
            row.title = event.summary[:_MAX_TITLE]
            row.start_at, row.end_at, row.status = event.start, event.end, "scheduled"
    for key, row in existing.items():
        if key not in kept:
            row.status = "cancelled"


def contact_meetings(session: Session, contact_id: int) -> list[CalendarMeeting]:
    """The calendar meetings logged on a contact's timeline, oldest first."""
    return list(
        session.scalars(
            select(CalendarMeeting)
            .where(CalendarMeeting.contact_id == contact_id)
            .order_by(CalendarMeeting.start_at, CalendarMeeting.id)
        )
    )
