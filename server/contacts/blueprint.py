"""Host API: the account's contacts, each record with its timeline (SPEC §10, C5)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from server.accounts.access import account_row
from server.accounts.auth import current_user, require_host
from server.bookings.blueprint import change_view
from server.bookings.models import Booking
from server.bookings.schemas import BookingChangeSchema
from server.contacts.models import Contact
from server.db import get_session
from server.meeting_requests.models import VisitorRequest

blp = Blueprint("contacts", __name__, url_prefix="/api/v1/contacts", description="Contacts")
SECURITY = [{"bearer": []}]


class ContactSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    properties = fields.Dict()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class TimelineItemSchema(Schema):
    kind = fields.String(metadata={"description": "booking | calendar_meeting | request"})
    title = fields.String()
    start = fields.DateTime(allow_none=True)
    end = fields.DateTime(allow_none=True)
    status = fields.String(metadata={"description": "confirmed | cancelled | received"})
    source = fields.String(metadata={"description": "booking_link | meeting_request"})
    at = fields.DateTime(metadata={"description": "when it was booked or asked"})
    booking_id = fields.Integer(allow_none=True)
    link_id = fields.Integer(allow_none=True)
    changes = fields.List(
        fields.Nested(BookingChangeSchema),
        metadata={"description": "a booking's cancel and reschedules: who, when, why"},
    )


class ContactRecordSchema(ContactSchema):
    timeline = fields.List(
        fields.Nested(TimelineItemSchema), metadata={"description": "newest first"}
    )


def contact_timeline(contact: Contact) -> list[dict[str, Any]]:
    """The contact's bookings (with who moved or cancelled them, and why) and requests."""
    session = get_session()
    items: list[dict[str, Any]] = []
    for booking in session.scalars(select(Booking).where(Booking.contact_id == contact.id)):
        items.append(
            {
                "kind": "booking",
                "title": booking.link.title,
                "start": booking.start_at,
                "end": booking.end_at,
                "status": booking.status,
                "source": "booking_link",
                "at": booking.created_at,
                "booking_id": booking.id,
                "link_id": booking.link_id,
                "changes": [change_view(session, booking, c) for c in booking.changes],
            }
        )
    requests = session.scalars(
        select(VisitorRequest).where(VisitorRequest.contact_id == contact.id)
    )
    for asked in requests:
        items.append(
            {
                "kind": "request",
                "title": asked.link.title,
                "start": None,
                "end": None,
                "status": "received",
                "source": "meeting_request",
                "at": asked.created_at,
                "booking_id": None,
                "link_id": asked.link_id,
                "changes": [],
            }
        )
    return sorted(items, key=lambda item: item["at"], reverse=True)


@blp.route("", endpoint="list", methods=["GET"])
@blp.doc(security=SECURITY)
@blp.response(200, ContactSchema(many=True))
@require_host
def list_contacts() -> list[Contact]:
    """The account's contacts, newest first."""
    return list(
        get_session().scalars(
            select(Contact)
            .where(Contact.account_id == current_user().account_id)
            .order_by(Contact.id.desc())
            .limit(500)
        )
    )


@blp.route("/<int:contact_id>", endpoint="get", methods=["GET"])
@blp.doc(security=SECURITY)
@blp.response(200, ContactRecordSchema)
@require_host
def get_contact(contact_id: int) -> dict[str, Any]:
    """The contact with its timeline.

    :raise 404: no such contact in this account.
    """
    contact = account_row(get_session(), Contact, contact_id, current_user().account_id, "contact")
    fields_ = ContactSchema().fields
    return {
        **{name: getattr(contact, name) for name in fields_},
        "timeline": contact_timeline(contact),
    }
