from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.bookings.services import MAX_REASON_LENGTH
from server.calendars.writeback import calendar_event_view
from server.contacts.schemas import ContactNameSchema
from server.fields import AwareDateTime
from server.guards import MAX_ID
from server.openapi import every_field_sent
from server.pagination import PageQuerySchema

__all__ = [
    "BookingChangeSchema",
    "BookingListQuerySchema",
    "HostBookingSchema",
    "HostCancelSchema",
]


class BookingListQuerySchema(PageQuerySchema):
    start = AwareDateTime(metadata={"description": "meetings ending after this instant"})
    end = AwareDateTime(metadata={"description": "meetings starting before this instant"})
    status = fields.String(validate=validate.OneOf(("confirmed", "cancelled")))
    link_id = fields.Integer(validate=validate.Range(1, MAX_ID))

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError("The end is before the start.", "end")


@every_field_sent
class BookingChangeSchema(Schema):
    """A cancel or reschedule: who (the visitor or a host), when, why, and from which time.

    Dumps a :class:`~server.bookings.models.BookingChange` as it is.
    """

    kind = fields.String(metadata={"description": "rescheduled | cancelled"})
    actor = fields.String(metadata={"description": "visitor | host"})
    actor_user_id = fields.Integer(allow_none=True, metadata={"description": "the host, if one"})
    actor_name = fields.String()
    reason = fields.String()
    at = fields.DateTime(attribute="created_at")
    previous_start = fields.DateTime(
        attribute="previous_start_at", allow_none=True, metadata={"description": "rescheduled"}
    )
    previous_end = fields.DateTime(
        attribute="previous_end_at", allow_none=True, metadata={"description": "rescheduled"}
    )


class HostCancelSchema(Schema):
    reason = fields.String(
        load_default="",
        validate=validate.Length(max=MAX_REASON_LENGTH),
        metadata={"description": "optional, why: the visitor reads it in the cancellation email"},
    )


@every_field_sent
class HostBookingSchema(Schema):
    """A :class:`~server.bookings.models.Booking` in the host API, dumped as it is."""

    id = fields.Integer()
    link_id = fields.Integer()
    host_id = fields.Integer()
    host_ids = fields.Method("_host_ids", metadata={"type": "array", "items": {"type": "integer"}})
    contact_id = fields.Integer()
    start = fields.DateTime(attribute="start_at")
    end = fields.DateTime(attribute="end_at")
    duration = fields.Integer(attribute="duration_minutes")
    timezone = fields.String()
    status = fields.String(metadata={"enum": ["confirmed", "cancelled"]})
    answers = fields.Dict()
    consent = fields.Dict()
    utm = fields.Dict()
    contact = fields.Nested(ContactNameSchema)
    created_at = fields.DateTime()
    cancelled_at = fields.DateTime(allow_none=True)
    changes = fields.List(
        fields.Nested(BookingChangeSchema), metadata={"description": "oldest first"}
    )
    calendar_event = fields.Method(
        "_calendar_event",
        allow_none=True,
        metadata={
            "type": "object",
            "description": "the event in the host's default calendar (SPEC §10); null when "
            "no calendar of the host was asked to hold it",
            "properties": {
                "status": {"type": "string", "enum": ["pending", "written", "failed"]},
                "calendar_id": {"type": ["integer", "null"]},
                "url": {
                    "type": ["string", "null"],
                    "description": "the provider's link to the event; null for CalDAV",
                },
            },
        },
    )

    def _host_ids(self, booking: Any) -> list[int]:
        """Every attending host: one, or all of a group link's."""
        return [held.user_id for held in booking.attendees]

    def _calendar_event(self, booking: Any) -> dict[str, Any] | None:
        return calendar_event_view(booking)
