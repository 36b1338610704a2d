"""marshmallow fields shared by several features' schemas: zones and aware datetimes.

Wall-clock hours (``"HH:MM"``) belong to links alone: :mod:`server.links.hours`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import ValidationError, fields

from server.timezones import is_valid_timezone

__all__ = ["AwareDateTime", "TimeZoneName"]


class TimeZoneName(fields.String):
    """An IANA zone name such as ``Europe/Paris``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        name = super()._deserialize(value, attr, data, **kwargs)
        if not is_valid_timezone(name):
            raise ValidationError("Unknown time zone; use an IANA name such as 'Europe/Paris'.")
        return name


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
        return parsed
