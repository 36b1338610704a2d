"""Date math on ``YYYY-MM-DD`` strings with ``window.Date``; formats with ``window.Intl``.

Slots arrive as ISO strings in the visitor's zone, so their first ten characters are the
visitor's local date. Formatting always names the zone, never the browser's own.
"""

from browser import window

Date = window.Date
Intl = window.Intl


def visitor_zone():
    try:
        return Intl.DateTimeFormat.new().resolvedOptions().timeZone or "UTC"
    except Exception:
        return "UTC"


def _utc(y, m, d):
    return Date.new(Date.UTC(y, m - 1, d))


def iso(y, m, d):
    """The date y-m-d, overflow allowed (d=0 is the last day of the month before)."""
    return _utc(y, m, d).toISOString()[:10]


def ymd(s):
    return int(s[:4]), int(s[5:7]), int(s[8:10])


def add_days(s, n):
    y, m, d = ymd(s)
    return iso(y, m, d + n)


def add_months(s, n):
    y, m, d = ymd(s)
    first = iso(y, m + n, 1)
    y, m, _ = ymd(first)
    return iso(y, m, min(d, days_in_month(y, m)))


def days_in_month(y, m):
    return _utc(y, m + 1, 0).getUTCDate()


def weekday(s):
    """0 = Sunday … 6 = Saturday."""
    y, m, d = ymd(s)
    return _utc(y, m, d).getUTCDay()


def today(zone):
    parts = Intl.DateTimeFormat.new(
        "en-US", {"timeZone": zone, "year": "numeric", "month": "2-digit", "day": "2-digit"}
    ).formatToParts(Date.new())
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


def zone_offset(zone):
    """ "GMT+5:30" for the zone, now."""
    try:
        text = Intl.DateTimeFormat.new(
            "en-US", {"timeZone": zone, "timeZoneName": "shortOffset"}
        ).format(Date.new())
        return text.split(" ")[-1]
    except Exception:
        return ""


class Formats:
    """The link's locale applied to dates (calendar days) and instants (in a zone)."""

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
        """A calendar date: full "Tuesday 16 March 2027", "short" "Tue 16 Mar", "month"."""
        if style == "full":
            f = self.fmt("full", "UTC", weekday="long", day="numeric", month="long", year="numeric")
        elif style == "month":
            f = self.fmt("month", "UTC", month="long", year="numeric")
        else:
            f = self.fmt("short", "UTC", weekday="long", day="numeric", month="long")
        return f.format(Date.new(s[:10] + "T12:00:00Z"))

    def weekday_names(self, start):
        """[(short, long)] for the seven days from ``start`` (0 = Sunday)."""
        f = self.fmt("wd", "UTC", weekday="short")
        g = self.fmt("wdl", "UTC", weekday="long")
        out = []
        for i in range(7):
            d = Date.new(Date.UTC(2023, 0, 1 + (start + i) % 7))  # 2023-01-01 is a Sunday
            out.append((f.format(d), g.format(d)))
        return out

    def time(self, instant, zone):
        return self.fmt("t", zone, hour="numeric", minute="2-digit").format(Date.new(instant))

    def when(self, instant, zone):
        f = self.fmt(
            "w",
            zone,
            weekday="long",
            day="numeric",
            month="long",
            year="numeric",
            hour="numeric",
            minute="2-digit",
        )
        return f.format(Date.new(instant))

    def number(self, n, unit=None):
        opts = {"style": "unit", "unit": unit, "unitDisplay": "short"} if unit else {}
        return Intl.NumberFormat.new(self.locale, opts).format(n)
