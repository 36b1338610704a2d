"""marshmallow fields shared by several features' schemas: zones, aware datetimes, wall times."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from marshmallow import ValidationError, fields

from server.timezones import is_valid_timezone

__all__ = ["AwareDateTime", "TimeZoneName", "WallTime"]


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


_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class WallTime(fields.Field):
    """``"HH:MM"`` wall-clock time; ``"24:00"`` is accepted as an end and stored as ``time(0)``."""

    def __init__(self, *, allow_end_of_day: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allow_end_of_day = allow_end_of_day

    def _serialize(self, value: time | None, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        if value == time(0) and self.allow_end_of_day:
            return "24:00"
        return value.strftime("%H:%M")

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> time:
        if value == "24:00" and self.allow_end_of_day:
            return time(0)
        match = _HHMM.match(value) if isinstance(value, str) else None
        if not match:
            raise ValidationError("Use 24-hour 'HH:MM'.")
        return time(int(match.group(1)), int(match.group(2)))
