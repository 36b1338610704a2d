"""What the pick view needs after the first paint: the zone list, the duration choice, the
error panels, the Back button."""

from . import dates
from .dom import add, button, clear, h, on

ZONES = (
    "Pacific/Honolulu America/Anchorage America/Los_Angeles America/Denver America/Phoenix "
    "America/Chicago America/Mexico_City America/New_York America/Toronto America/Bogota "
    "America/Halifax America/Sao_Paulo America/Argentina/Buenos_Aires Atlantic/Azores UTC "
    "Europe/London Europe/Dublin Europe/Lisbon Europe/Paris Europe/Brussels Europe/Amsterdam "
    "Europe/Berlin Europe/Zurich Europe/Madrid Europe/Rome Europe/Stockholm Europe/Warsaw "
    "Europe/Athens Europe/Helsinki Europe/Istanbul Europe/Moscow Africa/Casablanca Africa/Lagos "
    "Africa/Cairo Africa/Johannesburg Africa/Nairobi Asia/Dubai Asia/Karachi Asia/Kolkata "
    "Asia/Dhaka Asia/Bangkok Asia/Jakarta Asia/Singapore Asia/Shanghai Asia/Hong_Kong Asia/Tokyo "
    "Asia/Seoul Australia/Perth Australia/Adelaide Australia/Brisbane Australia/Sydney "
    "Pacific/Auckland"
)


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


def duration_picker(w):
    name = w.id + "-dur"
    box = h("fieldset", {"class": "rdv-durs"}, h("legend", None, w._("Duration")))
    for d in w.cfg["durations"]:
        radio = h(
            "input", {"type": "radio", "name": name, "value": str(d), "checked": d == w.duration}
        )
        on(radio, "change", lambda ev: set_duration(w, int(ev.target.value)))
        add(box, h("label", {"class": "rdv-pill"}, radio, " " + w.fm.number(d, "minute")))
    return box


def set_duration(w, d):
    w.duration = d
    w.update_meta()
    w.refresh()
    w.need()


def fill_zones(w):
    """The common zones plus the visitor's and the link's, sorted by their offset now."""
    if w.zones_full or w.view != "pick":
        return
    w.zones_full = True
    rows = getattr(w, "zone_rows", None)
    if rows is None or w.zone not in [r[2] for r in rows]:
        rows = []
        for z in set(ZONES.split(" ")) | {w.zone, w.cfg.get("timezone") or "UTC"}:
            off = dates.zone_offset(z)
            rows.append((minutes(off), z.split("/")[-1].replace("_", " ") + " (" + off + ")", z))
        rows.sort()
        w.zone_rows = rows
    options = [h("option", {"value": z, "selected": z == w.zone}, label) for _m, label, z in rows]
    add(clear(w.zone_select), options)
    w.zone_select.value = w.zone


def minutes(offset):
    """ "GMT+5:30" → 330."""
    rest = offset[3:]
    if not rest:
        return 0
    hm = rest[1:].split(":")
    return (-1 if rest[0] in "-−" else 1) * (int(hm[0]) * 60 + (int(hm[1]) if len(hm) > 1 else 0))


def set_zone(w, z):
    w.zone = z
    w.today = dates.today(z)
    w.refresh()
    w.need()
