"""Calendar connections in the host API (SPEC §10 "Calendars"): validation in, shape out.

What goes out never carries a connection's credentials: not the password, not the username,
not the URL (an ICS feed's address is often a secret of its own, A3).
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.calendars.models import CONNECTION_STATUSES, PROVIDERS
from server.guards import MAX_ID
from server.openapi import every_field_sent

__all__ = [
    "CalendarChoiceSchema",
    "CalendarSchema",
    "ConnectCalendarSchema",
    "ConnectionPatchSchema",
    "ConnectionSchema",
]

#: what a host can connect through this API today; Google and Microsoft 365 come in part 2
CONNECTABLE = ("caldav", "ics")
#: OAuth providers: connected by signing in at the provider, in the dashboard (SPEC §10)
_SIGN_IN = {"google": "Google Calendar", "microsoft": "Microsoft 365"}
MAX_URL = 2000
MAX_USERNAME = 254
MAX_PASSWORD = 1000


@every_field_sent
class CalendarSchema(Schema):
    """One calendar of a connection, with the host's choices for it (C2, C3)."""

    id = fields.Integer()
    name = fields.String()
    time_zone = fields.String(
        allow_none=True, metadata={"description": "where its all-day events fall"}
    )
    is_default = fields.Boolean(
        metadata={"description": "the one calendar bookings are written to (C4)"}
    )
    writable = fields.Boolean(metadata={"description": "false for ICS feeds"})
    check_conflicts = fields.Boolean(metadata={"description": "its busy time blocks slots"})
    tentative_busy = fields.Boolean(metadata={"description": "tentative events block too"})
    ignore_all_day = fields.Boolean(metadata={"description": "all-day events don't block"})


@every_field_sent
class ConnectionSchema(Schema):
    """Dumps a :class:`~server.calendars.models.CalendarConnection`, without its secrets."""

    id = fields.Integer()
    provider = fields.String(metadata={"description": " | ".join(PROVIDERS)})
    status = fields.String(metadata={"description": " | ".join(CONNECTION_STATUSES)})
    status_message = fields.String(metadata={"description": "why, when not connected"})
    last_synced_at = fields.DateTime(allow_none=True)
    calendars = fields.List(fields.Nested(CalendarSchema))


class ConnectCalendarSchema(Schema):
    """``{"provider": "caldav", "url", "username", "password"}``, or
    ``{"provider": "ics", "url"}``."""

    class Meta:
        unknown = "raise"

    provider = fields.String(
        required=True,
        metadata={"description": " | ".join(CONNECTABLE) + " (google, microsoft: part 2)"},
    )
    url = fields.String(
        required=True,
        validate=validate.Length(1, MAX_URL),
        metadata={"description": "the CalDAV server, or the feed (https://, http://, webcal://)"},
    )
    username = fields.String(
        validate=validate.Length(1, MAX_USERNAME), metadata={"description": "CalDAV only"}
    )
    password = fields.String(
        validate=validate.Length(1, MAX_PASSWORD),
        load_only=True,
        metadata={"description": "CalDAV only"},
    )

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _fields_of_the_provider(
        self, data: dict[str, Any], original: dict[str, Any], **_: Any
    ) -> None:
        """Every missing field at once, even when the URL is missing too."""
        provider = data.get("provider")
        if provider is None:
            return  # missing or not a string: its field said so
        if provider in _SIGN_IN:
            raise ValidationError(
                f"{_SIGN_IN[provider]} is connected by signing in to it: open /app/calendars "
                f"and choose Connect {_SIGN_IN[provider]}.",
                "provider",
            )
        if provider not in CONNECTABLE:
            raise ValidationError(f"Use one of: {', '.join(CONNECTABLE)}.", "provider")
        errors: dict[str, list[str]] = {}
        if provider == "caldav":
            for name in ("username", "password"):
                if name not in original:
                    errors[name] = ["Missing data for required field."]
        else:
            for name in ("username", "password"):
                if name in original:
                    errors[name] = ["An ICS feed takes only its URL."]
        if errors:
            raise ValidationError(errors)


class CalendarChoiceSchema(Schema):
    """The host's choices for one calendar; options left out stay as they are."""

    class Meta:
        unknown = "raise"

    id = fields.Integer(required=True, strict=True, validate=validate.Range(1, MAX_ID))
    is_default = fields.Boolean(metadata={"description": "only a writable calendar"})
    check_conflicts = fields.Boolean()
    tentative_busy = fields.Boolean()
    ignore_all_day = fields.Boolean()


class ConnectionPatchSchema(Schema):
    """PATCH: the calendars' choices, and for CalDAV new credentials (which sync at once)."""

    class Meta:
        unknown = "raise"

    calendars = fields.List(fields.Nested(CalendarChoiceSchema), validate=validate.Length(max=200))
    url = fields.String(
        validate=validate.Length(1, MAX_URL), metadata={"description": "CalDAV only"}
    )
    username = fields.String(
        validate=validate.Length(1, MAX_USERNAME), metadata={"description": "CalDAV only"}
    )
    password = fields.String(
        validate=validate.Length(1, MAX_PASSWORD),
        load_only=True,
        metadata={"description": "CalDAV only"},
    )

    @validates_schema
    def _each_calendar_once(self, data: dict[str, Any], **_: Any) -> None:
        ids = [choice["id"] for choice in data.get("calendars", ()) if "id" in choice]
        if len(set(ids)) != len(ids):
            raise ValidationError("Each calendar once.", "calendars")
        if sum(1 for choice in data.get("calendars", ()) if choice.get("is_default")) > 1:
            raise ValidationError("One default calendar at most.", "calendars")
