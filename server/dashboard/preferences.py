"""What belongs to the signed-in user: preferences (P1), photo, API tokens; uploaded files."""

from __future__ import annotations

from flask import Response, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from server.accounts import passwords
from server.accounts.services import issue_token, revoke_token, user_tokens
from server.accounts.settings import update_preferences
from server.dashboard.forms import (
    ChangePasswordForm,
    Errors,
    PreferencesForm,
    TokenForm,
    status_for,
    submit,
    uploaded,
)
from server.dashboard.rendering import render, zone_names
from server.dashboard.session import log_in, login_required, signed_in_user
from server.db import get_session
from server.errors import NotFound
from server.uploads.models import Upload
from server.uploads.services import get_account_upload, get_public_upload

__all__ = ["change_password", "preferences", "public_upload", "token_revoke", "tokens", "upload"]


# -- the user's preferences (P1) and photo ---------------------------------------------------


@login_required
def preferences() -> ResponseReturnValue:
    """Name, zone, meetings URL prefix (P1: only links created afterwards use a new prefix)
    and the photo visitors see."""
    user = signed_in_user()
    errors: Errors = {}
    values = {"name": user.name, "timezone": user.timezone, "meetings_prefix": user.meetings_prefix}
    if request.method == "POST":
        values = request.form.to_dict()
        changed_prefix, errors = submit(
            PreferencesForm(),
            values,
            lambda data: update_preferences(
                get_session(),
                user,
                name=data["name"],
                timezone=data["timezone"],
                meetings_prefix=data["meetings_prefix"],
                photo=uploaded("photo"),
                remove_photo=request.form.get("remove_photo") == "on",
            ),
        )
        if not errors:
            flash(
                "Saved. New links will use the new prefix; existing links keep their URL."
                if changed_prefix
                else "Saved."
            )
            return redirect(url_for("dashboard.preferences"))
    return render(
        "preferences.html",
        status=status_for(errors),
        values=values,
        errors=errors,
        zones=zone_names(),
    )


# -- the user's password -------------------------------------------------------------------


@login_required
def change_password() -> ResponseReturnValue:
    """A new password: every other session is signed out, this browser stays signed in."""
    user = signed_in_user()
    errors: Errors = {}
    if request.method == "POST":
        _, errors = submit(
            ChangePasswordForm(),
            request.form,
            lambda data: passwords.change_password(
                get_session(), user, data["current_password"], data["password"]
            ),
        )
        if not errors:
            log_in(user)
            flash("Your password is changed. Your other sessions are signed out.")
            return redirect(url_for("dashboard.change_password"))
    return render("password.html", status=status_for(errors), errors=errors)


# -- personal API tokens ---------------------------------------------------------------------


@login_required
def tokens() -> ResponseReturnValue:
    """The user's bearer tokens for the host API; a new one is shown once, on this answer."""
    user = signed_in_user()
    session = get_session()
    errors: Errors = {}
    new_token = None
    name = ""
    if request.method == "POST":
        name = request.form.get("name", "")
        new_token, errors = submit(
            TokenForm(), request.form, lambda data: issue_token(session, user, data["name"])
        )
        if not errors:
            name = ""
    return render(
        "tokens.html",
        status=status_for(errors),
        tokens=user_tokens(session, user),
        new_token=new_token,
        errors=errors,
        name=name,
    )


@login_required
def token_revoke(token_id: int) -> ResponseReturnValue:
    """:raise 404: not a token of this user."""
    token = revoke_token(get_session(), signed_in_user(), token_id)
    flash(f"Token “{token.name or token.id}” revoked: it no longer opens the API.")
    return redirect(url_for("dashboard.tokens"))


# -- uploaded files ----------------------------------------------------------------------------


def _image(upload: Upload, *, public: bool) -> Response:
    response = Response(upload.data, mimetype=upload.content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = "inline"
    if public:
        # The key never points at other bytes, and widgets on other sites show the image.
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@login_required
def upload(upload_id: int) -> ResponseReturnValue:
    """An image of this account, for the dashboard.

    :raise 404: not an upload of this account.
    """
    return _image(get_account_upload(get_session(), signed_in_user(), upload_id), public=False)


def public_upload(key: str) -> ResponseReturnValue:
    """A logo or photo as booking pages and widgets load it.

    :raise 404: unknown key.
    """
    try:
        found = get_public_upload(get_session(), key)
    except NotFound:
        return Response("Not found", status=404, mimetype="text/plain")
    return _image(found, public=True)
