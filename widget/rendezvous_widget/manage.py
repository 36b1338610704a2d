"""Manage mode: the booking behind a manage token; cancel it, or move it on the same calendar."""

from browser import window

from . import api, dates
from .dom import add, button, clear, h


def start(w):
    w.skeleton()

    def got(b, _t):
        w.booking = b
        link = b.get("link") or {}

        def cfg(c, _t):
            w.setup(c)
            show(w)

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

        api.get(w.base, "/links/" + link.get("slug", ""), cfg, no_cfg)

    api.get(
        w.base,
        "/bookings/" + w.token,
        got,
        lambda status, err: w.fatal(status, err, lambda: start(w)),
    )


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
    if not w.ready:
        w.ready = True
        w.emit("ready")
    if note:
        body.querySelector("h3").focus()


def ask_cancel(w):
    _ = w._
    qid = w.id + "-ask"
    add(
        clear(w.actions),
        [
            h("p", {"id": qid, "class": "rdv-lead", "tabindex": "-1"}, _("Cancel this meeting?")),
            button(_("Yes, cancel it"), lambda: cancel(w), {"class": "rdv-btn rdv-danger"}),
            button(_("Keep it"), lambda: show(w), {"class": "rdv-btn"}),
            h("p", {"class": "rdv-formerr", "role": "alert"}),
        ],
    )
    w.actions.querySelector("p").focus()


def cancel(w):
    def done(b, _t):
        w.booking = b
        show(w, w._("Your meeting is cancelled."))

    def failed(status, err):
        w.actions.querySelector(".rdv-formerr").textContent = (
            w._("This meeting can no longer be cancelled.")
            if status == 409
            else w.problem(status, err)
        )

    api.post(w.base, "/bookings/" + w.token + "/cancel", {}, done, failed)


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
    body = clear(w.body)
    add(body, w.go("controls", "back", w.show_pick))
    add(body, h("h3", {"class": "rdv-step", "tabindex": "-1"}, _("Move your meeting?")))
    add(
        body,
        h(
            "dl",
            {"class": "rdv-details"},
            h("dt", None, _("From")),
            h("dd", None, h("s", None, w.fm.when(w.booking["start"], w.zone))),
            h("dt", None, _("To")),
            h("dd", None, w.fm.when(w.start_at, w.zone)),
            h("dt", None, _("Time zone")),
            h("dd", None, w.zone.replace("_", " ")),
        ),
    )
    err = h("p", {"class": "rdv-formerr", "role": "alert"})
    add(
        body,
        [
            button(
                _("Confirm new time"), lambda: reschedule(w, err), {"class": "rdv-btn rdv-primary"}
            ),
            err,
        ],
    )
    body.querySelector("h3").focus()


def reschedule(w, err):
    def done(b, _t):
        w.booking = b
        w.cache = {}
        show(w, w._("Your meeting was moved."))

    def failed(status, e):
        if status == 409 and (e.get("code") == "slot_unavailable"):
            w.cache.pop(w.key(), None)
            w.show_pick(w._("This time was just taken. Please pick another one."))
        else:
            err.textContent = (
                w.problem(status, e) if status != 409 else e.get("message") or w.problem(status, e)
            )

    api.post(w.base, "/bookings/" + w.token + "/reschedule", {"start": w.start_at}, done, failed)
