"""The month grid (WAI-ARIA date grid, roving tabindex); keys.py handles the keyboard."""

from . import dates
from .dom import active, add, button, clear, h, inside, on


def build(w):
    """The month bar and a slot for the grid; the bar's buttons persist across months."""
    _ = w._
    w.month_title = h("h3", {"id": w.id + "-month", "class": "rdv-month", "aria-live": "polite"})
    w.prev = button(
        h("span", {"aria-hidden": "true"}, "‹"),
        lambda: w.go("keys", "step", -1),
        {"class": "rdv-nav", "aria-label": _("Previous month")},
    )
    w.next = button(
        h("span", {"aria-hidden": "true"}, "›"),
        lambda: w.go("keys", "step", 1),
        {"class": "rdv-nav", "aria-label": _("Next month")},
    )
    w.grid = h("div", {"class": "rdv-gridbox"})
    return h(
        "div",
        {"class": "rdv-cal"},
        h("div", {"class": "rdv-bar"}, w.prev, w.month_title, w.next),
        w.grid,
    )


def render(w, focus=False):
    _ = w._
    y, m = w.month
    first = dates.iso(y, m, 1)
    last = dates.iso(y, m, dates.days_in_month(y, m))
    days = w.days()
    focus = focus or inside(w.grid, active(w.root))
    w.month_title.textContent = w.fm.day(first, "month")
    w.prev.setAttribute(
        "aria-disabled",
        "false" if w.can_show(*dates.ymd(dates.add_days(first, -1))[:2]) else "true",
    )
    w.next.setAttribute(
        "aria-disabled", "false" if w.can_show(*dates.ymd(dates.add_days(last, 1))[:2]) else "true"
    )
    clear(w.grid)
    if days is None and w.slots_error:
        add(
            w.grid,
            h(
                "div",
                {"class": "rdv-error", "role": "alert"},
                h("p", None, w.problem(*w.slots_error)),
                button(_("Try again"), w.need, {"class": "rdv-btn"}),
            ),
        )
    tab = tab_day(w, days, first, last)
    cells = [h("td") for _i in range((dates.weekday(first) - w.week_start) % 7)]
    for d in range(1, int(last[8:]) + 1):
        s = first[:8] + ("0" + str(d))[-2:]
        count = len(days.get(s) or []) if days else 0
        label = w.fm.day(s)
        if days is not None:
            if count == 1:
                label += ", " + _("1 time available")
            elif count:
                label += ", " + _("{n} times available").replace("{n}", w.fm.number(count))
            else:
                label += ", " + _("No times available")
        cells.append(
            h(
                "td",
                {
                    "data-date": s,
                    "tabindex": "0" if s == tab else "-1",
                    "aria-label": label,
                    "class": "rdv-day"
                    + (" rdv-open" if count else "")
                    + (" rdv-today" if s == w.today else ""),
                    "aria-disabled": None if count else "true",
                    "aria-selected": "true" if s == w.day else None,
                    "aria-current": "date" if s == w.today else None,
                },
                str(d),
            )
        )
    while len(cells) % 7:
        cells.append(h("td"))
    head = h(
        "tr",
        None,
        [
            h("th", {"scope": "col", "abbr": full}, short)
            for short, full in w.fm.weekday_names(w.week_start)
        ],
    )
    table = h(
        "table",
        {
            "role": "grid",
            "class": "rdv-grid",
            "aria-labelledby": w.id + "-month",
            "aria-busy": "true" if days is None else None,
        },
        h("thead", None, head),
        h("tbody", None, [h("tr", None, cells[i : i + 7]) for i in range(0, len(cells), 7)]),
    )
    on(table, "keydown", lambda ev: w.go("keys", "key", ev))
    on(table, "click", lambda ev: w.go("keys", "click", ev))
    add(w.grid, table)
    if focus:
        table.querySelector('[tabindex="0"]').focus()


def tab_day(w, days, first, last):
    """The one tabbable day: where the user last was, the chosen day, the first open day, today."""
    for s in (w.focus_day, w.day):
        if s and first <= s <= last:
            return s
    open_days = sorted(s for s in (days or {}) if first <= s <= last and days[s])
    if open_days:
        return open_days[0]
    return w.today if first <= w.today <= last else first
