from __future__ import annotations

from marshmallow import Schema, fields

from server.openapi import every_field_sent

__all__ = ["CalendarFeedSchema"]


@every_field_sent
class CalendarFeedSchema(Schema):
    """The host's subscription: the address is a secret, shown to its owner only."""

    url = fields.String(metadata={"description": "the https address to subscribe to"})
    webcal_url = fields.String(metadata={"description": "the same address as webcal://"})
    created_at = fields.DateTime()
    last_read_at = fields.DateTime(
        allow_none=True, metadata={"description": "when a calendar app last read it (to the hour)"}
    )
