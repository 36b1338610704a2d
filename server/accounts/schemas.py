from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from server.accounts.origins import InvalidOrigin, normalise_origins
from server.fields import SingleLine
from server.openapi import every_field_sent

__all__ = [
    "AccountUpdateSchema",
    "AccountViewSchema",
    "AllowedOrigins",
    "TokenInfoSchema",
    "TokenRequestSchema",
    "TokenSchema",
]


class AllowedOrigins(fields.List):
    """A list of origins, stored the way browsers send ``Origin`` (:mod:`server.accounts.origins`).

    Any refused entry is reported on the field itself (``fields.allowed_origins``), saying
    which entry and why.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault(
            "description", "Origins such as https://www.example.com (no path); empty allows any."
        )
        super().__init__(fields.String(), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError("A list of origins such as https://www.example.com.")
        try:
            return normalise_origins(value)
        except InvalidOrigin as exc:
            raise ValidationError(str(exc)) from None


class TokenRequestSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(1, 254))
    password = fields.String(required=True, validate=validate.Length(1, 1024), load_only=True)
    name = SingleLine(
        load_default="",
        validate=validate.Length(max=100),
        metadata={"description": "what the token is for, to tell it apart when revoking it"},
    )


@every_field_sent
class TokenInfoSchema(Schema):
    """A token as listed: never its secret, which only the answer that made it shows."""

    id = fields.Integer()
    name = fields.String()
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)


@every_field_sent
class TokenSchema(TokenInfoSchema):
    token = fields.String(metadata={"description": "the bearer token; shown this once"})
    user_id = fields.Integer()


@every_field_sent
class UserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    timezone = fields.String()
    meetings_prefix = fields.String()
    photo_url = fields.String(allow_none=True)


@every_field_sent
class AccountSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    allowed_origins = fields.List(fields.String())
    logo_url = fields.String(allow_none=True)
    accent_color = fields.String()
    meeting_types = fields.List(fields.String())


@every_field_sent
class AccountViewSchema(Schema):
    user = fields.Nested(UserSchema)
    account = fields.Nested(AccountSchema)
    users = fields.List(fields.Nested(UserSchema))


class AccountUpdateSchema(Schema):
    name = SingleLine(validate=validate.Length(1, 200))
    allowed_origins = AllowedOrigins()
    accent_color = fields.String(validate=validate.Regexp(r"^#[0-9a-fA-F]{6}$"))
    meeting_types = fields.List(
        fields.String(validate=validate.Length(1, 100)), validate=validate.Length(max=50)
    )
