"""Request a meeting (mode ``request``, when the host's calendar can't be read): the visitor
leaves their details and the times that suit them."""

from . import api
from .dom import add, clear, h, on
from .form import check, question, server_errors, show_error


def show(w):
    _ = w._
    w.view = "request"
    w.fields = {}
    body = clear(w.body)
    hosts = ", ".join(x.get("name") or "" for x in w.cfg.get("hosts") or [])
    add(body, h("h3", {"class": "rdv-step", "id": w.id + "-req"}, _("Request a meeting")))
    add(
        body,
        h(
            "p",
            {"class": "rdv-lead"},
            _(
                "{host} isn't taking online bookings right now. Leave your details and the "
                "times that suit you, and you'll get an answer by email."
            ).replace("{host}", hosts),
        ),
    )
    form = h("form", {"class": "rdv-form", "novalidate": True, "aria-labelledby": w.id + "-req"})
    for q in (
        {"key": "name", "label": "Name", "required": True},
        {"key": "email", "label": "Email", "type": "email", "required": True},
        {
            "key": "preferred_times",
            "label": "Preferred times",
            "type": "long_text",
            "required": True,
        },
        {"key": "message", "label": "Message", "type": "long_text"},
    ):
        add(form, question(w, q))
    name = " ".join(v for v in (w.prefill.get("first_name"), w.prefill.get("last_name")) if v)
    w.fields["name"][1].value = name
    w.form_error = h("div", {"class": "rdv-formerr", "role": "alert"})
    w.submit = h("button", {"type": "submit", "class": "rdv-btn rdv-primary"}, _("Send request"))
    add(form, [w.form_error, w.submit])
    on(form, "submit", lambda ev: send(w, ev))
    add(body, form)
    if not w.ready:
        w.ready = True
        w.emit("ready")


def send(w, ev):
    _ = w._
    ev.preventDefault()
    body, bad = {}, None
    for key, (q, ctl, _err) in w.fields.items():
        body[key] = ctl.value.strip()
        msg = check(w, q, body[key])
        show_error(w, key, msg)
        bad = bad or (ctl if msg else None)
    if bad is not None:
        w.form_error.textContent = _("Please correct the marked fields.")
        bad.focus()
        return
    w.form_error.textContent = ""
    w.submit.setAttribute("aria-disabled", "true")

    def done(data, _t):
        add(
            clear(w.body),
            [
                h("h3", {"class": "rdv-step rdv-ok", "tabindex": "-1"}, _("Request sent")),
                h(
                    "p",
                    None,
                    w._("Thank you. You'll get an answer by email at {email}.").replace(
                        "{email}", body["email"]
                    ),
                ),
            ],
        )
        w.body.querySelector("h3").focus()

    def failed(status, err):
        w.submit.setAttribute("aria-disabled", "false")
        if status == 422 and err.get("fields"):
            server_errors(w, err["fields"])
        else:
            w.form_error.textContent = w.problem(status, err)

    api.post(w.base, "/links/" + w.slug + "/requests", body, done, failed)
