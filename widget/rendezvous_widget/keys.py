"""Keyboard and pointer on the month grid: the WAI-ARIA date-grid pattern."""

from . import dates
from .dom import closest

MOVES = {"ArrowLeft": -1, "ArrowRight": 1, "ArrowUp": -7, "ArrowDown": 7}


def warm(w):
    """Imported when idle, so the first key press doesn't wait for the compiler."""


def step(w, n):
    """The month bar's buttons."""
    y, m, _ = dates.ymd(dates.add_months(dates.iso(w.month[0], w.month[1], 1), n))
    if w.can_show(y, m):
        w.set_month(y, m)


def click(w, ev):
    cell = closest(ev.target, "td[data-date]")
    if cell:
        w.focus_day = cell.getAttribute("data-date")
        if cell.getAttribute("aria-disabled") != "true":
            w.pick_day(w.focus_day)


def key(w, ev):
    """Arrows by day and week, Home/End to the week's ends, PageUp/PageDown by month (with
    Shift by year), Enter or Space picks."""
    s = ev.target.getAttribute("data-date")
    k = ev.key
    if not s:
        return
    col = (dates.weekday(s) - w.week_start) % 7
    if k in MOVES:
        t = dates.add_days(s, MOVES[k])
    elif k == "Home":
        t = dates.add_days(s, -col)
    elif k == "End":
        t = dates.add_days(s, 6 - col)
    elif k == "PageUp" or k == "PageDown":
        t = dates.add_months(s, (1 if k == "PageDown" else -1) * (12 if ev.shiftKey else 1))
    elif k == "Enter" or k == " ":
        ev.preventDefault()
        if ev.target.getAttribute("aria-disabled") != "true":
            w.pick_day(s)
        return
    else:
        return
    ev.preventDefault()
    go(w, t)


def go(w, t):
    """Move the roving tabindex to day ``t``, turning the month when it lies in another.

    A day in a month the widget can't show (before this month, after the last bookable one)
    stops at the nearest day it can show, as the APG date grid does: a key never does nothing
    while there is somewhere to go in its direction.
    """
    y, m, _ = dates.ymd(t)
    if not w.can_show(y, m):
        ty, tm, _ = dates.ymd(w.today)
        first = dates.iso(ty, tm, 1)
        if t < first:
            t = first
        else:  # the last day of the last month can_show allows: 12 months on
            t = dates.iso(ty, tm + 13, 0)
        y, m, _ = dates.ymd(t)
    w.focus_day = t
    if (y, m) != w.month:
        w.set_month(y, m, True)
        return
    old = w.grid.querySelector('[tabindex="0"]')
    new = w.grid.querySelector('[data-date="' + t + '"]')
    if old:
        old.setAttribute("tabindex", "-1")
    new.setAttribute("tabindex", "0")
    new.focus()
