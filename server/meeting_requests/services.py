"""Recording a request and telling the hosts, in one transaction (nothing lost, N1)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from server.clock import utcnow
from server.contacts.services import upsert_contact
from server.links.models import BookingLink
from server.meeting_requests import notices
from server.meeting_requests.models import VisitorRequest
from server.notifications.facts import Person

__all__ = ["RequestForm", "request_meeting"]


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
    contact = upsert_contact(
        session, link.account_id, email=form.email, first_name=first, last_name=last, properties={}
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
        calendar_disconnected=False,
        contact_id=contact.id,
        now=now,
    )
    session.commit()
    return record
