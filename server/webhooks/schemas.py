"""What the host API takes and answers for webhooks (SPEC §10), and a meeting request as the
host API shows it (an event's ``data``)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from server.contacts.schemas import ContactNameSchema
from server.fields import SingleLine
from server.openapi import every_field_sent
from server.webhooks.models import DELIVERY_STATUSES, EVENTS, TEST_EVENT

__all__ = [
    "DeliverySchema",
    "MeetingRequestViewSchema",
    "WebhookCreatedSchema",
    "WebhookSchema",
    "WebhookViewSchema",
]

_EVENTS_TEXT = ", ".join(EVENTS)


def _known_events(events: list[str]) -> None:
    if not events:
        raise ValidationError(f"Choose at least one event: {_EVENTS_TEXT}.")
    unknown = sorted({event for event in events if event not in EVENTS})
    if unknown:
        raise ValidationError(f"Unknown event: {', '.join(unknown)}. Choose from {_EVENTS_TEXT}.")


class WebhookSchema(Schema):
    """A webhook as sent (POST; PATCH takes any of its fields)."""

    url = SingleLine(
        required=True,
        validate=validate.Length(1, 2000),
        metadata={
            "description": "https:// or http://; a private, loopback or link-local address is "
            "refused (SPEC §5), unless the operator allows them"
        },
    )
    events = fields.List(
        fields.String(validate=validate.Length(max=40)),
        required=True,
        validate=[validate.Length(max=len(EVENTS) * 4), _known_events],
        metadata={"description": f"one or more of: {_EVENTS_TEXT}"},
    )
    secret = SingleLine(
        load_only=True,
        validate=validate.Length(16, 200),
        metadata={
            "description": "the HMAC key of X-Rendezvous-Signature; when left out of a POST "
            "the server makes one (shown once, in the 201 answer)"
        },
    )
    active = fields.Boolean(
        load_default=True, metadata={"description": "false: no events are sent"}
    )


@every_field_sent
class WebhookViewSchema(Schema):
    """A :class:`~server.webhooks.models.Webhook` as the host API shows it: never its secret."""

    id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String(metadata={"enum": list(EVENTS)}))
    active = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class WebhookCreatedSchema(WebhookViewSchema):
    """The answer to the POST that made the webhook: the only one to carry its secret."""

    secret = fields.String(metadata={"description": "shown this once: keep it now"})

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        webhook, secret = obj
        return secret if attr == "secret" else super().get_attribute(webhook, attr, default)


@every_field_sent
class DeliverySchema(Schema):
    """One delivery of the log: a :class:`~server.webhooks.models.WebhookDelivery`."""

    id = fields.String(
        attribute="delivery_id",
        metadata={"description": "the body's id and X-Rendezvous-Delivery: dedupe by it"},
    )
    webhook_id = fields.Integer()
    event = fields.String(metadata={"enum": [*EVENTS, TEST_EVENT]})
    status = fields.String(metadata={"enum": list(DELIVERY_STATUSES)})
    attempts = fields.Integer()
    last_response_status = fields.Integer(
        allow_none=True, metadata={"description": "the receiver's HTTP status, last attempt"}
    )
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    delivered_at = fields.DateTime(allow_none=True)
    next_attempt_at = fields.DateTime(
        allow_none=True, metadata={"description": "while pending: when it is tried next"}
    )


@every_field_sent
class MeetingRequestViewSchema(Schema):
    """A :class:`~server.meeting_requests.models.VisitorRequest` for the host: who asked, on
    which link, and when suits them, in their own words."""

    id = fields.Integer()
    link_id = fields.Integer()
    contact_id = fields.Integer()
    contact = fields.Nested(ContactNameSchema)
    preferred_times = fields.String()
    message = fields.String()
    timezone = fields.String(allow_none=True)
    status = fields.Constant("received", metadata={"type": "string"})
    created_at = fields.DateTime()
