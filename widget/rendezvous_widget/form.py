"""The booking form: the link's questions, the GDPR block, client checks, server field errors."""

from browser import window

from . import api, dates
from .dom import add, clear, h, on

IDENTITY = ("first_name", "last_name", "email")
N_ = str  # marks msgids that arrive as data: default labels, the server's field messages
KNOWN = (
    N_("First name"),
    N_("Last name"),
    N_("Email"),
    N_("Phone"),
    N_("Company"),
    N_("Name"),
    N_("Message"),
    N_("Preferred times"),
    N_("Not a valid email address."),
    N_("Missing data for required field."),
    N_("Please agree to the processing of your data to book."),
    N_("Pick one of the offered options."),
)


def warm(w):
    """Imported after the calendar is up, so the first click on a time doesn't wait for it."""


def show(w):
    _ = w._
    w.view = "form"
    body = clear(w.body)
    w.fields = {}
    start = w.start_at
    add(body, w.go("controls", "back", back_to_pick(w)))
    hid = w.id + "-formh"
    add(body, h("h3", {"id": hid, "class": "rdv-step", "tabindex": "-1"}, _("Enter your details")))
    add(body, summary(w, start))
    form = h("form", {"class": "rdv-form", "novalidate": True, "aria-labelledby": hid})
    for q in w.cfg.get("form") or []:
        add(form, question(w, q))
    add(form, consent_block(w))
    w.form_error = h("div", {"class": "rdv-formerr", "role": "alert"})
    w.submit = h("button", {"type": "submit", "class": "rdv-btn rdv-primary"}, _("Confirm booking"))
    add(form, [w.form_error, w.submit])
    on(form, "submit", lambda ev: submit(w, ev))
    add(body, form)
    body.querySelector("h3").focus()


def back_to_pick(w):
    def back():
        remember(w)
        w.show_pick()
        chosen = w.times.querySelector('[data-start="' + w.start_at + '"]')
        if chosen:
            chosen.focus()

    return back


def remember(w):
    """Keep what was typed for the next time the form shows (after Back, or a taken time)."""
    w.saved = {
        k: c.checked if c.type == "checkbox" else c.value for k, (q, c, e) in w.fields.items()
    }


def summary(w, start):
    """When, how long, in which zone: the line every later screen repeats."""
    return h(
        "p",
        {"class": "rdv-summary"},
        w.fm.when(start, offset=dates.repeats(start, w.zone, w.slots_for(start[:10]))),
        h("br"),
        w.fm.number(w.duration, "minute") + " · " + w.zone.replace("_", " "),
    )


def field_id(w, key):
    return w.id + "-q-" + key


def question(w, q):
    """One labelled control, with its error slot tied by aria-describedby."""
    _ = w._
    key, kind, req = q["key"], q.get("type") or "text", bool(q.get("required"))
    fid = field_id(w, key)
    eid = fid + "-err"
    label = _(q.get("label") or key)
    mark = h("span", {"class": "rdv-req", "aria-hidden": "true"}, " *") if req else None
    attrs = {
        "id": fid,
        "name": key,
        "aria-describedby": eid,
        "required": req,
        "aria-required": "true" if req else None,
    }
    if kind == "checkbox":
        ctl = h("input", dict(attrs, type="checkbox"))
        row = h(
            "div",
            {"class": "rdv-field rdv-check"},
            h("label", {"for": fid}, ctl, h("span", None, label, mark)),
        )
    else:
        if kind == "long_text":
            ctl = h("textarea", dict(attrs, rows="3", maxlength="5000"))
        elif kind == "select":
            ctl = h(
                "select",
                attrs,
                h("option", {"value": ""}, _("Choose…")),
                [h("option", {"value": o}, o) for o in q.get("options") or []],
            )
        else:
            types = {"email": "email", "phone": "tel", "number": "text"}
            extra = {"type": types.get(kind, "text"), "maxlength": "500"}
            if kind == "email" or key == "email":
                extra.update(type="email", autocomplete="email")
            elif key in ("first_name", "last_name"):
                extra["autocomplete"] = "given-name" if key == "first_name" else "family-name"
            elif kind == "phone":
                extra["autocomplete"] = "tel"
            elif kind == "number":
                extra["inputmode"] = "decimal"
            ctl = h("input", dict(attrs, **extra))
            if key in w.prefill:
                ctl.value = w.prefill[key]
        row = h("div", {"class": "rdv-field"}, h("label", {"for": fid}, label, mark), ctl)
    err = h("p", {"id": eid, "class": "rdv-err"})
    add(row, err)
    w.fields[key] = (q, ctl, err)
    saved = getattr(w, "saved", {})
    if key in saved:
        if kind == "checkbox":
            ctl.checked = saved[key]
        else:
            ctl.value = saved[key]
    return row


def consent_block(w):
    """L9: consent mode asks for processing consent and each subscription; legitimate interest
    only shows the notice."""
    _ = w._
    c = w.cfg.get("consent") or {}
    if not c.get("enabled"):
        return None
    box = h("fieldset", {"class": "rdv-consent"}, h("legend", None, _("Privacy")))
    if c.get("mode") == "legitimate_interest":
        add(box, notice(c) or h("p", None, _("We process your data to arrange this meeting.")))
        return box
    for sub in c.get("subscription_types") or []:
        q = {"key": "sub." + sub["id"], "label": sub["label"], "type": "checkbox"}
        add(box, question(w, q))
    q = {
        "key": "consent.processing",
        "type": "checkbox",
        "required": True,
        "label": c.get("processing_text")
        or _("I agree to the processing of my data to arrange this meeting."),
    }
    add(box, question(w, q))
    add(box, notice(c))
    return box


def notice(c):
    """The privacy notice with its links and emphasis. The server rendered its Markdown and
    escaped everything else (``notice_html``), so it goes in as it is."""
    if not c.get("notice_html"):
        return None
    note = h("div", {"class": "rdv-note"})
    note.innerHTML = c["notice_html"]
    return note


def value(q, ctl):
    kind = q.get("type") or "text"
    if kind == "checkbox":
        return bool(ctl.checked)
    return ctl.value.strip()


def check(w, q, v):
    """The client's own checks; the server checks again and its answer wins."""
    _ = w._
    kind = q.get("type") or "text"
    if v == "" or v is False:
        return _("This field is required.") if q.get("required") else None
    if kind == "email" or q["key"] == "email":
        at = v.find("@")
        if at < 1 or "." not in v[at + 2 : -1] or " " in v:
            return _("Enter a valid email address.")
    if kind == "number" and number(v) is None:
        return _("Enter a number.")
    if kind == "phone" and (
        len([c for c in v if c.isdigit()]) < 5 or any(c not in "0123456789+-(). /" for c in v)
    ):
        return _("Enter a valid phone number.")
    return None


def number(v):
    """ "12" → 12, "2,5" → 2.5; None when it isn't a (sensible) number."""
    try:
        f = float(v.replace(",", ".").replace(" ", ""))
    except ValueError:
        return None
    if f != f or abs(f) > 1e15:
        return None
    return f if "." in v or "," in v else int(f)


def show_error(w, key, msg):
    q, ctl, err = w.fields[key]
    err.textContent = msg or ""
    if msg:
        ctl.setAttribute("aria-invalid", "true")
    else:
        ctl.removeAttribute("aria-invalid")


def collect(w):
    """The request body, or None after marking the fields that need fixing."""
    body = {
        "start": w.start_at,
        "duration": w.duration,
        "timezone": w.zone,
        "last_name": "",
        "answers": {},
        "utm": w.utm,
    }
    consent, subs, bad = {}, {}, None
    for key, (q, ctl, _err) in w.fields.items():
        v = value(q, ctl)
        msg = check(w, q, v)
        show_error(w, key, msg)
        if msg and bad is None:
            bad = ctl
        if key in IDENTITY:
            body[key] = v
        elif key.startswith("sub."):
            subs[key[4:]] = v
        elif key == "consent.processing":
            consent["processing"] = v
        elif (q.get("type") or "text") == "number":
            if v != "" and not msg:
                body["answers"][key] = number(v)
        elif v != "" and v is not False:
            body["answers"][key] = v
    if consent:
        consent["subscriptions"] = subs
        body["consent"] = consent
    if bad is not None:
        w.form_error.textContent = w._("Please correct the marked fields.")
        bad.focus()
        return None
    return body


def submit(w, ev):
    ev.preventDefault()
    if w.submit.getAttribute("aria-disabled") == "true":
        return
    w.form_error.textContent = ""
    body = collect(w)
    if body is None:
        return
    busy(w, True)

    def done(data, text):
        busy(w, False)
        w.booking = data
        w.go("confirm", "show", data, body)
        w.emit("booked", window.JSON.parse(text))

    def failed(status, err):
        busy(w, False)
        if status == 409:
            taken(w)
        elif status == 422 and err.get("fields"):
            server_errors(w, err["fields"])
        else:
            w.form_error.textContent = w.problem(status, err)

    api.post(w.base, "/links/" + w.slug + "/bookings", body, done, failed)


def busy(w, on_):
    w.submit.setAttribute("aria-disabled", "true" if on_ else "false")
    w.submit.textContent = w._("Booking…") if on_ else w._("Confirm booking")


def server_errors(w, fields):
    """422 ``fields`` (``email``, ``answers.company``, ``consent.processing``) by their field."""
    first = None
    for name, msgs in fields.items():
        key = name[8:] if name.startswith("answers.") else name
        msg = " ".join(w._(m) for m in msgs)
        if key in w.fields:
            show_error(w, key, msg)
            first = first or w.fields[key][1]
        else:
            w.form_error.textContent = (w.form_error.textContent + " " + msg).strip()
    if first is not None:
        if not w.form_error.textContent:
            w.form_error.textContent = w._("Please correct the marked fields.")
        first.focus()


def taken(w):
    """409: the time went meanwhile. Back to the same day with fresh times."""
    remember(w)
    w.cache.pop(w.key(), None)
    w.show_pick(w._("This time was just taken. Please pick another one."))
    w.body.querySelector(".rdv-alert").focus()
