from __future__ import annotations

from marshmallow import Schema, fields, validate

__all__ = ["AccountUpdateSchema", "AccountViewSchema", "TokenRequestSchema", "TokenSchema"]


class TokenRequestSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(1, 254))
    password = fields.String(required=True, validate=validate.Length(1, 1024), load_only=True)


class TokenSchema(Schema):
    token = fields.String()
    user_id = fields.Integer()


class UserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    timezone = fields.String()
    meetings_prefix = fields.String()
    photo_url = fields.String(allow_none=True)


class AccountSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    allowed_origins = fields.List(fields.String())
    logo_url = fields.String(allow_none=True)
    accent_color = fields.String()
    meeting_types = fields.List(fields.String())


class AccountViewSchema(Schema):
    user = fields.Nested(UserSchema)
    account = fields.Nested(AccountSchema)
    users = fields.List(fields.Nested(UserSchema))


class AccountUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(1, 200))
    allowed_origins = fields.List(
        fields.Url(schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=300)),
        validate=validate.Length(max=50),
    )
    accent_color = fields.String(validate=validate.Regexp(r"^#[0-9a-fA-F]{6}$"))
    meeting_types = fields.List(
        fields.String(validate=validate.Length(1, 100)), validate=validate.Length(max=50)
    )
