"""What the APIs say of a contact: its name and email, or its whole row."""

from __future__ import annotations

from marshmallow import Schema, fields

from server.openapi import every_field_sent

__all__ = ["ContactNameSchema", "ContactSchema"]


@every_field_sent
class ContactNameSchema(Schema):
    """Who booked, as the contact row has them now (a booking's contact)."""

    email = fields.String()
    first_name = fields.String()
    last_name = fields.String()


class ContactSchema(ContactNameSchema):
    """A contact of the account, with the properties its answers filled (L8)."""

    id = fields.Integer()
    properties = fields.Dict()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
