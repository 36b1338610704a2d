"""Link fields of the host API (SPEC §10 "Link fields"): validation on the way in, shape out."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from babel import Locale, UnknownLocaleError
from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates,
    validates_schema,
)

from server.availability.rules import DailyHours
from server.fields import CalendarDate, SingleLine, TimeZoneName
from server.guards import MAX_ID
from server.i18n import LANGUAGES
from server.links.hours import WEEKDAYS, parse_day_hours
from server.links.models import LINK_TYPES
from server.openapi import every_field_sent

__all__ = [
    "DEFAULT_FORM",
    "MAX_WINDOW_DAYS",
    "SLUG",
    "ConsentSchema",
    "LinkSchema",
    "LinkViewSchema",
]

MAX_WINDOW_DAYS = 70  # ten weeks (L6)
QUESTION_TYPES = ("text", "long_text", "select", "checkbox", "number", "email", "phone")
SEGMENT = r"^[a-z0-9](?:[a-z0-9-]{0,62})$"
#: a slug as the API answers it (P1): ``<host prefix>/<segment>``
SLUG = r"^[a-z0-9](?:[a-z0-9-]{0,62})/[a-z0-9](?:[a-z0-9-]{0,62})$"
MINUTES_PER_YEAR = 366 * 24 * 60

#: one day of ``availability`` in the OpenAPI document: ``[["09:00", "12:00"], ...]``
_DAY_HOURS = {
    "type": "array",
    "items": {
        "type": "array",
        "items": {"type": "string", "pattern": r"^\d\d:\d\d$"},
        "minItems": 2,
        "maxItems": 2,
    },
}

DEFAULT_FORM: list[dict[str, Any]] = [
    {"key": "first_name", "label": "First name", "type": "text", "required": True},
    {"key": "last_name", "label": "Last name", "type": "text", "required": True},
    {"key": "email", "label": "Email", "type": "email", "required": True},
]


class WeeklyHoursField(fields.Field):
    """``{"mon": [["09:00", "17:00"]], ...}`` in; days left out have no hours.

    Loads straight into the engine's shape, weekday number (0 = Monday) → ``DailyHours``,
    so the hours are parsed once, here. Dumps what :func:`~server.links.services.link_view`
    formatted.
    """

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> dict[int, DailyHours]:
        if not isinstance(value, dict):
            raise ValidationError("Give an object such as {'mon': [['09:00', '17:00']]}.")
        errors: dict[str, list[str]] = {}
        weekly: dict[int, DailyHours] = {}
        for day, hours in value.items():
            if day not in WEEKDAYS:
                errors[str(day)[:20]] = [f"Unknown day; use one of {', '.join(WEEKDAYS)}."]
                continue
            try:
                weekly[WEEKDAYS.index(day)] = parse_day_hours(hours)
            except ValueError as exc:
                errors[day] = [str(exc)]
        if errors:
            raise ValidationError(errors)
        return weekly


class DayHoursField(fields.List):
    """One date's ``[["09:00", "12:00"], ...]``, loaded as the engine's ``DailyHours``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(fields.List(fields.String(validate=validate.Length(max=5))), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> DailyHours:
        pairs = super()._deserialize(value, attr, data, **kwargs)
        try:
            return parse_day_hours(pairs)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class DateOverrideSchema(Schema):
    date = CalendarDate(required=True)
    #: empty: the date is a day off
    hours = DayHoursField(load_default=tuple)


class WindowSchema(Schema):
    rolling_weeks = fields.Integer(validate=validate.Range(1, 52), allow_none=True)
    start_date = CalendarDate(allow_none=True)
    end_date = CalendarDate(allow_none=True)

    @validates_schema
    def _one_kind(self, data: dict[str, Any], **_: Any) -> None:
        rolling = data.get("rolling_weeks")
        start, end = data.get("start_date"), data.get("end_date")
        if rolling is not None and (start or end):
            raise ValidationError("Give either rolling_weeks or start_date and end_date.")
        if rolling is None:
            if not (start and end):
                raise ValidationError("Give rolling_weeks, or both start_date and end_date.")
            if end < start:
                raise ValidationError("The end date is before the start date.", "end_date")
            if end - start > timedelta(days=MAX_WINDOW_DAYS - 1):
                raise ValidationError("A custom range is at most 10 weeks.", "end_date")


class RemindersSchema(Schema):
    enabled = fields.Boolean(load_default=True)
    offsets_minutes = fields.List(
        fields.Integer(validate=validate.Range(1, 30 * 24 * 60)),
        validate=validate.Length(max=3),
        load_default=lambda: [3 * 24 * 60, 60],
    )
    include_description = fields.Boolean(load_default=False)

    @post_load
    def _sorted(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["offsets_minutes"] = sorted(set(data["offsets_minutes"]), reverse=True)
        return data


class QuestionSchema(Schema):
    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$"))
    label = fields.String(required=True, validate=validate.Length(1, 200))
    type = fields.String(load_default="text", validate=validate.OneOf(QUESTION_TYPES))
    required = fields.Boolean(load_default=False)
    options = fields.List(
        fields.String(validate=validate.Length(1, 200)), validate=validate.Length(max=50)
    )
    #: the contact property this answer updates (L8), e.g. "phone"
    property = fields.String(validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$"), allow_none=True)

    @validates_schema
    def _select_has_options(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("type") == "select" and not data.get("options"):
            raise ValidationError("A select question needs options.", "options")


class SubscriptionTypeSchema(Schema):
    id = fields.String(required=True, validate=validate.Length(1, 64))
    label = fields.String(required=True, validate=validate.Length(1, 200))


class ConsentSchema(Schema):
    """L9: notice and consent, or legitimate interest. Stored with every booking's answer."""

    enabled = fields.Boolean(load_default=False)
    mode = fields.String(
        load_default="consent", validate=validate.OneOf(("consent", "legitimate_interest"))
    )
    legal_basis = fields.String(allow_none=True, validate=validate.OneOf(("prospect", "customer")))
    subscription_types = fields.List(
        fields.Nested(SubscriptionTypeSchema), validate=validate.Length(max=10), load_default=list
    )
    processing_text = fields.String(validate=validate.Length(max=5000), load_default="")
    privacy_text = fields.String(validate=validate.Length(max=5000), load_default="")
    #: L9's one switch: true, the settings above are in force; false, the account's defaults
    #: are, and the settings above are kept for when it is switched on again. A link sent
    #: settings without it has its own.
    customized = fields.Boolean()


def _check_locale(value: str, **_: Any) -> None:
    try:
        Locale.parse(value, sep="-")
    except (ValueError, UnknownLocaleError) as exc:
        raise ValidationError("Unknown locale; use a tag such as en-US, en-GB or fr-FR.") from exc


class LinkSchema(Schema):
    """Every link field. On create the defaults below apply; PATCH changes only what it sends."""

    class Meta:
        unknown = "raise"
        ordered = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """``partial=True`` (PATCH, the editor's steps) lets whole fields be left out, never
        parts of one that is sent: marshmallow would otherwise pass it down, and accept a
        question without its key or reminders without their offsets."""
        if kwargs.get("partial") is True:
            kwargs["partial"] = tuple(self._declared_fields)
        super().__init__(*args, **kwargs)

    id = fields.Integer(dump_only=True)
    url = fields.String(dump_only=True)
    slug = fields.String(
        validate=[validate.Length(1, 63), validate.Regexp(SEGMENT, error="Use a-z, 0-9 and '-'.")],
        metadata={
            "description": "the last URL segment; the link's slug is then "
            "'<host prefix>/<segment>' (left out: made from the name)"
        },
    )
    name = SingleLine(required=True, validate=validate.Length(1, 200))
    title = SingleLine(validate=validate.Length(1, 200))
    type = fields.String(load_default="one_on_one", validate=validate.OneOf(LINK_TYPES))
    host_ids = fields.List(
        fields.Integer(strict=True, validate=validate.Range(1, MAX_ID)),
        validate=validate.Length(1, 50),
    )
    durations = fields.List(
        fields.Integer(strict=True, validate=validate.Range(5, 12 * 60)),
        validate=validate.Length(1, 6),
        load_default=lambda: [30],
    )
    slot_interval_minutes = fields.Integer(
        strict=True, validate=validate.Range(5, 12 * 60), allow_none=True, load_default=None
    )
    timezone = TimeZoneName()
    availability = WeeklyHoursField(
        load_default=lambda: dict.fromkeys(range(5), ((time(9), time(17)),)),
        metadata={
            "type": "object",
            "properties": dict.fromkeys(WEEKDAYS, _DAY_HOURS),
            "additionalProperties": False,
            "description": "each day's [start, end] pairs, 'HH:MM' (an end of '24:00' is "
            "midnight); days left out have no hours",
            "example": {"mon": [["09:00", "12:00"], ["13:00", "17:00"]]},
        },
    )
    date_overrides = fields.List(
        fields.Nested(DateOverrideSchema), validate=validate.Length(max=366), load_default=list
    )
    minimum_notice_minutes = fields.Integer(
        strict=True, validate=validate.Range(0, MINUTES_PER_YEAR), load_default=120
    )
    buffer_before_minutes = fields.Integer(
        strict=True, validate=validate.Range(0, 720), load_default=0
    )
    buffer_after_minutes = fields.Integer(
        strict=True, validate=validate.Range(0, 720), load_default=0
    )
    window = fields.Nested(WindowSchema, load_default=lambda: {"rolling_weeks": 4})
    location = SingleLine(validate=validate.Length(max=500), allow_none=True)
    video_link = fields.Url(validate=validate.Length(max=2000), allow_none=True)
    photo_url = fields.Url(validate=validate.Length(max=2000), allow_none=True)
    subject = SingleLine(validate=validate.Length(max=500), allow_none=True)
    description = fields.String(validate=validate.Length(max=10000), allow_none=True)
    language = fields.String(load_default="en", validate=validate.OneOf(LANGUAGES))
    locale = fields.String(load_default="en-US", validate=[validate.Length(2, 16), _check_locale])
    meeting_type = fields.String(validate=validate.Length(max=100), allow_none=True)
    reminders = fields.Nested(RemindersSchema, load_default=lambda: RemindersSchema().load({}))
    form = fields.List(
        fields.Nested(QuestionSchema),
        validate=validate.Length(1, 30),
        load_default=lambda: [dict(q) for q in DEFAULT_FORM],
    )
    consent = fields.Nested(ConsentSchema)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    @validates("durations")
    def _unique_durations(self, value: list[int], **_: Any) -> None:
        if len(set(value)) != len(value):
            raise ValidationError("Each duration once.")

    @validates("form")
    def _identity_questions(self, value: list[dict[str, Any]], **_: Any) -> None:
        if any("key" not in q for q in value):
            return  # marshmallow runs this even when a question failed: it has its message
        keys = [q["key"] for q in value]
        if len(set(keys)) != len(keys):
            raise ValidationError("Each question key once.")
        by_key = {q["key"]: q for q in value}
        if "email" not in by_key or not by_key["email"].get("required"):
            raise ValidationError("The form must ask for the email, as a required question.")
        if "first_name" not in by_key:
            raise ValidationError("The form must ask for the first name.")

    @validates_schema
    def _team_shape(self, data: dict[str, Any], **_: Any) -> None:
        host_ids = data.get("host_ids")
        if host_ids is not None and len(set(host_ids)) != len(host_ids):
            raise ValidationError("Each host once.", "host_ids")
        if data.get("type") == "one_on_one" and host_ids is not None and len(host_ids) != 1:
            raise ValidationError("A one-on-one link has exactly one host.", "host_ids")

    @post_load
    def _normalise(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if "durations" in data:
            data["durations"] = sorted(data["durations"])
        if "locale" in data:
            data["locale"] = str(Locale.parse(data["locale"], sep="-")).replace("_", "-")
        return data


@every_field_sent
class LinkViewSchema(LinkSchema):
    """A link as the API answers it (``link_view``): the same fields, with the slug as it is
    stored, ``<host prefix>/<segment>``, where :class:`LinkSchema` takes only the segment."""

    slug = fields.String(
        metadata={
            "description": "'<host prefix>/<segment>', as in the public URL",
            "pattern": SLUG,
        },
    )
