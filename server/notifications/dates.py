"""Dates, times and durations as a reader of the message expects them (N2), with Babel.

Times are shown in the recipient's zone; the words and order come from the link's locale
(``en-US`` 12-hour, ``en-GB`` and ``fr-FR`` 24-hour, …). When the link's language and its
locale disagree (French text, ``en-US`` formats), the language wins for the words, with the
locale's country when Babel knows that pair: a French email never says "Tuesday".
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from babel import Locale, UnknownLocaleError, localedata
from babel.dates import format_date, format_time, get_datetime_format, get_timezone_name
from babel.units import format_unit

from server.timezones import zone

__all__ = ["format_duration", "format_moment", "format_when", "formatting_locale"]


@cache
def formatting_locale(language: str, locale: str) -> Locale:
    """The Babel locale for a link's ``language`` (``fr``) and ``locale`` (``fr-FR``)."""
    try:
        chosen = Locale.parse(locale.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return Locale.parse(language)
    if chosen.language == language:
        return chosen
    if chosen.territory and localedata.exists(f"{language}_{chosen.territory}"):
        return Locale.parse(f"{language}_{chosen.territory}")
    return Locale.parse(language)


def format_when(start: datetime, end: datetime, timezone: str, locale: Locale) -> str:
    """``Tuesday, December 1, 2026, 9:00 AM – 9:30 AM (Eastern Standard Time)``."""
    tz = zone(timezone)
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    times = f"{_time(local_start, locale)} – {_time(local_end, locale)}"
    if local_end.date() != local_start.date():
        times += f" ({format_date(local_end, 'medium', locale=locale)})"
    return _on_day(local_start, times, locale)


def format_moment(moment: datetime, timezone: str, locale: Locale) -> str:
    """One instant: ``Tuesday, December 1, 2026, 9:00 AM (Eastern Standard Time)``."""
    local = moment.astimezone(zone(timezone))
    return _on_day(local, _time(local, locale), locale)


def _time(local: datetime, locale: Locale) -> str:
    return format_time(local, "short", locale=locale)


def _on_day(local: datetime, times: str, locale: Locale) -> str:
    """The locale's own way of joining a date and a time, and the zone's name in its words."""
    pattern = str(get_datetime_format("full", locale=locale)).replace("'", "")
    day = format_date(local, "full", locale=locale)
    text = pattern.replace("{1}", day).replace("{0}", times)
    return f"{text} ({get_timezone_name(local, 'long', locale=locale)})"


def format_duration(minutes: int, locale: Locale) -> str:
    """``30 minutes``, ``30 Minuten``; minutes stay minutes (``90 minutes``, not "2 hours")."""
    return format_unit(minutes, "duration-minute", length="long", locale=locale)
