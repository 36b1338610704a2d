"""Meeting links in the dashboard: the list, the editor's steps, embed code, troubleshooter."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlsplit

from flask import Response, abort, current_app, flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError

from server.accounts.models import User
from server.calendars.services import disconnected_connections
from server.dashboard import editor
from server.dashboard.calendars import connection_label
from server.dashboard.forms import Errors, service_errors, status_for
from server.dashboard.rendering import render, zone_names
from server.dashboard.session import login_required, signed_in_user
from server.db import get_session
from server.domains.services import share_base
from server.errors import ValidationFailed, flatten_messages
from server.links import consent as consent_settings
from server.links.models import BookingLink
from server.links.notice import render_notice
from server.links.schemas import LinkSchema
from server.links.services import (
    create_link,
    delete_link,
    get_account_link,
    link_view,
    live_links,
    toggle_default_link,
    update_link,
)
from server.notifications.preview import preview_email
from server.pages.blueprint import CSP as PAGES_CSP
from server.uploads.services import read_file

__all__ = [
    "TYPE_LABELS",
    "email_preview",
    "home",
    "link_delete",
    "link_edit",
    "link_embed",
    "link_list",
    "link_new",
    "make_default",
    "notice_preview",
]

#: how the dashboard names each of ``LINK_TYPES``
TYPE_LABELS = {"one_on_one": "One-on-one", "round_robin": "Round robin", "group": "Group"}
STEP_SLUGS = [slug for slug, _ in editor.STEPS]


# -- shared --------------------------------------------------------------------------------


def embed_snippet(base: str, slug: str) -> str:
    """SPEC §7 E2, with the real URL."""
    return (
        f'<div class="rendezvous-embed" data-src="{base}/meetings/{slug}"></div>\n'
        f'<script src="{base}/embed/v1/embed.js" async></script>'
    )


#: what the popup button and the badge say unless the website owner changes it
BOOK_TEXT = "Book a meeting"


def popup_snippet(base: str, slug: str) -> str:
    """E4's popup: any element with ``data-rendezvous-popup`` opens the widget in a dialog;
    the snippet uses a button, which the keyboard and screen readers know already."""
    url = escape(f"{base}/meetings/{slug}")
    return (
        f'<button type="button" data-rendezvous-popup="{url}">{BOOK_TEXT}</button>\n'
        f'<script src="{escape(base)}/embed/v1/embed.js" async></script>'
    )


def badge_snippet(base: str, slug: str, color: str) -> str:
    """E4's floating badge: its options on the loader's own script tag, in the account's
    accent colour (the text colour is worked out to contrast with it)."""
    url = escape(f"{base}/meetings/{slug}")
    return (
        f'<script src="{escape(base)}/embed/v1/embed.js" async\n'
        f'  data-rendezvous-badge="{url}"\n'
        f'  data-badge-text="{BOOK_TEXT}" data-badge-color="{escape(color)}"></script>'
    )


def embed_csp(*bases: str) -> list[tuple[str, str]]:
    """What a host page's Content-Security-Policy must allow for the widget, directive by
    directive: the origins the loader, the built files and the API come from (the share base,
    maybe a custom domain, and the app's own). It is the hosted page's policy
    (``server.pages.blueprint.CSP``) with the origins spelled out, without what only the
    hosted page's own markup needs (an inline style)."""
    origins = " ".join(dict.fromkeys(_origin(base) for base in bases))
    return [
        # Brython runs the compiled widget with `new Function`
        ("script-src", f"{origins} 'unsafe-eval'"),
        ("style-src", origins),
        ("connect-src", origins),
        # photos and logos uploaded to the app; `data:` for the widget's icons
        ("img-src", f"{origins} data:"),
    ]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _load(
    payload: dict[str, Any], conversion_errors: Errors, *, partial: bool
) -> tuple[dict[str, Any], Errors]:
    """Validate with ``LinkSchema``; fields that didn't even convert are left to their message."""
    bad = {key.split(".", 1)[0] for key in conversion_errors}
    payload = {k: v for k, v in payload.items() if k not in bad}
    try:
        data = LinkSchema(partial=partial).load(payload)
    except ValidationError as exc:
        return {}, {**flatten_messages(exc.messages), **conversion_errors}
    return data, conversion_errors


def _posted_photo() -> bytes | None:
    """The bytes of the link photo sent with Details; ``None`` when none was chosen."""
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        return None
    return read_file(upload)


# -- list, default, delete -----------------------------------------------------------------


@login_required
def home() -> ResponseReturnValue:
    return redirect(url_for("dashboard.links"))


@login_required
def link_list() -> ResponseReturnValue:
    """Every link of the account with its share link, embed code and the default star (P2),
    under an alert for each of the user's calendars that is disconnected (C6)."""
    user = signed_in_user()
    session = get_session()
    base = share_base(session, user.account_id)
    rows = [
        {
            "link": link,
            "type": TYPE_LABELS[link.type],
            "hosts": ", ".join(h.user.name for h in link.hosts),
            "share_url": f"{base}/meetings/{link.slug}",
            "codes": embed_codes(base, link, user.account.accent_color),
            "is_default": link.id == user.account.default_link_id,
        }
        for link in live_links(session, user.account_id)
    ]
    rows.sort(key=lambda row: not row["is_default"])
    # C6: while one of the user's calendars is disconnected their links take requests
    disconnected = [connection_label(c) for c in disconnected_connections(session, user)]
    return render("links.html", rows=rows, disconnected=disconnected)


@login_required
def make_default(link_id: int) -> ResponseReturnValue:
    """Star a link as the account's default (P2); starring it again clears the star.

    :raise 404: not a link of this account.
    """
    user = signed_in_user()
    session = get_session()
    link = get_account_link(session, user, link_id)
    if toggle_default_link(session, user.account, link):
        flash(f"“{link.title}” is now the default link.")
    else:
        flash(f"“{link.title}” is no longer the default link.")
    return redirect(url_for("dashboard.links"))


@login_required
def link_delete(link_id: int) -> ResponseReturnValue:
    """Archive a link: its page goes away, its bookings stay.

    :raise 404: not a link of this account.
    """
    session = get_session()
    link = get_account_link(session, signed_in_user(), link_id)
    if request.form.get("confirm") != "yes":
        flash("Tick the box to confirm that the link's URL stops working.", "error")
        return redirect(url_for("dashboard.link_edit", link_id=link.id, step="details"))
    delete_link(session, link)
    flash(f"“{link.title}” is deleted; its bookings stay in the bookings list.")
    return redirect(url_for("dashboard.links"))


# -- the editor: new link (Details), then each step ----------------------------------------


def _editor_page(
    step: str,
    link: BookingLink | None,
    state: dict[str, Any],
    errors: Errors,
    *,
    status: int | None = None,
    **context: Any,
) -> ResponseReturnValue:
    """One step's page of the editor (``link`` is ``None`` while creating); 422 with errors
    unless ``status`` says otherwise."""
    return render(
        f"link_{step}.html",
        status=status_for(errors) if status is None else status,
        link=link,
        step=step,
        steps=editor.STEPS,
        state=state,
        errors=errors,
        **context,
    )


def _details_context(user: User) -> dict[str, Any]:
    return {
        "team": user.account.users,
        "meeting_types": user.account.meeting_types or [],
        "duration_presets": editor.DURATION_PRESETS,
        "type_labels": TYPE_LABELS,
    }


@login_required
def link_new() -> ResponseReturnValue:
    """Details of a new link (L3); the slug chosen here is fixed for good.

    Then the editor continues with the other steps of the saved link.
    """
    user = signed_in_user()
    errors: Errors = {}
    if request.method == "GET":
        state = editor.details_state({"durations": [30], "host_ids": [user.id]})
    else:
        state = editor.details_state_from_form(request.form)
        payload, conversion = editor.details_payload(state, creating=True)
        data, errors = _load(payload, conversion, partial=False)
        if not errors:
            photo = _posted_photo()
            link, errors = service_errors(
                lambda: create_link(get_session(), user, data, photo=photo)
            )
            if link is not None:
                flash("Link created. Configure it step by step, or share it as it is.")
                return redirect(
                    url_for("dashboard.link_edit", link_id=link.id, step="configuration")
                )
    return _editor_page(
        "details", None, state, errors, prefix=user.meetings_prefix, **_details_context(user)
    )


_FROM_VIEW = {
    "details": editor.details_state,
    "configuration": editor.configuration_state,
    "availability": editor.availability_state,
    "questions": editor.questions_state,
}
_FROM_FORM = {
    "details": editor.details_state_from_form,
    "configuration": editor.configuration_state_from_form,
    "availability": editor.availability_state_from_form,
    "questions": editor.questions_state_from_form,
}


def _payload(step: str, state: dict[str, Any]) -> tuple[dict[str, Any], Errors]:
    if step == "details":
        return editor.details_payload(state, creating=False)
    if step == "configuration":
        return editor.configuration_payload(state)
    if step == "availability":
        return editor.availability_payload(state)
    return editor.questions_payload(state)


def _act(step: str, state: dict[str, Any], action: str) -> tuple[dict[str, Any], Errors]:
    if step == "availability":
        return editor.apply_availability_action(state, action), {}
    if step == "questions":
        return editor.apply_questions_action(state, action)
    return state, {}


def _save(user: User, link: BookingLink, step: str, state: dict[str, Any]) -> Errors:
    """Validate the step, then save it with the one service call (its photo too, on Details)."""
    payload, conversion = _payload(step, state)
    data, errors = _load(payload, conversion, partial=True)
    if errors:
        return errors
    photo = _posted_photo() if step == "details" else None
    _, errors = service_errors(lambda: update_link(get_session(), user, link, data, photo=photo))
    return errors


def _next_step(step: str) -> str | None:
    index = STEP_SLUGS.index(step)
    return STEP_SLUGS[index + 1] if index + 1 < len(STEP_SLUGS) else None


@login_required
def link_edit(link_id: int, step: str) -> ResponseReturnValue:
    """One step of the editor. Buttons other than Save change the form, not the link.

    :raise 404: not a link of this account, or no such step.
    """
    user = signed_in_user()
    link = get_account_link(get_session(), user, link_id)
    if step not in STEP_SLUGS:
        abort(404, "No such step of the editor.")
    if step == "gdpr":
        return _gdpr_step(user, link)
    errors: Errors = {}
    unsaved = False
    if request.method == "GET":
        state = _FROM_VIEW[step](link_view(link))
    else:
        action = request.form.get("action", "save")
        state = _FROM_FORM[step](request.form)
        if action in ("save", "save-next"):
            errors = _save(user, link, step, state)
            if not errors:
                flash("Saved.")
                following = _next_step(step) if action == "save-next" else step
                return redirect(
                    url_for("dashboard.link_edit", link_id=link.id, step=following or step)
                )
        else:
            state, errors = _act(step, state, action)
            unsaved = True
    return _step_page(user, link, step, state, errors, unsaved, action if unsaved else None)


def _step_page(
    user: User,
    link: BookingLink,
    step: str,
    state: dict[str, Any],
    errors: Errors,
    unsaved: bool,
    action: str | None = None,
) -> ResponseReturnValue:
    """``action``: the button that changed the form, so the page can focus what it added."""
    context: dict[str, Any] = {}
    if step == "details":
        context = _details_context(user)
    elif step == "configuration":
        locales = list(editor.LOCALES)
        if state["locale"] and state["locale"] not in dict(locales):
            locales.append((state["locale"], state["locale"]))  # any valid tag is accepted
        context = {"languages": editor.LANGUAGE_NAMES, "locales": locales}
    elif step == "availability":
        context = {"zones": zone_names(), "day_names": editor.DAY_NAMES}
    elif step == "questions":
        context = {
            "properties": editor.CONTACT_PROPERTIES,
            "question_types": editor.QUESTION_TYPES,
            "locked_required": editor.LOCKED_REQUIRED,
        }
    return _editor_page(
        step,
        link,
        state,
        errors,
        status=200 if unsaved else None,  # a button's message refuses nothing
        unsaved=unsaved,
        action=action,
        time_units=list(editor.TIME_UNITS),
        **context,
    )


def _gdpr_step(user: User, link: BookingLink) -> ResponseReturnValue:
    """L9: follow the account's defaults or customise; the customisation is kept either way."""
    own = consent_settings.link_custom_consent(link)
    customized = bool((link.consent or {}).get("customized"))
    errors: Errors = {}
    if request.method == "GET":
        state = editor.consent_state(own, customized=customized)
    else:
        posted = editor.consent_fields_posted(request.form)
        state = editor.consent_state_from_form(request.form, own)
        if not posted:
            state = {
                **editor.consent_state(own, customized=False),
                "customized": state["customized"],
            }
        payload, errors = editor.consent_payload(state)
        if not errors:
            _, errors = service_errors(
                lambda: consent_settings.save_link_consent(
                    get_session(),
                    user,
                    link,
                    payload if posted else None,
                    customized=state["customized"],
                )
            )
        if not errors:
            in_force = consent_settings.summary(link.consent or {})
            if state["customized"]:
                flash(f"Saved. This link uses its own settings: {in_force}.")
            else:
                flash(f"Saved. This link follows the account defaults: {in_force}.")
            return redirect(url_for("dashboard.link_edit", link_id=link.id, step="gdpr"))
    return _editor_page(
        "gdpr",
        link,
        state,
        errors,
        defaults_summary=consent_settings.summary(consent_settings.account_defaults(user.account)),
    )


@login_required
def notice_preview() -> ResponseReturnValue:
    """The privacy text being typed, rendered as visitors will see it (the editor's live
    preview; without a script the preview shows the text as last posted)."""
    text = request.form.get("text", "")[:5000]
    return Response(str(render_notice(text)), mimetype="text/html")


# -- embed code and email preview ----------------------------------------------------------


def embed_codes(base: str, link: BookingLink, color: str) -> dict[str, str]:
    """The three ways to embed a link (E2, E4), as the embed dialog and page show them."""
    return {
        "inline": embed_snippet(base, link.slug),
        "popup": popup_snippet(base, link.slug),
        "badge": badge_snippet(base, link.slug, color),
    }


@login_required
def link_embed(link_id: int) -> ResponseReturnValue:
    """E2, E4: the inline, popup and badge snippets ready to copy, each with the real widget
    as its preview, and what a page's Content-Security-Policy must allow.

    The previews run the real widget, which needs Brython's ``'unsafe-eval'``: this page
    gets the booking pages' policy instead of the dashboard's. The badge's preview is the
    badge itself, at the bottom right of this page.

    :raise 404: not a link of this account.
    """
    user = signed_in_user()
    session = get_session()
    link = get_account_link(session, user, link_id)
    base = share_base(session, user.account_id)
    app_base = current_app.config["RENDEZVOUS_BASE_URL"]
    g.dashboard_csp = PAGES_CSP
    return render(
        "link_embed.html",
        link=link,
        snippet=embed_snippet(base, link.slug),
        codes=embed_codes(base, link, user.account.accent_color),
        csp=embed_csp(base, app_base),
        share_url=f"{base}/meetings/{link.slug}",
        preview_src=f"{app_base}/meetings/{link.slug}",
        loader_src=f"{app_base}/embed/v1/embed.js",
        badge_text=BOOK_TEXT,
        badge_color=user.account.accent_color,
    )


@login_required
def email_preview(link_id: int) -> ResponseReturnValue:
    """L5: the reminder (or invitation) email of this link as a sample visitor gets it, in
    the link's language or ``?language=``. Shown in a sandboxed frame of the editor.

    :raise 404: not a link of this account. :raise 422: unknown kind or language.
    """
    user = signed_in_user()
    link = get_account_link(get_session(), user, link_id)
    try:
        preview = preview_email(
            link,
            kind=request.args.get("kind", "reminder"),
            language=request.args.get("language") or None,
        )
    except ValidationFailed as exc:
        abort(422, "; ".join(m for ms in (exc.fields or {}).values() for m in ms))
    body = f"<!-- Subject: {preview.subject} -->\n{preview.html}"
    response = Response(body, mimetype="text/html")
    # Email HTML has inline styles and remote images, and no script may run in it.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
        "frame-ancestors 'self'; sandbox"
    )
    g.dashboard_csp = response.headers["Content-Security-Policy"]
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
