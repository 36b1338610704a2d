"""Weekly hours and date overrides as the API writes them, and as the engine reads them.

API form: ``{"mon": [["09:00", "17:00"]], ...}`` and ``[{"date": "2026-12-24", "hours": []}]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import time
from typing import Any

from server.availability.rules import DailyHours

__all__ = ["WEEKDAYS", "format_hours", "parse_day_hours", "parse_hhmm"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_INTERVALS_PER_DAY = 12
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(value: Any, *, end: bool = False) -> time:
    if end and value == "24:00":
        return time(0)
    match = _HHMM.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"{value!r} is not a 24-hour 'HH:MM' time.")
    return time(int(match.group(1)), int(match.group(2)))


def _minutes(t: time, *, end: bool) -> int:
    return 24 * 60 if end and t == time(0) else t.hour * 60 + t.minute


def parse_day_hours(value: Any) -> DailyHours:
    """``[["09:00", "12:00"], ["13:00", "17:00"]]`` → sorted, non-overlapping ``(start, end)``.

    :raise ValueError: with a message for the person who typed the hours.
    """
    if not isinstance(value, list | tuple):
        raise ValueError("Give a list of [start, end] pairs.")
    if len(value) > MAX_INTERVALS_PER_DAY:
        raise ValueError(f"At most {MAX_INTERVALS_PER_DAY} intervals a day.")
    pairs: list[tuple[time, time]] = []
    for item in value:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise ValueError("Each interval is a [start, end] pair such as ['09:00', '17:00'].")
        start, finish = parse_hhmm(item[0]), parse_hhmm(item[1], end=True)
        if _minutes(finish, end=True) <= _minutes(start, end=False):
            raise ValueError(f"{item[0]}–{item[1]}: the end must come after the start.")
        pairs.append((start, finish))
    pairs.sort(key=lambda p: _minutes(p[0], end=False))
    for (_, a_end), (b_start, _) in zip(pairs, pairs[1:], strict=False):
        if _minutes(b_start, end=False) < _minutes(a_end, end=True):
            raise ValueError("Intervals of one day must not overlap.")
    return tuple(pairs)


def format_hours(pairs: Iterable[tuple[time, time]]) -> list[list[str]]:
    return [
        [start.strftime("%H:%M"), "24:00" if end == time(0) else end.strftime("%H:%M")]
        for start, end in pairs
    ]
