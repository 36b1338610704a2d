"""Time-zone names as the API accepts them: IANA names known to zoneinfo (with tzdata), and
the zone menu the widget offers, labelled by this server's rules (SPEC E5)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import TypedDict
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

__all__ = [
    "MENU_ZONES",
    "ZoneLabel",
    "is_valid_timezone",
    "offset_label",
    "pickable_zones",
    "zone",
    "zone_menu",
]

#: the zones the widget's menu always offers, beside the visitor's and the link's own
MENU_ZONES = (
    "Pacific/Honolulu America/Anchorage America/Los_Angeles America/Denver America/Phoenix "
    "America/Chicago America/Mexico_City America/New_York America/Toronto America/Bogota "
    "America/Halifax America/St_Johns America/Sao_Paulo America/Argentina/Buenos_Aires "
    "Atlantic/Azores UTC Europe/London Europe/Dublin Europe/Lisbon Europe/Paris Europe/Brussels "
    "Europe/Amsterdam Europe/Berlin Europe/Zurich Europe/Madrid Europe/Rome Europe/Stockholm "
    "Europe/Warsaw Europe/Athens Europe/Helsinki Europe/Istanbul Europe/Moscow Africa/Casablanca "
    "Africa/Lagos Africa/Cairo Africa/Johannesburg Africa/Nairobi Asia/Dubai Asia/Karachi "
    "Asia/Kolkata Asia/Dhaka Asia/Bangkok Asia/Jakarta Asia/Singapore Asia/Shanghai "
    "Asia/Hong_Kong Asia/Tokyo Asia/Seoul Australia/Perth Australia/Adelaide Australia/Brisbane "
    "Australia/Sydney Pacific/Auckland"
).split()


class ZoneLabel(TypedDict):
    name: str
    offset: str
    offset_minutes: int


@cache
def _known() -> frozenset[str]:
    return frozenset(available_timezones())


def is_valid_timezone(name: object) -> bool:
    return isinstance(name, str) and name in _known()


@cache
def pickable_zones() -> tuple[str, ...]:
    """The zones a person picks from in a form: ``Area/City`` names, without ``Etc/`` aliases
    (every one of them :func:`is_valid_timezone`)."""
    return tuple(sorted(z for z in _known() if "/" in z and not z.startswith("Etc/")))


@cache
def zone(name: str) -> ZoneInfo:
    if not is_valid_timezone(name):
        raise ZoneInfoNotFoundError(name)
    return ZoneInfo(name)


def offset_label(minutes: int) -> str:
    """ "GMT−8", "GMT+5:45", "GMT": the short form browsers show, with a true minus sign."""
    if not minutes:
        return "GMT"
    hours, rest = divmod(abs(minutes), 60)
    sign = "+" if minutes > 0 else "\u2212"
    return f"GMT{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_menu(at: datetime, also: Iterable[str] = ()) -> list[ZoneLabel]:
    """The menu's zones (and ``also``) with their offsets at ``at``, by offset then name.

    The server labels them so the menu agrees with the offsets of the slots it sends, even
    where the browser's own tzdata is older or newer than ours. Every slots answer carries
    it, so it is kept per minute and per set of extra zones.
    """
    minute = at.astimezone(UTC).replace(second=0, microsecond=0)
    return list(_zone_menu(minute, frozenset(also)))


@lru_cache(maxsize=1024)
def _zone_menu(moment: datetime, also: frozenset[str]) -> tuple[ZoneLabel, ...]:
    rows: list[ZoneLabel] = []
    for name in sorted({*MENU_ZONES, *also}):
        offset = moment.astimezone(zone(name)).utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset is not None else 0
        rows.append({"name": name, "offset": offset_label(minutes), "offset_minutes": minutes})
    rows.sort(key=lambda r: (r["offset_minutes"], r["name"]))
    return tuple(rows)
