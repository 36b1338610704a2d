"""The confirmation screen: the details in the visitor's zone, an .ics file, the manage link."""

from browser import window

from .dom import add, clear, h


def details(w, b):
    """The booking as a definition list: what, when, zone, with whom, where."""
    _ = w._
    rows = [
        (_("What"), (b.get("link") or {}).get("title") or w.cfg.get("title")),
        (_("When"), w.fm.when(b["start"], w.zone) + " – " + w.fm.time(b["end"], w.zone)),
        (_("Time zone"), w.zone.replace("_", " ")),
        (_("With"), (b.get("host") or {}).get("name")),
        (_("Where"), b.get("location") or w.cfg.get("location")),
    ]
    cells = [
        [h("dt", None, k), h("dd", {"class": "rdv-cap"} if k == rows[1][0] else None, v)]
        for k, v in rows
        if v
    ]
    return h("dl", {"class": "rdv-details"}, cells)


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
    actions = h(
        "p",
        {"class": "rdv-actions"},
        h(
            "a",
            {"class": "rdv-btn", "href": ics_url(w, b), "download": "meeting.ics"},
            _("Add to calendar"),
        ),
    )
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


def ics_url(w, b):
    return "data:text/calendar;charset=utf-8," + window.encodeURIComponent(ics(w, b))


def ics(w, b):
    """A one-event iCalendar file (RFC 5545), times in UTC."""

    def utc(instant):
        return window.Date.new(instant).toISOString()[:19].replace("-", "").replace(":", "") + "Z"

    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Rendezvous//Widget//EN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        "UID:rendezvous-" + str(b.get("id")),
        "DTSTAMP:" + utc(window.Date.new().toISOString()),
        "DTSTART:" + utc(b["start"]),
        "DTEND:" + utc(b["end"]),
        "SUMMARY:" + text((b.get("link") or {}).get("title") or w.cfg.get("title") or ""),
    ]
    where = b.get("location") or w.cfg.get("location")
    if where:
        lines.append("LOCATION:" + text(where))
    if b.get("manage_url"):
        lines.append("DESCRIPTION:" + text(w._("Reschedule or cancel") + ": " + b["manage_url"]))
        lines.append("URL:" + b["manage_url"])
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(fold(x) for x in lines) + "\r\n"


def text(s):
    return s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line):
    """Lines of at most 75 octets: 60 characters is safe even for three-byte characters… mostly."""
    out = line[:60]
    rest = line[60:]
    while rest:
        out += "\r\n " + rest[:60]
        rest = rest[60:]
    return out
