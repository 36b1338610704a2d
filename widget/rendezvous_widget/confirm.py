"""The confirmation screen: the details in the visitor's zone, add-to-calendar links, the manage
link."""

from . import dates
from .dom import add, clear, h


def details(w, b):
    """The booking as a definition list: what, when, zone, with whom, where."""
    _ = w._
    zone = b.get("timezone") or w.zone  # the zone whose offsets the server wrote start and end in
    rows = [
        (_("What"), (b.get("link") or {}).get("title") or w.cfg.get("title")),
        (_("When"), span(w, b["start"], b["end"], zone)),
        (_("Time zone"), zone.replace("_", " ")),
        (_("With"), (b.get("host") or {}).get("name")),
        (_("Where"), b.get("location") or w.cfg.get("location")),
    ]
    cells = [
        [h("dt", None, k), h("dd", {"class": "rdv-cap"} if k == rows[1][0] else None, v)]
        for k, v in rows
        if v
    ]
    return h("dl", {"class": "rdv-details"}, cells)


def repeats(w, instant, zone):
    """Whether ``instant``'s wall time occurs twice that day in ``zone`` (SPEC §11.1), judged
    from the day's offered times when the widget holds them for that zone."""
    slots = w.slots_for(instant[:10]) if zone == w.zone else None
    return dates.repeats(instant, zone, slots)


def moment(w, instant, zone=None):
    """The date and time, with the server's offset when the clock shows that time twice."""
    return w.fm.when(instant, offset=repeats(w, instant, zone or w.zone))


def span(w, start, end, zone):
    """ "Sunday, November 7, 2027 at 1:00 AM GMT−5 – 1:30 AM": an end that the clock shows
    twice carries its offset too, unless the start already said the same one."""
    first = repeats(w, start, zone)
    last = repeats(w, end, zone) and not (
        first and dates.offset_minutes(end) == dates.offset_minutes(start)
    )
    return w.fm.when(start, offset=first) + " – " + w.fm.time(end, offset=last)


def show(w, b, sent=None, heading=None):
    _ = w._
    w.view = "done"
    body = clear(w.body)
    add(
        body,
        h(
            "h3",
            {"class": "rdv-step rdv-ok", "tabindex": "-1"},
            h("span", {"aria-hidden": "true"}, "✓ "),
            heading or _("You're booked"),
        ),
    )
    if sent and sent.get("email"):
        add(
            body,
            h(
                "p",
                None,
                _("A calendar invitation is on its way to {email}.").replace(
                    "{email}", sent["email"]
                ),
            ),
        )
    add(body, details(w, b))
    url = b.get("manage_url")
    actions = h("p", {"class": "rdv-actions"}, calendar_links(w, b))
    if url:
        add(
            actions,
            h(
                "a",
                {"class": "rdv-link", "href": url, "target": "_blank", "rel": "noopener"},
                _("Reschedule or cancel"),
            ),
        )
    add(body, actions)
    body.querySelector("h3").focus()


def calendar_links(w, b):
    """The server's calendar file of the booking (the invitation's own event: same UID and
    SEQUENCE, so importing it never makes a second one) and Google / Outlook links."""
    _ = w._
    links = b.get("calendar") or {}
    out = []
    if links.get("ics_url"):
        out.append(
            h(
                "a",
                {"class": "rdv-btn", "href": links["ics_url"], "download": "meeting.ics"},
                _("Add to calendar"),
            )
        )
    for key, label in (("google_url", _("Google")), ("outlook_url", _("Outlook"))):
        if links.get(key):
            out.append(
                h(
                    "a",
                    {
                        "class": "rdv-link rdv-cal",
                        "href": links[key],
                        "target": "_blank",
                        "rel": "noopener",
                        "aria-label": _("Add to {calendar}").replace("{calendar}", label),
                    },
                    label,
                )
            )
    return out
