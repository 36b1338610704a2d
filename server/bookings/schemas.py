from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.bookings.services import MAX_REASON_LENGTH
from server.fields import AwareDateTime

__all__ = [
    "BookingChangeSchema",
    "BookingListQuerySchema",
    "HostBookingSchema",
    "HostCancelSchema",
]


class BookingListQuerySchema(Schema):
    start = AwareDateTime(metadata={"description": "meetings ending after this instant"})
    end = AwareDateTime(metadata={"description": "meetings starting before this instant"})
    status = fields.String(validate=validate.OneOf(("confirmed", "cancelled")))
    link_id = fields.Integer()
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError("The end is before the start.", "end")


class BookingChangeSchema(Schema):
    """A cancel or reschedule: who (the visitor or a host), when, why, and from which time."""

    kind = fields.String(metadata={"description": "rescheduled | cancelled"})
    actor = fields.String(metadata={"description": "visitor | host"})
    actor_user_id = fields.Integer(allow_none=True, metadata={"description": "the host, if one"})
    actor_name = fields.String()
    reason = fields.String()
    at = fields.DateTime()
    previous_start = fields.DateTime(allow_none=True, metadata={"description": "rescheduled"})
    previous_end = fields.DateTime(allow_none=True, metadata={"description": "rescheduled"})


class HostCancelSchema(Schema):
    reason = fields.String(
        load_default="",
        validate=validate.Length(max=MAX_REASON_LENGTH),
        metadata={"description": "optional, why: the visitor reads it in the cancellation email"},
    )


class HostBookingSchema(Schema):
    id = fields.Integer()
    link_id = fields.Integer()
    host_id = fields.Integer()
    host_ids = fields.List(fields.Integer())
    contact_id = fields.Integer()
    start = fields.DateTime()
    end = fields.DateTime()
    duration = fields.Integer()
    timezone = fields.String()
    status = fields.String()
    answers = fields.Dict()
    consent = fields.Dict()
    utm = fields.Dict()
    contact = fields.Dict()
    created_at = fields.DateTime()
    cancelled_at = fields.DateTime(allow_none=True)
    changes = fields.List(
        fields.Nested(BookingChangeSchema), metadata={"description": "oldest first"}
    )
