"""Contacts are found or created by email within an account, never across accounts; and
read: the list, a contact's bookings and requests, and the Schedule tab's choices (B7)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.accounts.models import Account
from server.bookings.models import Booking, BookingChange
from server.bookings.slots import offered_slots
from server.calendars.meetings import contact_meetings
from server.clock import utcnow
from server.contacts.models import Contact
from server.errors import NotFound, ValidationFailed
from server.links.models import BookingLink
from server.links.services import live_links
from server.meeting_requests.models import VisitorRequest
from server.pagination import Page, paginate
from server.timezones import is_valid_timezone, zone

__all__ = [
    "ContactRecord",
    "ScheduleChoice",
    "TimelineItem",
    "contact_bookings",
    "contact_record",
    "contact_requests",
    "last_booked_zone",
    "offered_days",
    "recent_contacts",
    "schedule_choice",
    "search_contacts",
    "contact_differences",
    "upsert_contact",
]


def upsert_contact(
    session: Session,
    account_id: int,
    *,
    email: str,
    first_name: str,
    last_name: str,
    properties: Mapping[str, Any],
) -> Contact:
    """B4: the contact with this email, created if new, else only its empty fields filled.

    ``INSERT … ON CONFLICT DO NOTHING`` first, so two first bookings by the same new visitor
    in two transactions can't both try to create the contact.
    """
    email = email.strip().lower()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    session.execute(
        insert(Contact)
        .values(
            account_id=account_id,
            email=email,
            first_name=first_name,
            last_name=last_name,
            properties=dict(properties),
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["account_id", "email"])
    )
    contact = session.scalars(
        select(Contact)
        .where(Contact.account_id == account_id, Contact.email == email)
        .execution_options(populate_existing=True)
    ).one()
    # Only what the contact lacks: whoever books with a known address must not rewrite the
    # record (issue 12.12). What they typed stays on their booking, and the host sees where
    # it differs (:func:`contact_differences`).
    contact.first_name = contact.first_name or first_name
    contact.last_name = contact.last_name or last_name
    known = contact.properties or {}
    added = {k: v for k, v in properties.items() if v not in (None, "") and not known.get(k)}
    if added:
        contact.properties = {**known, **added}
    return contact


def contact_differences(
    contact: Contact, name: str, answers: Mapping[str, Any]
) -> list[tuple[str, str, str]]:
    """Where what a visitor typed differs from the contact on record: ``(what, typed,
    on_record)`` for the name and each property the contact has another value for."""
    found = []
    on_record = " ".join(p for p in (contact.first_name, contact.last_name) if p)
    if name.strip() and " ".join(name.split()).lower() != " ".join(on_record.split()).lower():
        found.append(("name", name, on_record))
    for key, value in answers.items():
        recorded = (contact.properties or {}).get(key)
        if recorded not in (None, "") and value not in (None, "") and str(value) != str(recorded):
            found.append((key, str(value), str(recorded)))
    return found


# -- reading -------------------------------------------------------------------------------


def search_contacts(
    session: Session, account_id: int, query: str, *, limit: int = 200
) -> list[tuple[Contact, int, datetime | None]]:
    """The account's contacts whose name or email contains ``query`` (all when empty), last
    changed first, each with its number of bookings and the start of its latest one."""
    statement = (
        select(Contact, func.count(Booking.id), func.max(Booking.start_at))
        .outerjoin(Booking, Booking.contact_id == Contact.id)
        .where(Contact.account_id == account_id)
        .group_by(Contact.id)
        .order_by(Contact.updated_at.desc(), Contact.id.desc())
        .limit(limit)
    )
    if query:
        like = f"%{query.lower()}%"
        statement = statement.where(
            or_(
                func.lower(Contact.email).like(like),
                func.lower(Contact.first_name).like(like),
                func.lower(Contact.last_name).like(like),
            )
        )
    return [(contact, count, last) for contact, count, last in session.execute(statement)]


def recent_contacts(
    session: Session, account_id: int, *, limit: int, cursor: str | None = None
) -> Page:
    """The account's contacts, newest first, a page at a time (the host API's list)."""
    statement = select(Contact).where(Contact.account_id == account_id)
    return paginate(
        session, statement, order=[Contact.id], limit=limit, cursor=cursor, descending=True
    )


def contact_bookings(session: Session, contact_id: int) -> list[Booking]:
    """The contact's bookings, cancelled ones too, in the order they were made."""
    statement = select(Booking).where(Booking.contact_id == contact_id).order_by(Booking.created_at)
    return list(session.scalars(statement))


def contact_requests(session: Session, contact_id: int) -> list[VisitorRequest]:
    """The meetings the contact asked for on a link's request form (C6)."""
    statement = select(VisitorRequest).where(VisitorRequest.contact_id == contact_id)
    return list(session.scalars(statement))


def last_booked_zone(session: Session, contact_id: int) -> str | None:
    """The zone the contact booked their latest meeting in: where they most likely are."""
    return session.scalar(
        select(Booking.timezone)
        .where(Booking.contact_id == contact_id)
        .order_by(Booking.created_at.desc())
        .limit(1)
    )


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """A booking, a meeting request or a calendar meeting (C5) of a contact, as the host
    API's timeline lists it."""

    kind: str
    title: str
    status: str
    source: str
    at: datetime
    link_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    booking_id: int | None = None
    #: a booking's cancel and reschedules: who, when, why
    changes: list[BookingChange] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ContactRecord:
    """A contact with its timeline, newest first (SPEC §10, C5)."""

    contact: Contact
    timeline: list[TimelineItem]


def contact_record(session: Session, contact: Contact) -> ContactRecord:
    """The contact's bookings (with who moved or cancelled them, and why), requests, and
    the meetings seen in the hosts' calendars (C5)."""
    items = [
        TimelineItem(
            kind="booking",
            title=booking.link.title,
            status=booking.status,
            source="booking_link",
            at=booking.created_at,
            link_id=booking.link_id,
            start=booking.start_at,
            end=booking.end_at,
            booking_id=booking.id,
            changes=list(booking.changes),
        )
        for booking in contact_bookings(session, contact.id)
    ]
    items += [
        TimelineItem(
            kind="request",
            title=asked.link.title,
            status="received",
            source="meeting_request",
            at=asked.created_at,
            link_id=asked.link_id,
        )
        for asked in contact_requests(session, contact.id)
    ]
    items += [
        TimelineItem(
            kind="calendar_meeting",
            title=meeting.title,
            status=meeting.status,
            source=meeting.provider,
            at=meeting.created_at,
            start=meeting.start_at,
            end=meeting.end_at,
        )
        for meeting in contact_meetings(session, contact.id)
    ]
    return ContactRecord(contact, sorted(items, key=lambda item: item.at, reverse=True))


# -- the Schedule tab (B7) -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduleChoice:
    """What the host is scheduling for a contact: on which link, how long, in which zone."""

    links: list[BookingLink]
    link: BookingLink | None
    duration: int | None
    timezone: str


def schedule_choice(
    session: Session,
    account: Account,
    contact: Contact,
    *,
    link_id: int | None,
    duration: int | None,
    timezone: str,
    host_zone: str,
) -> ScheduleChoice:
    """The link asked for, else the account's default link, else its first; a duration the
    link doesn't offer becomes its first; a zone that isn't one becomes the contact's latest
    booking's, else the link's (``host_zone`` when the account has no link).

    :raise NotFound: ``link_id`` is not a live link of the account.
    """
    links = live_links(session, account.id)
    link = None
    if link_id is not None:
        link = next((x for x in links if x.id == link_id), None)
        if link is None:
            raise NotFound("No such link.")
    elif links:
        link = next((x for x in links if x.id == account.default_link_id), links[0])
    if not is_valid_timezone(timezone):
        fallback = link.timezone if link is not None else host_zone
        timezone = last_booked_zone(session, contact.id) or fallback
    if link is not None:
        try:
            duration = link.duration_for(duration)
        except ValidationFailed:  # the form offers the link's durations only: start over
            duration = link.durations[0]
    return ScheduleChoice(links, link, duration, timezone)


def offered_days(
    session: Session, link: BookingLink, duration: int, timezone: str, *, days: int
) -> dict[date, list[datetime]]:
    """The link's free starts of the next ``days`` days, by local date in ``timezone``."""
    tz = zone(timezone)
    now = utcnow()
    today = now.astimezone(tz).date()
    starts = offered_slots(
        session, link, duration, today, today + timedelta(days=days - 1), timezone, now
    )
    by_day: dict[date, list[datetime]] = {}
    for start in starts:
        local = start.astimezone(tz)
        by_day.setdefault(local.date(), []).append(local)
    return by_day
