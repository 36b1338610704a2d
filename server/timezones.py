"""Time-zone names as the API accepts them: IANA names known to zoneinfo (with tzdata)."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

__all__ = ["is_valid_timezone", "zone"]


@cache
def _known() -> frozenset[str]:
    return frozenset(available_timezones())


def is_valid_timezone(name: object) -> bool:
    return isinstance(name, str) and name in _known()


@cache
def zone(name: str) -> ZoneInfo:
    if not is_valid_timezone(name):
        raise ZoneInfoNotFoundError(name)
    return ZoneInfo(name)
