"""marshmallow fields shared by several features' schemas: zones, aware datetimes, and text
that must stay on one line.

Wall-clock hours (``"HH:MM"``) belong to links alone: :mod:`server.links.hours`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from marshmallow import ValidationError, fields

from server.timezones import is_valid_timezone

__all__ = [
    "CONTROL_CHARACTERS",
    "AwareDateTime",
    "CalendarDate",
    "SingleLine",
    "TimeZoneName",
    "has_control_characters",
]

#: C0 and C1 controls (CR, LF and TAB among them), DEL, and the Unicode line separators
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


class SingleLine(fields.String):
    """Text that is one line: a name, a title. Control characters (a CR/LF above all, which
    would reach an email header) are refused rather than cleaned, so what is stored is what
    the person typed."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if has_control_characters(text):
            raise ValidationError(
                "Use one line of text, without line breaks or control characters."
            )
        return text


class TimeZoneName(fields.String):
    """An IANA zone name such as ``Europe/Paris``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        name = super()._deserialize(value, attr, data, **kwargs)
        if not is_valid_timezone(name):
            raise ValidationError("Unknown time zone; use an IANA name such as 'Europe/Paris'.")
        return name


#: the dates the app takes: wide enough for any meeting, narrow enough that every offset,
#: window and buffer added to them stays a valid datetime (year 1 or 9999 would overflow)
EARLIEST = date(1970, 1, 1)
LATEST = date(2999, 12, 31)
_OUT_OF_RANGE = f"Give a date between {EARLIEST.isoformat()} and {LATEST.isoformat()}."


class AwareDateTime(fields.DateTime):
    """An ISO 8601 instant that must carry its offset: a time without one means nothing here."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if isinstance(value, str) and len(value) > 40:
            raise ValidationError("Not a valid datetime.")
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            raise ValidationError(
                "Give the time with its UTC offset, e.g. 2026-12-01T09:00:00-05:00."
            )
        if not EARLIEST <= parsed.date() <= LATEST:
            raise ValidationError(_OUT_OF_RANGE)
        return parsed


class CalendarDate(fields.Date):
    """A date between :data:`EARLIEST` and :data:`LATEST`."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST <= parsed <= LATEST:
            raise ValidationError(_OUT_OF_RANGE)
        return parsed
