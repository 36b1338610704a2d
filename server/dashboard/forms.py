"""The dashboard's small forms, validated with marshmallow like the API (STYLE: one way).

A form post is turned into a dict, loaded with a schema, and the errors come back flattened
by field name so each template shows them next to its field. The link editor's steps are in
:mod:`server.dashboard.editor`; they end in :class:`server.links.schemas.LinkSchema`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import request
from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates,
)

from server.accounts.models import ROLES
from server.accounts.origins import InvalidOrigin, normalise_origins
from server.accounts.services import RESERVED_PREFIXES
from server.errors import ValidationFailed, flatten_messages
from server.fields import SingleLine, TimeZoneName
from server.uploads.services import read_file

__all__ = [
    "Errors",
    "status_for",
    "AccountForm",
    "BrandingForm",
    "CalDavForm",
    "CalDavReconnectForm",
    "CalendarOptionsForm",
    "DomainForm",
    "ForgotPasswordForm",
    "IcsFeedForm",
    "InvitationAcceptForm",
    "InviteForm",
    "LoginForm",
    "OriginsForm",
    "PreferencesForm",
    "ResetPasswordForm",
    "ChangePasswordForm",
    "SignupForm",
    "TokenForm",
    "load_form",
    "service_errors",
    "submit",
    "uploaded",
]

T = TypeVar("T")

#: field name → messages, as forms show them next to each field
Errors = dict[str, list[str]]


def status_for(errors: Errors) -> int:
    """A form page answers 422 when it shows errors, so tests and proxies can tell."""
    return 422 if errors else 200


MIN_PASSWORD = 10
_PREFIX = r"^[a-z0-9](?:[a-z0-9-]{0,62})$"
_REQUIRED = {"required": "This field is required."}


class _Form(Schema):
    """Form posts carry more than the schema knows (the CSRF token, buttons): ignore them."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _strip(self, data: Mapping[str, Any], **_: Any) -> dict[str, Any]:
        """Trim text; an empty field is a missing one, so "required" says so."""
        stripped = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        return {k: v for k, v in stripped.items() if v != ""}


def _password() -> fields.String:
    return fields.String(
        required=True,
        error_messages=_REQUIRED,
        validate=validate.Length(
            MIN_PASSWORD, 1024, error=f"Use at least {MIN_PASSWORD} characters."
        ),
    )


def _email() -> fields.Email:
    return fields.Email(
        required=True,
        error_messages={**_REQUIRED, "invalid": "Enter an email address such as ada@example.com."},
        validate=validate.Length(max=254),
    )


class SignupForm(_Form):
    name = SingleLine(required=True, error_messages=_REQUIRED, validate=validate.Length(1, 200))
    email = _email()
    password = _password()
    company = fields.String(load_default="", validate=validate.Length(max=200))
    timezone = TimeZoneName(required=True, error_messages=_REQUIRED)


class LoginForm(_Form):
    email = fields.String(required=True, error_messages=_REQUIRED, validate=validate.Length(1, 254))
    password = fields.String(
        required=True, error_messages=_REQUIRED, validate=validate.Length(1, 1024)
    )


class ForgotPasswordForm(_Form):
    email = _email()


class ResetPasswordForm(_Form):
    password = _password()


class ChangePasswordForm(_Form):
    current_password = fields.String(
        required=True, error_messages=_REQUIRED, validate=validate.Length(1, 1024)
    )
    password = _password()


class InvitationAcceptForm(_Form):
    name = SingleLine(required=True, error_messages=_REQUIRED, validate=validate.Length(1, 200))
    password = _password()
    timezone = TimeZoneName(required=True, error_messages=_REQUIRED)


class InviteForm(_Form):
    email = _email()
    role = fields.String(load_default="member", validate=validate.OneOf(ROLES))


class PreferencesForm(_Form):
    """P1: the prefix only shapes links created afterwards; existing URLs never move."""

    name = SingleLine(required=True, error_messages=_REQUIRED, validate=validate.Length(1, 200))
    timezone = TimeZoneName(required=True, error_messages=_REQUIRED)
    meetings_prefix = fields.String(
        required=True,
        error_messages=_REQUIRED,
        validate=[
            validate.Length(1, 63),
            validate.Regexp(
                _PREFIX, error="Use a-z, 0-9 and '-', starting with a letter or digit."
            ),
        ],
    )

    @pre_load
    def _lower(self, data: Mapping[str, Any], **_: Any) -> dict[str, Any]:
        data = dict(data)
        if isinstance(data.get("meetings_prefix"), str):
            data["meetings_prefix"] = data["meetings_prefix"].strip().lower()
        return data

    @validates("meetings_prefix")
    def _not_reserved(self, value: str, **_: Any) -> None:
        if value in RESERVED_PREFIXES:
            raise ValidationError("This word is reserved; choose another.")


class AccountForm(_Form):
    name = SingleLine(required=True, error_messages=_REQUIRED, validate=validate.Length(1, 200))
    meeting_types = fields.String(load_default="", validate=validate.Length(max=5000))

    @post_load
    def _lines(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        types: list[str] = []
        for line in data["meeting_types"].splitlines():
            line = line.strip()
            if line and line not in types:
                if len(line) > 100:
                    raise ValidationError("At most 100 characters per type.", "meeting_types")
                types.append(line)
        if len(types) > 50:
            raise ValidationError("At most 50 meeting types.", "meeting_types")
        data["meeting_types"] = types
        return data


class BrandingForm(_Form):
    accent_color = fields.String(
        required=True,
        error_messages=_REQUIRED,
        validate=validate.Regexp(r"^#[0-9a-fA-F]{6}$", error="Use a colour such as #2f6fed."),
    )

    @post_load
    def _lower(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["accent_color"] = data["accent_color"].lower()
        return data


class OriginsForm(_Form):
    """P5: one origin per line, such as ``https://www.example.com`` (no path).

    The same rule as the API's ``allowed_origins``: :mod:`server.accounts.origins`.
    """

    origins = fields.String(load_default="", validate=validate.Length(max=20000))

    @post_load
    def _lines(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        try:
            data["origins"] = normalise_origins(data["origins"].splitlines())
        except InvalidOrigin as exc:
            raise ValidationError(str(exc), "origins") from None
        return data


class TokenForm(_Form):
    name = fields.String(required=True, error_messages=_REQUIRED, validate=validate.Length(1, 100))


class DomainForm(_Form):
    hostname = fields.String(
        required=True, error_messages=_REQUIRED, validate=validate.Length(1, 300)
    )


# -- calendars (C1, C2, C3, C6) ---------------------------------------------------------------
# The forms only check that something was typed: whether an address may be reached, serves a
# calendar and accepts the login is the calendars service's answer (``fields.url`` and
# ``fields.password``), shown next to the same fields.


def _calendar_text(maximum: int) -> fields.String:
    return fields.String(
        required=True, error_messages=_REQUIRED, validate=validate.Length(1, maximum)
    )


class CalDavForm(_Form):
    """C1: a CalDAV account: the server's address, the user name and (app) password."""

    server_url = _calendar_text(2000)
    username = _calendar_text(254)
    password = _calendar_text(1024)


class CalDavReconnectForm(_Form):
    """C6: the account's login again (a changed or revoked password)."""

    username = _calendar_text(254)
    password = _calendar_text(1024)


class IcsFeedForm(_Form):
    """C1: a read-only feed's address (``https://``, ``http://`` or ``webcal://``)."""

    feed_url = _calendar_text(2000)


class CalendarOptionsForm(_Form):
    """C2, C3: one calendar's switches; a box left unticked is not posted, so it is off."""

    check_conflicts = fields.Boolean(load_default=False)
    tentative_busy = fields.Boolean(load_default=False)
    ignore_all_day = fields.Boolean(load_default=False)


def service_errors(call: Callable[[], T]) -> tuple[T | None, Errors]:
    """Run one service call; its ``ValidationFailed`` becomes the form's errors.

    The service owns its transaction (it rolled back already), so a form view only shows
    what went wrong: ``result, errors = service_errors(lambda: add_domain(...))``.
    """
    try:
        return call(), {}
    except ValidationFailed as exc:
        return None, dict(exc.fields or {})


def submit(
    schema: Schema, data: Mapping[str, Any], call: Callable[[dict[str, Any]], T]
) -> tuple[T | None, Errors]:
    """A form view's post: load ``data`` with ``schema``, then run ``call`` (one service)
    with what loaded. ``(result, {})``, or ``(None, errors)`` from either step."""
    loaded, errors = load_form(schema, data)
    if errors:
        return None, errors
    return service_errors(lambda: call(loaded))


def uploaded(name: str) -> bytes | None:
    """The bytes of the request's file field ``name``, or ``None`` when no file was chosen."""
    upload = request.files.get(name)
    return read_file(upload) if upload is not None and upload.filename else None


def load_form(
    schema: Schema, data: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """``(values, {})`` or ``({}, {field: [messages]})``."""
    try:
        return schema.load(dict(data)), {}
    except ValidationError as exc:
        return {}, flatten_messages(exc.messages)
