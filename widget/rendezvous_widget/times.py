"""The chosen day's start times, in the visitor's zone, as buttons: each shows the wall time
its string carries, with the offset the server sent (SPEC E5). On a fall-back day two of them
may read the same ("1:00 AM" twice, SPEC §11.1): those carry their offsets too, "1:00 AM GMT−4"
and "1:00 AM GMT−5", in their text and so in their accessible names."""

from . import dates, markup
from .dom import closest, on


def bind(w, box):
    w.times = box
    on(box, "click", lambda ev: click(w, ev))


def click(w, ev):
    slot = closest(ev.target, ".rdv-slot")
    if slot:
        w.choose(slot.getAttribute("data-start"))
    later = closest(ev.target, ".rdv-next-open")
    if later:
        w.go_next_open(later.getAttribute("data-date"))


def render(w, focus=False):
    _ = w._
    box = w.times
    if not w.day:
        lo, hi = w.span()
        empty = markup.month_empty(w.days(), lo, hi)
        later = w.next_open() if empty else None
        label = w.fm.day(later, "short") if later else ""
        box.innerHTML = markup.month_hint(empty, later, label, _)
        if empty and not later:
            w.ask_next()
        return
    hid = w.id + "-day"
    heading = w.fm.day(w.day, "short")
    slots = w.slots_for(w.day)
    if not slots:
        text = _("Loading…") if slots is None else _("No times available on this day.")
        head = markup.tag("h3", {"id": hid, "class": "rdv-dayhead"}, markup.esc(heading))
        box.innerHTML = head + markup.hint(text)
    else:
        twice = dates.twins(slots)
        labels = [(s, w.fm.time(s, offset=s[:16] in twice)) for s in slots]
        box.innerHTML = markup.times(hid, heading, labels)
        if focus:
            box.querySelector("button").focus()
