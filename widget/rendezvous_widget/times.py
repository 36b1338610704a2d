"""The chosen day's start times, in the visitor's zone, as buttons: each shows the wall time
its string carries, with the offset the server sent (SPEC E5). On a fall-back day two of them
may read the same ("1:00 AM" twice, SPEC §11.1): those carry their offsets too, "1:00 AM GMT−4"
and "1:00 AM GMT−5", in their text and so in their accessible names."""

from . import dates
from .dom import add, button, clear, h


def render(w, focus=False):
    _ = w._
    box = clear(w.times)
    if not w.day:
        days = w.days()
        msg = (
            _("No times available this month.")
            if days == {} or (days and not any(days.values()))
            else _("Pick a day to see the available times.")
        )
        add(box, h("p", {"class": "rdv-hint"}, msg))
        return
    hid = w.id + "-day"
    add(box, h("h3", {"id": hid, "class": "rdv-dayhead"}, w.fm.day(w.day, "short")))
    slots = w.slots_for(w.day)
    if slots is None:
        add(box, h("p", {"class": "rdv-hint"}, _("Loading…")))
    elif not slots:
        add(box, h("p", {"class": "rdv-hint"}, _("No times available on this day.")))
    else:
        twice = dates.twins(slots)
        items = [
            h(
                "li",
                None,
                button(
                    w.fm.time(s, offset=s[:16] in twice),
                    lambda s=s: w.choose(s),
                    {"class": "rdv-slot", "data-start": s},
                ),
            )
            for s in slots
        ]
        add(box, h("ul", {"class": "rdv-slots", "aria-labelledby": hid}, items))
        if focus:
            box.querySelector("button").focus()
