"""Calendar dates as ``YYYY-MM-DD`` strings, with integer day arithmetic; ``window.Intl`` formats.

Slots arrive as ISO strings with the offset the server's tzdata gives the visitor's zone, so
their first ten characters are the visitor's local date and the next five the wall time. They
are shown as written (SPEC E5): the wall-clock fields are read from the string and formatted
as a UTC instant, so the browser's own zone rules, older or newer than the server's, never
move them and the screen agrees with the email. (Integer math rather than ``new Date()`` for
every cell: constructing JS objects from Brython is slow.)
"""

from browser import window

from .days import add_days, add_months, days_in_month, from_number, iso, number, weekday, ymd

__all__ = ["add_days", "add_months", "days_in_month", "from_number", "iso", "number", "weekday"]
__all__ += ["ymd", "today", "week_start", "wall", "offset_minutes", "offset_label", "twins"]

Date = window.Date
Intl = window.Intl
DAY_MS = 86400000


def visitor_zone():
    try:
        return Intl.DateTimeFormat.new().resolvedOptions().timeZone or "UTC"
    except Exception:
        return "UTC"


def today(zone):
    """Today in ``zone`` by the browser's rules: only a first guess, for the first request;
    each slots answer then says which day it is there by the server's (``Widget.store``)."""
    parts = Intl.DateTimeFormat.new(
        "en-US", {"timeZone": zone, "year": "numeric", "month": "2-digit", "day": "2-digit"}
    ).formatToParts(Date.now())
    p = {x.type: x.value for x in parts}
    return p["year"] + "-" + p["month"] + "-" + p["day"]


def week_start(locale):
    """First day of the week for the locale (0 = Sunday), Monday when the browser can't say."""
    try:
        loc = Intl.Locale.new(locale)
        info = loc.getWeekInfo() if hasattr(loc, "getWeekInfo") else loc.weekInfo
        return info.firstDay % 7
    except Exception:
        return 1


def wall(instant):
    """The wall clock an ISO string carries ("2027-03-10T09:00:00-08:00" → 10 March, 09:00),
    as milliseconds of that clock read in UTC; its offset is not applied."""
    secs = int(instant[11:13]) * 3600 + int(instant[14:16]) * 60
    if len(instant) > 18 and instant[16] == ":":
        secs += int(instant[17:19])
    return number(*ymd(instant)) * DAY_MS + secs * 1000


def offset_minutes(instant):
    """The UTC offset an ISO string carries, in minutes ("…-04:00" → -240, "…Z" → 0)."""
    if instant.endswith("Z"):
        return 0
    tail = instant[-6:]
    if len(instant) < 22 or tail[0] not in "+-" or tail[3] != ":":
        return 0
    minutes = int(tail[1:3]) * 60 + int(tail[4:6])
    return -minutes if tail[0] == "-" else minutes


def offset_label(instant):
    """ "GMT−4" for "…-04:00", "GMT+5:45", "GMT": the offset the string carries, written as
    the server writes the zone menu's (``server.timezones.offset_label``)."""
    minutes = offset_minutes(instant)
    if not minutes:
        return "GMT"
    hours, rest = abs(minutes) // 60, abs(minutes) % 60
    sign = "+" if minutes > 0 else "\u2212"
    return "GMT" + sign + str(hours) + (":" + ("0" + str(rest))[-2:] if rest else "")


def twins(slots):
    """The wall readings (date and time) two of ``slots`` share: on a fall-back day the server
    offers both instants of a time the clock shows twice (SPEC §11.1), and only their offsets
    tell the buttons apart."""
    seen, twice = set(), set()
    for s in slots or ():
        (twice if s[:16] in seen else seen).add(s[:16])
    return twice


_readers = {}


def _clock_reads(zone, ms):
    f = _readers.get(zone)
    if f is None:
        f = _readers[zone] = Intl.DateTimeFormat.new(
            "en-US",
            {
                "timeZone": zone, "hourCycle": "h23", "year": "numeric", "month": "2-digit",
                "day": "2-digit", "hour": "2-digit", "minute": "2-digit",
            },
        )  # fmt: skip
    return f.format(ms)


def repeats(instant, zone, slots=None):
    """Whether the wall time the string carries occurs twice that day in ``zone`` (a fall-back),
    so a chosen instant must show its offset to say which one it is.

    Another of ``slots`` (the day's offered starts) with the same reading and another offset
    settles it from the server's own data. Without them (a manage page opened from an email),
    the browser's rules for ``zone`` are asked whether its clock reads the same half an hour,
    an hour or two hours away. They only decide whether to add the offset, never what it says
    (that is the server's, from the string): where they differ from the server's, the offset
    is at worst added needlessly, or left out.
    """
    for s in slots or ():
        if s[:16] == instant[:16] and s != instant:
            return True
    try:
        t = wall(instant) - offset_minutes(instant) * 60000
        here = _clock_reads(zone, t)
        return any(_clock_reads(zone, t + d * 60000) == here for d in (-120, -60, -30, 30, 60, 120))
    except Exception:
        return False


class Formats:
    """The link's locale applied to calendar days and to the wall times the server sent."""

    def __init__(self, locale):
        self.locale = locale
        self.cache = {}
        self.hc = Intl.DateTimeFormat.new(locale, {"hour": "numeric"}).resolvedOptions().hourCycle

    def fmt(self, name, zone, **opts):
        key = name + "|" + zone
        f = self.cache.get(key)
        if f is None:
            opts["timeZone"] = zone
            if "hour" in opts and self.hc:  # 12 or 24 hours as the locale says; 24 → "09:15"
                opts["hourCycle"] = self.hc
                opts["hour"] = "numeric" if self.hc in ("h11", "h12") else "2-digit"
            f = self.cache[key] = Intl.DateTimeFormat.new(self.locale, opts)
        return f

    def day(self, s, style="full"):
        """A calendar date: "full" (Tuesday 16 March 2027), "short" (Tuesday 16 March), "month"."""
        if style == "full":
            f = self.fmt("full", "UTC", weekday="long", day="numeric", month="long", year="numeric")
        elif style == "month":
            f = self.fmt("month", "UTC", month="long", year="numeric")
        else:
            f = self.fmt("short", "UTC", weekday="long", day="numeric", month="long")
        return f.format(number(*ymd(s)) * DAY_MS + DAY_MS // 2)

    def weekday_names(self, start):
        """[(short, long)] for the seven days from ``start`` (0 = Sunday)."""
        f = self.fmt("wd", "UTC", weekday="short")
        g = self.fmt("wdl", "UTC", weekday="long")
        days = [(3 + (start + i) % 7) * DAY_MS for i in range(7)]  # 1970-01-04 was a Sunday
        return [(f.format(d), g.format(d)) for d in days]

    def time(self, instant, zone=None, offset=False):
        """ "9:00 AM" for "…T09:00:00-08:00", whatever the browser thinks of the offset.

        ``zone`` is not used: the server already wrote the instant in the visitor's zone.
        ``offset`` adds the string's own offset ("1:00 AM GMT−5"), for a time the clock shows
        twice that day.
        """
        text = self.fmt("t", "UTC", hour="numeric", minute="2-digit").format(wall(instant))
        return text + " " + offset_label(instant) if offset else text

    def when(self, instant, zone=None, offset=False):
        """The date and wall time the string carries, in words (``zone``, ``offset`` as above)."""
        f = self.fmt(
            "w", "UTC", weekday="long", day="numeric", month="long", year="numeric",
            hour="numeric", minute="2-digit",
        )  # fmt: skip
        text = f.format(wall(instant))
        return text + " " + offset_label(instant) if offset else text

    def number(self, n, unit=None):
        key = "n|" + (unit or "")
        f = self.cache.get(key)
        if f is None:
            opts = {"style": "unit", "unit": unit, "unitDisplay": "short"} if unit else {}
            f = self.cache[key] = Intl.NumberFormat.new(self.locale, opts)
        return f.format(n)
