"""The widget's first view, painted by the server so a visitor sees the month at once.

The loader asks for it before Brython has even loaded, and puts this HTML into the
placeholder; the widget takes it over when it starts. It is the widget's own markup
(``widget/rendezvous_widget/markup.py``, run here by CPython), formatted by Babel the way the
browser's ``Intl`` formats it in the widget, so the takeover changes nothing on screen.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Any

from babel import Locale
from babel.dates import format_date, format_skeleton, get_day_names
from babel.numbers import format_decimal
from babel.units import format_unit

__all__ = ["ID", "first_view"]

#: stands for the widget's element id prefix; the loader puts the real one in
ID = "__RDV__"


class Formats:
    """``dates.Formats`` of the widget (``Intl``), in Babel: the same words for the same days."""

    def __init__(self, locale: str) -> None:
        self.locale = _locale(locale)

    def day(self, s: str, style: str = "full") -> str:
        d = date.fromisoformat(s)
        if style == "full":
            return format_date(d, "full", locale=self.locale)
        if style == "month":
            return format_skeleton("yMMMM", d, locale=self.locale)
        return format_date(d, _weekday_day_month(self.locale), locale=self.locale)

    def number(self, n: int, unit: str | None = None) -> str:
        if unit:
            return format_unit(n, f"duration-{unit}", length="short", locale=self.locale)
        return format_decimal(n, locale=self.locale)

    def weekday_names(self, start: int) -> list[tuple[str, str]]:
        """[(short, long)] for the seven days from ``start`` (0 = Sunday), as ``Intl`` says them."""
        # Intl names a weekday on its own in the stand-alone forms: German "Mo", not "Mo."
        short = get_day_names("abbreviated", context="stand-alone", locale=self.locale)
        full = get_day_names("wide", context="stand-alone", locale=self.locale)
        days = [((start + i) % 7 + 6) % 7 for i in range(7)]  # Babel's 0 is Monday
        return [(short[d], full[d]) for d in days]


@cache
def _locale(tag: str) -> Locale:
    try:
        return Locale.parse(tag, sep="-")
    except (ValueError, TypeError):
        return Locale.parse("en_US")


@cache
def _weekday_day_month(locale: Locale) -> str:
    """The locale's pattern for a weekday, day and month with the weekday in full, as
    ``Intl`` writes {weekday: long, day, month: long}: "Friday, June 18", "vendredi 18 juin".
    (Babel's skeleton match would abbreviate the weekday.)"""
    return re.sub(r"E+", "EEEE", locale.datetime_skeletons["MMMMEd"].pattern)


def week_start(locale: str) -> int:
    """The locale's first day of the week, 0 = Sunday (Babel counts from Monday)."""
    return (_locale(locale).first_week_day + 1) % 7


def first_view(cfg: dict[str, Any], slots: dict[str, Any], end: date) -> dict[str, Any]:
    """``{html, theme}``: the pick view the widget would first show for this link config and
    slots answer (fetched up to ``end``), and the accent's CSS variables for the root.

    A link in request mode gets its header only: the widget then shows its request form.
    """
    from server.widget_code import widget_module

    markup = widget_module("markup")
    palette = widget_module("palette")
    strings = cfg.get("strings") or {}

    def _(msgid: str) -> str:
        return strings.get(msgid) or msgid

    locale = cfg.get("locale") or "en-US"
    fm = Formats(locale)
    if cfg.get("mode") == "request":
        html = markup.header(ID, cfg) + '<div class="rdv-body"></div>'
    else:
        html = markup.first_view(
            ID, cfg, slots, end.isoformat(), slots["timezone"], fm, _, week_start(locale)
        )
    accent = (cfg.get("branding") or {}).get("accent_color")
    return {"html": html, "theme": [list(pair) for pair in palette.variables(accent)]}
