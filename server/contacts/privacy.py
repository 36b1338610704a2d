"""GDPR for a contact (SPEC A6): an admin exports everything the account holds about a
person, or erases it. Each export and erasure leaves an audit line saying who did it.

Erasure keeps what the account must keep and nothing that names the person: the contact's
address, names and properties are replaced, its bookings are anonymised (the typed name,
answers and campaign tags go; times, statuses and the consent records stay, since they prove
what was agreed), its meeting requests lose their words, and the meetings seen in calendars
are removed. The contact row itself stays, anonymous, so the bookings keep their shape.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server.accounts.access import account_row
from server.accounts.models import AuditRecord, User
from server.bookings.models import Booking
from server.calendars.models import CalendarMeeting
from server.contacts.models import Contact
from server.db import transaction
from server.errors import Forbidden
from server.meeting_requests.models import VisitorRequest

__all__ = ["erase_contact", "export_contact"]

ERASED_DOMAIN = "erased.invalid"


def _admin_only(user: User) -> None:
    if user.role != "admin":
        raise Forbidden("Only an admin of this account can export or erase a contact's data.")


def _audit(session: Session, user: User, action: str, contact_id: int) -> None:
    session.add(
        AuditRecord(
            account_id=user.account_id,
            user_id=user.id,
            actor=user.email,
            action=action,
            subject=f"contact {contact_id}",
        )
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_contact(session: Session, user: User, contact_id: int) -> dict[str, Any]:
    """Everything held about the contact, as JSON-ready data; the export is audited.

    :raise NotFound: not a contact of the user's account.
    :raise Forbidden: the user is not an admin.
    """
    _admin_only(user)
    with transaction(session):
        contact = account_row(session, Contact, contact_id, user.account_id, "contact")
        bookings = session.scalars(
            select(Booking).where(Booking.contact_id == contact.id).order_by(Booking.id)
        ).all()
        requests = session.scalars(
            select(VisitorRequest)
            .where(VisitorRequest.contact_id == contact.id)
            .order_by(VisitorRequest.id)
        ).all()
        meetings = session.scalars(
            select(CalendarMeeting)
            .where(CalendarMeeting.contact_id == contact.id)
            .order_by(CalendarMeeting.id)
        ).all()
        _audit(session, user, "contact.exported", contact.id)
        return {
            "contact": {
                "id": contact.id,
                "email": contact.email,
                "first_name": contact.first_name,
                "last_name": contact.last_name,
                "properties": dict(contact.properties or {}),
                "created_at": _iso(contact.created_at),
                "updated_at": _iso(contact.updated_at),
            },
            "bookings": [
                {
                    "id": b.id,
                    "link": b.link.title,
                    "start": _iso(b.start_at),
                    "end": _iso(b.end_at),
                    "timezone": b.timezone,
                    "status": b.status,
                    "name_typed": b.visitor_name,
                    "answers": dict(b.answers or {}),
                    "consent": dict(b.consent or {}),
                    "utm": dict(b.utm or {}),
                    "created_at": _iso(b.created_at),
                    "cancelled_at": _iso(b.cancelled_at),
                }
                for b in bookings
            ],
            "meeting_requests": [
                {
                    "id": r.id,
                    "link": r.link.title,
                    "preferred_times": r.preferred_times,
                    "message": r.message,
                    "timezone": r.timezone,
                    "created_at": _iso(r.created_at),
                }
                for r in requests
            ],
            "calendar_meetings": [
                {
                    "title": m.title,
                    "start": _iso(m.start_at),
                    "end": _iso(m.end_at),
                    "status": m.status,
                    "source": m.provider,
                }
                for m in meetings
            ],
        }


def erase_contact(session: Session, user: User, contact_id: int) -> None:
    """Erase the person behind a contact (see the module), committed and audited.

    :raise NotFound: not a contact of the user's account.
    :raise Forbidden: the user is not an admin.
    """
    _admin_only(user)
    with transaction(session):
        contact = account_row(session, Contact, contact_id, user.account_id, "contact")
        contact.email = f"erased-{contact.id}@{ERASED_DOMAIN}"
        contact.first_name, contact.last_name, contact.properties = "", "", {}
        for booking in session.scalars(select(Booking).where(Booking.contact_id == contact.id)):
            booking.visitor_first_name, booking.visitor_last_name = "", ""
            booking.answers, booking.utm = {}, {}
        for asked in session.scalars(
            select(VisitorRequest).where(VisitorRequest.contact_id == contact.id)
        ):
            asked.preferred_times, asked.message = "", ""
        session.execute(delete(CalendarMeeting).where(CalendarMeeting.contact_id == contact.id))
        _audit(session, user, "contact.erased", contact.id)
