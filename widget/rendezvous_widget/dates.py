"""Calendar dates as ``YYYY-MM-DD`` strings, with integer day arithmetic; ``window.Intl`` formats.

Slots arrive as ISO strings in the visitor's zone, so their first ten characters are the
visitor's local date. Formatting always names the zone, never the browser's own. (Integer
math rather than ``new Date()`` for every cell: constructing JS objects from Brython is slow.)
"""

from browser import window

Date = window.Date
Intl = window.Intl
DAY_MS = 86400000


def visitor_zone():
    try:
        return Intl.DateTimeFormat.new().resolvedOptions().timeZone or "UTC"
    except Exception:
        return "UTC"


def number(y, m, d):
    """Days since 1970-01-01 (proleptic Gregorian; H. Hinnant's days_from_civil)."""
    y += (m - 1) // 12
    m = (m - 1) % 12 + 1
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m - 3 if m > 2 else m + 9) + 2) // 5 + d - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def from_number(z):
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    m = mp + 3 if mp < 10 else mp - 9
    return f"{yoe + era * 400 + (m <= 2):04d}-{m:02d}-{doy - (153 * mp + 2) // 5 + 1:02d}"


def ymd(s):
    return int(s[:4]), int(s[5:7]), int(s[8:10])


def iso(y, m, d):
    """The date y-m-d; overflow allowed (d=0 is the last day of the month before)."""
    return from_number(number(y, m, d))


def add_days(s, n):
    return from_number(number(*ymd(s)) + n)


def add_months(s, n):
    y, m, d = ymd(s)
    return iso(y, m + n, min(d, days_in_month(y, m + n)))


def days_in_month(y, m):
    return number(y, m + 1, 1) - number(y, m, 1)


def weekday(s):
    """0 = Sunday … 6 = Saturday."""
    return (number(*ymd(s)) + 4) % 7


def today(zone):
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


def zone_offset(zone):
    """ "GMT+5:30" for the zone, now."""
    try:
        text = Intl.DateTimeFormat.new(
            "en-US", {"timeZone": zone, "timeZoneName": "shortOffset"}
        ).format(Date.now())
        return text.split(" ")[-1]
    except Exception:
        return ""


class Formats:
    """The link's locale applied to calendar days and to instants (in a zone)."""

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

    def time(self, instant, zone):
        return self.fmt("t", zone, hour="numeric", minute="2-digit").format(Date.parse(instant))

    def when(self, instant, zone):
        f = self.fmt(
            "w", zone, weekday="long", day="numeric", month="long", year="numeric",
            hour="numeric", minute="2-digit",
        )  # fmt: skip
        return f.format(Date.parse(instant))

    def number(self, n, unit=None):
        key = "n|" + (unit or "")
        f = self.cache.get(key)
        if f is None:
            opts = {"style": "unit", "unit": unit, "unitDisplay": "short"} if unit else {}
            f = self.cache[key] = Intl.NumberFormat.new(self.locale, opts)
        return f.format(n)
