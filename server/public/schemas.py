"""What the public API accepts and answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from server.bookings.models import Booking
from server.bookings.services import MAX_REASON_LENGTH
from server.contacts.schemas import ContactNameSchema
from server.fields import AwareDateTime, CalendarDate, SingleLine, TimeZoneName
from server.i18n import catalog_messages
from server.links.models import BookingLink
from server.links.notice import render_notice
from server.links.schemas import MAX_WINDOW_DAYS, SLUG
from server.meeting_requests.services import link_mode
from server.openapi import every_field_sent
from server.timezones import zone

__all__ = [
    "BookingCreatedSchema",
    "BookingRequestSchema",
    "CalendarLinksSchema",
    "CancelSchema",
    "ManagedBookingSchema",
    "MeetingRequestCreatedSchema",
    "MeetingRequestSchema",
    "PublicLinkSchema",
    "RescheduleSchema",
    "SlotsQuerySchema",
    "SlotsSchema",
    "VisitorBooking",
]

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
#: what visitors may read of a link's GDPR settings (not the account's legal basis)
_PUBLIC_CONSENT_KEYS = ("enabled", "mode", "subscription_types", "processing_text", "privacy_text")


class SlotsQuerySchema(Schema):
    start = CalendarDate(required=True)
    end = CalendarDate(required=True)
    duration = fields.Integer(strict=False, validate=validate.Range(1, 24 * 60))
    timezone = TimeZoneName(validate=validate.Length(max=64))

    @validates_schema
    def _span(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise ValidationError("The end date is before the start date.", "end")
            if end - start > timedelta(days=MAX_WINDOW_DAYS - 1):
                raise ValidationError("Ask for at most 10 weeks at a time.", "end")


@every_field_sent
class ZoneLabelSchema(Schema):
    name = fields.String(metadata={"description": "IANA zone name, e.g. America/Vancouver"})
    offset = fields.String(
        metadata={"description": "the zone's UTC offset as the menu shows it: GMT−8, GMT+5:45, GMT"}
    )
    offset_minutes = fields.Integer(metadata={"description": "the same offset in minutes"})


class _AsBuilt(fields.Nested):
    """Documented as its nested schema, sent as the service built it: the zone menu's ~55 plain
    dicts would otherwise be dumped again one by one on every slots answer (a third of its
    serialisation time)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value


@every_field_sent
class SlotsSchema(Schema):
    timezone = fields.String()
    duration = fields.Integer()
    slots = fields.List(
        fields.String(metadata={"format": "date-time"}),
        metadata={
            "description": "ISO 8601 starts with the offset of `timezone` by the server's tzdata; "
            "clients show these wall times as they are (SPEC E5)"
        },
    )
    next_available = fields.String(
        allow_none=True,
        metadata={
            "format": "date-time",
            "description": "when `slots` is empty: the first start after `end` (looked for "
            "about a year ahead), in `timezone`; else null",
        },
    )
    timezones = _AsBuilt(
        ZoneLabelSchema,
        many=True,
        metadata={
            "description": "the zone menu (common zones, `timezone` and the link's zone), by "
            "offset then name, each labelled with its offset at the start of the period asked "
            "(or now, when later), by the server's tzdata"
        },
    )
    today = fields.String(
        metadata={
            "format": "date",
            "description": "today's date in `timezone` (YYYY-MM-DD), by the server's clock",
        }
    )


class FirstViewQuerySchema(SlotsQuerySchema):
    """As the slots query, without a duration: the first view shows the link's first one."""

    class Meta:
        exclude = ("duration",)


@every_field_sent
class FirstViewSchema(Schema):
    link = _AsBuilt(lambda: PublicLinkSchema(), metadata={"description": "as GET /links/<slug>"})
    slots = _AsBuilt(SlotsSchema, metadata={"description": "as GET /links/<slug>/slots"})
    html = fields.String(
        metadata={
            "description": "the widget's pick view (header, month, zone, hint) as it first shows "
            "it; element ids start with __RDV__"
        }
    )
    theme = fields.List(
        fields.List(fields.String(), validate=validate.Length(equal=2)),
        metadata={"description": "[CSS variable, value] pairs of the accent, light and dark"},
    )


@every_field_sent
class BrandingSchema(Schema):
    logo_url = fields.String(allow_none=True)
    accent_color = fields.String()


@every_field_sent
class PublicHostSchema(Schema):
    """A :class:`~server.links.models.LinkHost` as visitors see them: a name and a face."""

    name = fields.String(attribute="user.name")
    photo_url = fields.String(attribute="user.photo_url", allow_none=True)


@every_field_sent
class PublicLinkSchema(Schema):
    """A :class:`~server.links.models.BookingLink` as the widget shows it."""

    slug = fields.String(metadata={"pattern": SLUG})
    title = fields.String()
    type = fields.String()
    meeting_type = fields.String(allow_none=True)
    hosts = fields.List(fields.Nested(PublicHostSchema))
    photo_url = fields.String(allow_none=True)
    durations = fields.List(fields.Integer())
    location = fields.String(allow_none=True)
    language = fields.String()
    locale = fields.String()
    timezone = fields.String()
    branding = fields.Nested(BrandingSchema, attribute="owner.account")
    form = fields.List(fields.Dict())
    consent = fields.Method(
        "_consent",
        metadata={
            "type": "object",
            "description": "L9: enabled, mode, subscription_types, processing_text, "
            "privacy_text (the host's Markdown) and notice_html (it rendered: escaped text, "
            "links to http(s)/mailto and emphasis only; insert as it is)",
        },
    )
    mode = fields.Function(
        link_mode,
        metadata={
            "type": "string",
            "enum": ["book", "request"],
            "description": "'request' while a host the link needs has a disconnected calendar "
            "(C6; a round robin only once all its hosts have): no slots, bookings refused with "
            "409 calendar_disconnected, and the widget shows the request form; else 'book'",
        },
    )
    strings = fields.Method(
        "_strings",
        metadata={
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "the widget's strings in the link's language, {msgid: text}",
        },
    )

    def _consent(self, link: BookingLink) -> dict[str, Any]:
        """What visitors may see of the GDPR block, the notice rendered (escaped) once here for
        every client (L9)."""
        consent = link.consent or {}
        public = {k: consent[k] for k in _PUBLIC_CONSENT_KEYS if k in consent}
        public["notice_html"] = str(render_notice(consent.get("privacy_text")))
        return public

    def _strings(self, link: BookingLink) -> dict[str, str]:
        return catalog_messages(link.language, "widget")


class BookingRequestSchema(Schema):
    start = AwareDateTime(required=True)
    duration = fields.Integer(strict=True, validate=validate.Range(1, 24 * 60))
    timezone = TimeZoneName(validate=validate.Length(max=64))
    first_name = SingleLine(required=True, validate=validate.Length(1, 100))
    last_name = SingleLine(load_default="", validate=validate.Length(max=100))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    answers = fields.Dict(keys=fields.String(validate=validate.Length(1, 40)), load_default=dict)
    consent = fields.Dict(keys=fields.String(validate=validate.Length(1, 40)), load_default=dict)
    utm = fields.Dict(
        keys=fields.String(validate=validate.OneOf(UTM_KEYS)),
        values=fields.String(validate=validate.Length(max=200)),
        load_default=dict,
    )

    @validates("answers")
    def _few_answers(self, value: dict[str, Any], **_: Any) -> None:
        if len(value) > 40:
            raise ValidationError("Too many answers.")

    @validates("first_name")
    def _not_blank(self, value: str, **_: Any) -> None:
        if not value.strip():
            raise ValidationError("This field is required.")


@every_field_sent
class CalendarLinksSchema(Schema):
    ics_url = fields.String(
        metadata={"description": "the booking's .ics: the emails' UID and SEQUENCE"}
    )
    google_url = fields.String(allow_none=True, metadata={"description": "null once cancelled"})
    outlook_url = fields.String(allow_none=True, metadata={"description": "null once cancelled"})


@every_field_sent
class HostNameSchema(Schema):
    name = fields.String()


@every_field_sent
class LinkNameSchema(Schema):
    slug = fields.String(metadata={"pattern": SLUG})
    title = fields.String()


class _InBookingZone(fields.String):
    """An instant of the booking as ISO 8601 with the offset of the zone the visitor booked
    in: the object dumped is a :class:`VisitorBooking`."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str:
        return value.astimezone(zone(obj.booking.timezone)).isoformat()


@every_field_sent
class _VisitorBookingSchema(Schema):
    """What every answer about a visitor's booking says; dumps a :class:`VisitorBooking`."""

    id = fields.Integer(attribute="booking.id")
    start = _InBookingZone(
        attribute="booking.start_at",
        metadata={"format": "date-time", "description": "ISO 8601 with the offset of `timezone`"},
    )
    end = _InBookingZone(
        attribute="booking.end_at",
        metadata={"format": "date-time", "description": "ISO 8601 with the offset of `timezone`"},
    )
    timezone = fields.String(
        attribute="booking.timezone", metadata={"description": "the zone the visitor booked in"}
    )
    status = fields.String(attribute="booking.status")
    host = fields.Nested(HostNameSchema, attribute="booking.host")
    calendar = fields.Nested(CalendarLinksSchema)


class BookingCreatedSchema(_VisitorBookingSchema):
    manage_token = fields.String()
    manage_url = fields.String()


class MeetingRequestSchema(Schema):
    """C6: who is asking, and when suits them, in their own words."""

    name = SingleLine(required=True, validate=validate.Length(1, 200))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    preferred_times = fields.String(required=True, validate=validate.Length(1, 2000))
    message = fields.String(load_default="", validate=validate.Length(max=5000))
    timezone = TimeZoneName(validate=validate.Length(max=64))

    @validates("name")
    def _named(self, value: str, **_: Any) -> None:
        if not value.strip():
            raise ValidationError("This field is required.")

    @validates("preferred_times")
    def _some_times(self, value: str, **_: Any) -> None:
        if not value.strip():
            raise ValidationError("This field is required.")


@every_field_sent
class MeetingRequestCreatedSchema(Schema):
    """Dumps the stored :class:`~server.meeting_requests.models.VisitorRequest`."""

    id = fields.Integer()
    status = fields.Constant("received", metadata={"type": "string"})


def _reason() -> fields.String:
    return fields.String(
        load_default="",
        validate=validate.Length(max=MAX_REASON_LENGTH),
        metadata={"description": "optional, why (the other side reads it in their email)"},
    )


class CancelSchema(Schema):
    reason = _reason()


class RescheduleSchema(Schema):
    start = AwareDateTime(required=True)
    reason = _reason()


class ManagedBookingSchema(_VisitorBookingSchema):
    duration = fields.Integer(attribute="booking.duration_minutes")
    link = fields.Nested(LinkNameSchema, attribute="booking.link")
    contact = fields.Nested(ContactNameSchema, attribute="booking.contact")
    location = fields.String(attribute="booking.link.location", allow_none=True)
    video_link = fields.String(attribute="booking.link.video_link", allow_none=True)


@dataclass(frozen=True, slots=True)
class VisitorBooking:
    """A booking as its visitor may see it, with the manage token that opened (or made) it."""

    booking: Booking
    manage_token: str
    manage_url: str
    #: the ``.ics`` address and the add-to-calendar links (issue 8.6)
    calendar: dict[str, str | None]
