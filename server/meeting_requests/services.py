"""Recording a request and telling the hosts, in one transaction (nothing lost, N1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session, object_session

from server.calendars.services import bookable_host_ids, disconnected_host_ids
from server.clock import utcnow
from server.contacts.services import upsert_contact
from server.db import transaction
from server.links.models import BookingLink
from server.meeting_requests import notices
from server.meeting_requests.models import VisitorRequest
from server.notifications.facts import Person
from server.webhooks.services import emit_meeting_request

__all__ = ["LinkMode", "RequestForm", "link_mode", "request_meeting"]

#: what the widget offers on a link: booking a time, or asking for a meeting (C6)
LinkMode = Literal["book", "request"]


def link_mode(link: BookingLink, session: Session | None = None) -> LinkMode:
    """``request`` when the link can't be booked because a host's calendar can't be read (C6).

    One-on-one and group links need every host, so one disconnected host is enough; a round
    robin asks for requests only once every host is disconnected
    (:func:`~server.calendars.services.bookable_host_ids`). ``session`` defaults to the
    link's own; a link in no session (a preview) has no calendars to read and is booked.
    """
    session = session or object_session(link)
    if session is None or not link.host_ids:
        return "book"
    return "book" if bookable_host_ids(session, link) else "request"


@dataclass(frozen=True, slots=True)
class RequestForm:
    name: str
    email: str
    preferred_times: str
    message: str = ""
    timezone: str | None = None


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.strip().partition(" ")
    return first, last.strip()


def request_meeting(session: Session, link: BookingLink, form: RequestForm) -> VisitorRequest:
    """C6: the contact is created or updated, the request stored, the hosts notified."""
    now = utcnow()
    first, last = _split_name(form.name)
    with transaction(session):
        contact = upsert_contact(
            session,
            link.account_id,
            email=form.email,
            first_name=first,
            last_name=last,
            properties={},
        )
        record = VisitorRequest(
            account_id=link.account_id,
            link_id=link.id,
            contact=contact,
            preferred_times=form.preferred_times,
            message=form.message,
            timezone=form.timezone,
            created_at=now,
        )
        session.add(record)
        session.flush()
        message = f"Preferred times: {form.preferred_times}"
        if form.message:
            message = f"{form.message}\n\n{message}"
        notices.meeting_requested(
            session,
            link,
            visitor=Person(
                name=form.name.strip(), email=contact.email, timezone=form.timezone or link.timezone
            ),
            message=message,
            disconnected_host_ids=disconnected_host_ids(session, link.host_ids or [link.owner_id]),
            contact_id=contact.id,
            now=now,
        )
        emit_meeting_request(session, record, now)  # webhooks, same commit
    return record
