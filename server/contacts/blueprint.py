"""Host API: the account's contacts, each record with its timeline (SPEC §10, C5)."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from server.accounts.access import account_row
from server.accounts.auth import current_user, require_host
from server.bookings.schemas import BookingChangeSchema
from server.contacts.models import Contact
from server.contacts.privacy import erase_contact, export_contact
from server.contacts.schemas import ContactSchema
from server.contacts.services import ContactRecord, contact_record, recent_contacts
from server.db import get_session
from server.openapi import every_field_sent
from server.pagination import Page, PageQuerySchema, page_of

blp = Blueprint("contacts", __name__, url_prefix="/api/v1/contacts", description="Contacts")
SECURITY = [{"bearer": []}]


@every_field_sent
class TimelineItemSchema(Schema):
    kind = fields.String(metadata={"description": "booking | calendar_meeting | request"})
    title = fields.String()
    start = fields.DateTime(allow_none=True)
    end = fields.DateTime(allow_none=True)
    status = fields.String(
        metadata={
            "description": "confirmed | cancelled | received | scheduled (a calendar meeting)"
        }
    )
    source = fields.String(
        metadata={
            "description": "booking_link | meeting_request | google | microsoft | caldav | ics"
        }
    )
    at = fields.DateTime(metadata={"description": "when it was booked or asked"})
    booking_id = fields.Integer(allow_none=True)
    link_id = fields.Integer(allow_none=True)
    changes = fields.List(
        fields.Nested(BookingChangeSchema),
        metadata={"description": "a booking's cancel and reschedules: who, when, why"},
    )


class ContactRecordSchema(ContactSchema):
    """Dumps a :class:`~server.contacts.services.ContactRecord`: the contact's own fields, and
    its timeline."""

    timeline = fields.List(
        fields.Nested(TimelineItemSchema), metadata={"description": "newest first"}
    )

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        return super().get_attribute(obj if attr == "timeline" else obj.contact, attr, default)


@blp.route("", endpoint="list", methods=["GET"])
@blp.doc(security=SECURITY)
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, page_of(ContactSchema))
@require_host
def list_contacts(query: dict[str, Any]) -> Page:
    """The account's contacts, newest first, a page at a time."""
    return recent_contacts(get_session(), current_user().account_id, **query)


@blp.route("/<int:contact_id>", endpoint="get", methods=["GET"])
@blp.doc(security=SECURITY)
@blp.etag
@blp.response(200, ContactRecordSchema)
@require_host
def get_contact(contact_id: int) -> ContactRecord:
    """The contact with its timeline.

    :raise 404: no such contact in this account.
    """
    session = get_session()
    contact = account_row(session, Contact, contact_id, current_user().account_id, "contact")
    return contact_record(session, contact)


_ROWS = {"type": "array", "items": {"type": "object"}}
#: what :func:`~server.contacts.privacy.export_contact` returns, sent as it is
EXPORT_RESPONSE = {
    "description": "everything held about the person, as a JSON file (Content-Disposition: "
    "attachment)",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["contact", "bookings", "meeting_requests", "calendar_meetings"],
                "properties": {
                    "contact": {"type": "object"},
                    "bookings": _ROWS,
                    "meeting_requests": _ROWS,
                    "calendar_meetings": _ROWS,
                },
            }
        }
    },
}


@blp.route("/<int:contact_id>/export", endpoint="export", methods=["GET"])
@blp.doc(security=SECURITY, responses={"200": EXPORT_RESPONSE})
@require_host
def export(contact_id: int) -> ResponseReturnValue:
    """Everything the account holds about the contact, as JSON (GDPR access, A6); admins
    only, and audited.

    :raise 403: not an admin. :raise 404: no such contact in this account.
    """
    data = export_contact(get_session(), current_user(), contact_id)
    response = jsonify(data)
    response.headers["Content-Disposition"] = f'attachment; filename="contact-{contact_id}.json"'
    return response


@blp.route("/<int:contact_id>", endpoint="erase", methods=["DELETE"])
@blp.doc(security=SECURITY)
@blp.response(204)
@require_host
def erase(contact_id: int) -> None:
    """Erase the person behind the contact (GDPR erasure, A6): bookings anonymised, consent
    records kept; admins only, and audited.

    :raise 403: not an admin. :raise 404: no such contact in this account.
    """
    erase_contact(get_session(), current_user(), contact_id)
