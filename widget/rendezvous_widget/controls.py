"""What the pick view needs after the first paint: the zone menu, the duration choice, the
error panels, the Back button."""

from . import dates, markup
from .dom import add, button, clear, h


def problem(w, status, err=None):
    _ = w._
    if status == 0:
        return _("We couldn't reach the server. Check your connection and try again.")
    if status == 404:
        return _("This meeting link doesn't exist or is no longer available.")
    if status == 429:
        return _("Too many requests. Please wait a minute and try again.")
    return _("Something went wrong. Please try again.")


def fatal(w, status, err, retry):
    """The whole widget failed to load: say why; offer to try again unless it can't help."""
    box = h("div", {"class": "rdv-error", "role": "alert"}, h("p", None, problem(w, status, err)))
    if retry and status != 404:
        add(box, button(w._("Try again"), retry, {"class": "rdv-btn"}))
    clear(w.root).removeAttribute("aria-busy")
    add(w.root, box)


def back(w, fn):
    return button("‹ " + w._("Back"), fn, {"class": "rdv-back"})


def set_duration(w, d):
    w.duration = d
    w.update_meta()
    w.refresh()
    w.need()


def fill_zones(w):
    """The zone menu as the server labelled it ("Vancouver (GMT−8)"), in its order (by offset).

    The offsets come with the slots (SPEC E5): the browser's own rules may differ from the
    server's, and the menu must agree with the times listed beside it.
    """
    if w.zones_full or w.view != "pick":
        return
    w.zones_full = True
    rows = [(z["name"], markup.zone_label(z)) for z in w.zone_menu or []]
    if w.zone not in [name for name, _label in rows]:
        rows.insert(0, (w.zone, w.zone.replace("_", " ")))
    options = [h("option", {"value": z, "selected": z == w.zone}, label) for z, label in rows]
    add(clear(w.zone_select), options)
    w.zone_select.value = w.zone


def set_zone(w, z):
    w.zone = z
    w.today = dates.today(z)  # until the server's slots for the zone say which day it is
    w.refresh()
    w.need()
