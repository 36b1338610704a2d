"""The month grid (WAI-ARIA date grid, roving tabindex); keys.py handles the keyboard.

The grid is one string of ``markup`` set at once: the same markup the server paints first.
"""

from . import dates, markup
from .dom import active, closest, inside, on


def bind(w, box):
    """Take over the month bar and grid inside ``box`` (events are delegated: the grid's cells
    are replaced on every render)."""
    w.month_title = box.querySelector(".rdv-month")
    w.prev = box.querySelector(".rdv-prev")
    w.next = box.querySelector(".rdv-next")
    w.grid = box.querySelector(".rdv-gridbox")
    on(w.prev, "click", lambda ev: w.go("keys", "step", -1))
    on(w.next, "click", lambda ev: w.go("keys", "step", 1))
    on(w.grid, "keydown", lambda ev: w.go("keys", "key", ev))
    on(w.grid, "click", lambda ev: click(w, ev))


def click(w, ev):
    if closest(ev.target, ".rdv-retry"):
        w.need()
    else:
        w.go("keys", "click", ev)


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
    html = ""
    if days is None and w.slots_error:
        html = markup.tag(
            "div",
            {"class": "rdv-error", "role": "alert"},
            markup.tag("p", None, markup.esc(w.problem(*w.slots_error)))
            + markup.tag(
                "button",
                {"type": "button", "class": "rdv-btn rdv-retry"},
                markup.esc(_("Try again")),
            ),
        )
    tab = markup.tab_day(days, first, last, w.today, w.focus_day, w.day)
    w.grid.innerHTML = html + markup.grid(
        w.id, y, m, days, w.today, tab, w.day, w.week_start, w.fm, _
    )
    if focus:
        w.grid.querySelector('[tabindex="0"]').focus()
