"""Calendar dates as ``YYYY-MM-DD`` strings with integer day arithmetic: no imports, so the
server runs it too (the first view it paints, ``markup``) and gets the widget's answers."""


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
