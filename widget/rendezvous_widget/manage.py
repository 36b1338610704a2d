"""Manage mode: the booking behind a manage token; cancel it, or move it on the same calendar.

The email's buttons open this page on their step: ``?action=cancel`` asks to cancel at once,
``?action=reschedule`` opens the calendar. Either way the visitor may say why (optional).
"""

from browser import window

from . import api, dates
from .app import opt
from .dom import add, button, clear, h


def start(w):
    w.skeleton()

    def got(b, _t):
        w.booking = b
        if b.get("timezone"):  # the zone its times and the emails are in; moving starts there
            w.zone = b["timezone"]
            w.today = dates.today(w.zone)
        link = b.get("link") or {}

        def cfg(c, _t):
            w.setup(c)
            show(w)
            act(w)

        def no_cfg(status, err):  # the link is gone: show the booking plainly
            w.setup(
                {
                    "slug": link.get("slug"),
                    "title": link.get("title"),
                    "durations": [b["duration"]],
                    "hosts": [b.get("host") or {}],
                    "location": b.get("location"),
                }
            )
            show(w)
            act(w)

        api.get(w.base, "/links/" + link.get("slug", ""), cfg, no_cfg)

    api.get(
        w.base,
        "/bookings/" + w.token,
        got,
        lambda status, err: w.fatal(status, err, lambda: start(w)),
    )


MAX_REASON = 500


def asked_action(w):
    """``cancel`` or ``reschedule`` from the page's ``?action=`` (the email's buttons)."""
    for source in (opt(w.options, "pageUrl"), window.location.href):
        if source is None:
            continue
        try:
            action = window.URL.new(str(source)).searchParams.get("action")
        except Exception:
            action = None
        if action in ("cancel", "reschedule"):
            return action
    return None


def act(w):
    """Open the step the visitor came for, once, if the meeting can still change."""
    if getattr(w, "acted", False):
        return
    w.acted = True
    action = asked_action(w)
    b = w.booking
    if not action or b["status"] == "cancelled":
        return
    if window.Date.new(b["start"]).getTime() <= window.Date.now():
        return
    if action == "cancel":
        ask_cancel(w)
    else:
        move(w)


def reason_field(w, label):
    """An optional, length-capped note for the host; returns (row, textarea)."""
    fid = w.id + "-reason"
    ctl = h(
        "textarea",
        {"id": fid, "name": "reason", "rows": "2", "maxlength": str(MAX_REASON)},
    )
    row = h(
        "div",
        {"class": "rdv-field rdv-reason"},
        h("label", {"for": fid}, label),
        ctl,
    )
    return row, ctl


def field_problem(w, status, err):
    """A 422's message for the reason field, else the usual words for ``status``."""
    if status == 422:
        fields = (err or {}).get("fields") or {}
        said = fields.get("reason")
        if said:
            return said[0]
    return w.problem(status, err)


def show(w, note=None):
    _ = w._
    w.view = "manage"
    w.moving = None
    b = w.booking
    body = clear(w.body)
    add(body, h("h3", {"class": "rdv-step", "tabindex": "-1"}, _("Your meeting")))
    if note:
        add(body, h("p", {"class": "rdv-alert rdv-good", "role": "status"}, note))
    add(body, w.go("confirm", "details", b))
    w.actions = h("div", {"class": "rdv-actions"})
    if b["status"] == "cancelled":
        if not note:
            add(body, h("p", {"class": "rdv-lead"}, _("This meeting was cancelled.")))
        page = w.base.replace("/api/v1/public", "/meetings/") + (b.get("link") or {}).get(
            "slug", ""
        )
        add(w.actions, h("a", {"class": "rdv-btn", "href": page}, _("Book another time")))
    elif window.Date.new(b["start"]).getTime() > window.Date.now():
        add(
            w.actions,
            [
                button(_("Reschedule"), lambda: move(w), {"class": "rdv-btn rdv-primary"}),
                button(_("Cancel meeting"), lambda: ask_cancel(w), {"class": "rdv-btn"}),
            ],
        )
    add(body, w.actions)
    if b["status"] != "cancelled":
        add(body, h("p", {"class": "rdv-actions rdv-cals"}, w.go("confirm", "calendar_links", b)))
    if not w.ready:
        w.ready = True
        w.emit("ready")
    if note:
        body.querySelector("h3").focus()


def ask_cancel(w):
    _ = w._
    qid = w.id + "-ask"
    row, reason = reason_field(w, _("Reason (optional)"))
    add(
        clear(w.actions),
        [
            h("p", {"id": qid, "class": "rdv-lead", "tabindex": "-1"}, _("Cancel this meeting?")),
            row,
            button(
                _("Yes, cancel it"),
                lambda: cancel(w, reason.value),
                {"class": "rdv-btn rdv-danger"},
            ),
            button(_("Keep it"), lambda: show(w), {"class": "rdv-btn"}),
            h("p", {"class": "rdv-formerr", "role": "alert"}),
        ],
    )
    w.actions.querySelector("p").focus()


def cancel(w, reason=""):
    def done(b, text):
        w.booking = b
        show(w, w._("Your meeting is cancelled."))
        w.emit("cancelled", window.JSON.parse(text))

    def failed(status, err):
        w.actions.querySelector(".rdv-formerr").textContent = (
            w._("This meeting can no longer be cancelled.")
            if status == 409
            else field_problem(w, status, err)
        )

    body = {"reason": reason.strip()[:MAX_REASON]}
    api.post(w.base, "/bookings/" + w.token + "/cancel", body, done, failed)


def move(w):
    """The same calendar as booking, for the booking's own link and duration."""
    b = w.booking
    w.moving = {"duration": b["duration"]}
    w.duration = b["duration"]
    w.day = w.focus_day = w.month = None
    add(clear(w.body), h("p", {"class": "rdv-hint", "role": "status"}, w._("Loading…")))
    end = dates.add_days(w.today, 69)

    def done(data, _t):
        w.store(data, w.today, end)
        w.show_pick()

    api.get(w.base, w.slots_path(w.duration, w.today, end), done, lambda s, e: w.show_pick())


def confirm_move(w):
    _ = w._
    w.view = "move"
    # in the booking's zone, which may not be the one picked
    was = w.go("confirm", "moment", w.booking["start"], w.booking.get("timezone") or w.zone)
    if w.booking.get("timezone") and w.booking["timezone"] != w.zone:
        was += " (" + w.booking["timezone"].replace("_", " ") + ")"
    body = clear(w.body)
    add(body, w.go("controls", "back", w.show_pick))
    add(body, h("h3", {"class": "rdv-step", "tabindex": "-1"}, _("Move your meeting?")))
    add(
        body,
        h(
            "dl",
            {"class": "rdv-details"},
            h("dt", None, _("From")),
            h("dd", None, h("s", None, was)),
            h("dt", None, _("To")),
            h("dd", None, w.go("confirm", "moment", w.start_at)),
            h("dt", None, _("Time zone")),
            h("dd", None, w.zone.replace("_", " ")),
        ),
    )
    err = h("p", {"class": "rdv-formerr", "role": "alert"})
    row, reason = reason_field(w, _("Reason (optional)"))
    add(
        body,
        [
            row,
            button(
                _("Confirm new time"),
                lambda: reschedule(w, err, reason.value),
                {"class": "rdv-btn rdv-primary"},
            ),
            err,
        ],
    )
    body.querySelector("h3").focus()


def reschedule(w, err, reason=""):
    def done(b, text):
        w.booking = b
        w.cache = {}
        show(w, w._("Your meeting was moved."))
        w.emit("rescheduled", window.JSON.parse(text))

    def failed(status, e):
        if status == 409 and (e.get("code") == "slot_unavailable"):
            w.cache.pop(w.key(), None)
            w.show_pick(w._("This time was just taken. Please pick another one."))
        else:
            err.textContent = (
                field_problem(w, status, e)
                if status != 409
                else e.get("message") or w.problem(status, e)
            )

    body = {"start": w.start_at, "reason": reason.strip()[:MAX_REASON]}
    api.post(w.base, "/bookings/" + w.token + "/reschedule", body, done, failed)
