"""The pick view's markup as HTML strings: the header, the month, the times, the zone box.

One string set as ``innerHTML`` is many times faster in Brython than building the same nodes
one call at a time, and, since this module imports only ``days`` (no browser), the server
runs it too: the first view it paints into the loader's placeholder (``server.public.
first_view``) is this very markup, which the widget then takes over without a flicker.

``fm`` formats dates and numbers in the link's locale (``dates.Formats`` in the browser, a
Babel equivalent on the server); ``_`` translates the widget's strings.
"""

from .days import days_in_month, iso, weekday

#: how many months ahead of today the calendar goes (the slots API's horizon is shorter)
MONTHS_AHEAD = 12


def esc(text):
    """Text or an attribute value, safe between tags and inside double quotes."""
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def tag(name, attrs=None, inner=""):
    """``<name attrs>inner</name>``; values None/False are left out, True is ``""`` (as
    ``dom.h``). ``inner`` is markup already."""
    out = "<" + name
    for key, value in (attrs or {}).items():
        if value is None or value is False:
            continue
        out += " " + key + '="' + ("" if value is True else esc(value)) + '"'
    return out + ">" + inner + "</" + name + ">"


def names_of(cfg):
    return ", ".join(x["name"] for x in cfg.get("hosts") or [] if x.get("name"))


def header(wid, cfg):
    """The host's face and name, the title, and an empty ``.rdv-meta`` (see :func:`meta`)."""
    hosts = cfg.get("hosts") or []
    names = names_of(cfg)
    photo = cfg.get("photo_url") or (hosts[0].get("photo_url") if len(hosts) == 1 else None)
    logo = (cfg.get("branding") or {}).get("logo_url")
    if photo:
        face = "<img" + _attrs({"class": "rdv-photo", "src": photo, "alt": ""}) + ">"
    else:
        initials = "".join(p[0] for p in names.split(" ")[:2] if p).upper() or "•"
        face = tag(
            "span", {"class": "rdv-photo rdv-initials", "aria-hidden": "true"}, esc(initials)
        )
    who = tag(
        "div",
        None,
        tag("p", {"class": "rdv-host"}, esc(names))
        + tag("h2", {"id": wid + "-title", "class": "rdv-title"}, esc(cfg.get("title") or ""))
        + tag("p", {"class": "rdv-meta"}),
    )
    return tag(
        "header",
        {"class": "rdv-head"},
        ("<img" + _attrs({"class": "rdv-logo", "src": logo, "alt": ""}) + ">" if logo else "")
        + tag("div", {"class": "rdv-who"}, face + who),
    )


def meta(cfg, fm, duration):
    """The duration and the place, with their icons; a web address is a link."""
    where = cfg.get("location")
    out = tag("span", {"class": "rdv-dur"}, esc(fm.number(duration, "minute")))
    if where:
        if where.startswith(("https://", "http://")):
            inner = tag("a", {"href": where, "target": "_blank", "rel": "noopener"}, esc(where))
        else:
            inner = esc(where)
        out += tag("span", {"class": "rdv-loc"}, inner)
    return out


def durations(wid, cfg, duration, fm, _):
    """The duration choice, as radio pills; ``controls`` listens for its changes."""
    pills = ""
    for d in cfg["durations"]:
        radio = "<input" + _attrs(
            {"type": "radio", "name": wid + "-dur", "value": str(d), "checked": d == duration}
        )
        pills += tag("label", {"class": "rdv-pill"}, radio + "> " + esc(fm.number(d, "minute")))
    return tag("fieldset", {"class": "rdv-durs"}, tag("legend", None, esc(_("Duration"))) + pills)


def can_show(today, y, m):
    """Whether the calendar may turn to month ``y-m``: this month and the twelve after it."""
    ty, tm = int(today[:4]), int(today[5:7])
    return 0 <= (y - ty) * 12 + m - tm <= MONTHS_AHEAD


def first_month(days, today):
    """The month a calendar opens on: the first one with a free day, else this one."""
    open_days = sorted(s for s, v in (days or {}).items() if v and s >= today)
    start = open_days[0] if open_days else today
    return int(start[:4]), int(start[5:7])


def tab_day(days, first, last, today, focus_day=None, day=None):
    """The one tabbable day: where the user last was, the chosen day, the first open day, today."""
    for s in (focus_day, day):
        if s and first <= s <= last:
            return s
    open_days = sorted(s for s in (days or {}) if first <= s <= last and days[s])
    if open_days:
        return open_days[0]
    return today if first <= today <= last else first


def bar(wid, title, before, after, _):
    """The month's name between its Previous and Next buttons (``aria-disabled`` at the ends)."""
    return tag(
        "div",
        {"class": "rdv-bar"},
        _nav("rdv-prev", "‹", _("Previous month"), before)
        + tag("h3", {"id": wid + "-month", "class": "rdv-month", "aria-live": "polite"}, esc(title))
        + _nav("rdv-next", "›", _("Next month"), after),
    )


def _nav(name, arrow, label, enabled):
    return tag(
        "button",
        {
            "type": "button",
            "class": "rdv-nav " + name,
            "aria-label": label,
            "aria-disabled": "false" if enabled else "true",
        },
        tag("span", {"aria-hidden": "true"}, arrow),
    )


def grid(wid, y, m, days, today, tab, chosen, week_start, fm, _):
    """The month as a WAI-ARIA date grid; ``days`` is ``{date: [starts]}``, None while it loads."""
    first = iso(y, m, 1)
    last = iso(y, m, days_in_month(y, m))
    cells = ["<td></td>"] * ((weekday(first) - week_start) % 7)
    one, many, none = _("1 time available"), _("{n} times available"), _("No times available")
    for d in range(1, int(last[8:]) + 1):
        s = first[:8] + ("0" + str(d))[-2:]
        count = len(days.get(s) or []) if days else 0
        label = fm.day(s)
        if days is not None:
            if count == 1:
                label += ", " + one
            elif count:
                label += ", " + many.replace("{n}", fm.number(count))
            else:
                label += ", " + none
        cells.append(
            tag(
                "td",
                {
                    "data-date": s,
                    "tabindex": "0" if s == tab else "-1",
                    "aria-label": label,
                    "class": "rdv-day"
                    + (" rdv-open" if count else "")
                    + (" rdv-today" if s == today else ""),
                    "aria-disabled": None if count else "true",
                    "aria-selected": "true" if s == chosen else None,
                    "aria-current": "date" if s == today else None,
                },
                str(d),
            )
        )
    while len(cells) % 7:
        cells.append("<td></td>")
    head = "".join(
        tag("th", {"scope": "col", "abbr": full}, esc(short))
        for short, full in fm.weekday_names(week_start)
    )
    rows = "".join("<tr>" + "".join(cells[i : i + 7]) + "</tr>" for i in range(0, len(cells), 7))
    return tag(
        "table",
        {
            "role": "grid",
            "class": "rdv-grid",
            "aria-labelledby": wid + "-month",
            "aria-busy": "true" if days is None else None,
        },
        "<thead><tr>" + head + "</tr></thead><tbody>" + rows + "</tbody>",
    )


def zone_label(z):
    """A zone of the server's menu as it reads: "Vancouver (GMT−8)"."""
    return z["name"].split("/")[-1].replace("_", " ") + " (" + z["offset"] + ")"


def zone_box(wid, zone, menu, _):
    """The time zone menu with the visitor's zone alone (labelled as in the server's ``menu``
    when it is there); the full list fills in when idle."""
    sid = wid + "-tz"
    label = zone.replace("_", " ")
    for z in menu or []:
        if z["name"] == zone:
            label = zone_label(z)
    option = tag("option", {"value": zone}, esc(label))
    return tag(
        "div",
        {"class": "rdv-tz"},
        tag("label", {"for": sid}, esc(_("Time zone")))
        + tag("select", {"id": sid, "class": "rdv-select"}, option),
    )


def hint(text):
    return tag("p", {"class": "rdv-hint"}, esc(text))


def month_hint(empty, next_date, next_label, _):
    """What the times column says before a day is chosen; for an empty month, where the next
    free day is, as a button (``data-date``) that opens it."""
    if not empty:
        return hint(_("Pick a day to see the available times."))
    out = hint(_("No times available this month."))
    if next_date:
        text = _("Next available: {date}").replace("{date}", next_label)
        out += tag(
            "button",
            {"type": "button", "class": "rdv-btn rdv-next-open", "data-date": next_date},
            esc(text),
        )
    return out


def month_empty(days, lo, hi):
    """Whether ``days`` (``{date: [starts]}``, None while loading) has no times in [lo, hi]."""
    if days is None:
        return False
    return not any(v for s, v in days.items() if lo <= s <= hi)


def times(hid, heading, labels):
    """The chosen day's heading and its times, ``labels`` as ``[(start, text)]``."""
    items = "".join(
        tag(
            "li",
            None,
            tag("button", {"type": "button", "class": "rdv-slot", "data-start": s}, esc(t)),
        )
        for s, t in labels
    )
    return tag("h3", {"id": hid, "class": "rdv-dayhead"}, esc(heading)) + tag(
        "ul", {"class": "rdv-slots", "aria-labelledby": hid}, items
    )


def cols(wid, month_bar, month_grid, zone, aside):
    """The calendar and the zone on the left, the times on the right (stacked when narrow)."""
    left = tag(
        "div",
        {"class": "rdv-left"},
        tag(
            "div",
            {"class": "rdv-cal"},
            month_bar + tag("div", {"class": "rdv-gridbox"}, month_grid),
        )
        + zone,
    )
    return tag("div", {"class": "rdv-cols"}, left + tag("div", {"class": "rdv-times"}, aside))


def month_span(y, m, today):
    """The dates of month ``y-m`` that can still be booked: ``(from, to)``, empty if past."""
    return max(iso(y, m, 1), today), iso(y, m, days_in_month(y, m))


def first_view(wid, cfg, slots, end, zone, fm, _, week_start):
    """The whole pick view as the widget first shows it: header, durations, month, zone, hint.

    ``slots`` is the slots answer from today to ``end`` (``today``, ``slots``). The month's
    days are shown as loading when those weeks don't cover it, as the widget would.
    """
    today = slots["today"]
    days = {}
    for s in slots["slots"]:
        days.setdefault(s[:10], []).append(s)
    y, m = first_month(days, today)
    lo, hi = month_span(y, m, today)
    covered = lo <= hi <= end
    shown = days if covered else None
    later = None
    if month_empty(shown, lo, hi):
        later = (slots.get("next_available") or "")[:10] or None
    first, last = iso(y, m, 1), iso(y, m, days_in_month(y, m))
    duration = cfg["durations"][0]
    body = durations(wid, cfg, duration, fm, _) if len(cfg["durations"]) > 1 else ""
    body += cols(
        wid,
        bar(
            wid,
            fm.day(first, "month"),
            can_show(today, *_ym(iso(y, m, 0))),
            can_show(today, *_ym(iso(y, m + 1, 1))),
            _,
        ),
        grid(wid, y, m, shown, today, tab_day(shown, first, last, today), None, week_start, fm, _),
        zone_box(wid, zone, slots.get("timezones"), _),
        month_hint(month_empty(shown, lo, hi), later, fm.day(later, "short") if later else "", _),
    )
    head = header(wid, cfg).replace(
        '<p class="rdv-meta"></p>', tag("p", {"class": "rdv-meta"}, meta(cfg, fm, duration))
    )
    return head + tag("div", {"class": "rdv-body"}, body)


def _ym(s):
    return int(s[:4]), int(s[5:7])


def _attrs(attrs):
    return tag("x", attrs)[2:-5]
