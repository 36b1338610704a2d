"""Sign-up, login, logout, password reset and joining by invitation (A1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from server.accounts import passwords, team
from server.accounts.models import User
from server.accounts.services import authenticate
from server.accounts.signup import AlreadyConfirmed, complete_sign_up, request_sign_up
from server.dashboard.forms import (
    Errors,
    ForgotPasswordForm,
    InvitationAcceptForm,
    LoginForm,
    ResetPasswordForm,
    SignupForm,
    load_form,
    status_for,
    submit,
)
from server.dashboard.rendering import render, zone_names
from server.dashboard.session import current_user, log_in, log_out, safe_next
from server.db import get_session
from server.limiter import account_email_limit, limiter, login_account_limit
from server.timezones import is_valid_timezone

__all__ = [
    "accept_invitation",
    "confirm_signup",
    "forgot_password",
    "login",
    "logout",
    "reset_password",
    "signup",
]

_LIMIT = "20 per minute"


def _new_user_form(
    template: str,
    form: SignupForm | InvitationAcceptForm,
    values: dict[str, str],
    create: Callable[[dict[str, Any]], User],
    welcome: Callable[[User], str],
    *,
    forget_unknown_zone: bool = False,
    **context: Any,
) -> ResponseReturnValue:
    """Joining by invitation: the form, the new user signed in, or the errors (a taken email
    among them) next to the fields, with the zone menu.

    ``forget_unknown_zone``: an unknown zone sent back is dropped, so the menu detects the
    browser's zone again (the invitation page does; sign-up has always shown it as sent).
    """
    errors: Errors = {}
    if request.method == "POST":
        values = request.form.to_dict()
        user, errors = submit(form, values, create)
        if user is not None:
            log_in(user)
            flash(welcome(user))
            return redirect(url_for("dashboard.links"))
    values.pop("password", None)
    if forget_unknown_zone and values.get("timezone") and not is_valid_timezone(values["timezone"]):
        values["timezone"] = ""
    return render(
        template,
        status=status_for(errors),
        values=values,
        errors=errors,
        zones=zone_names(),
        **context,
    )


@limiter.limit(_LIMIT, methods=["POST"])
@account_email_limit
def signup() -> ResponseReturnValue:
    """Ask for an account: the answer is "check your inbox" whether or not the address has
    one (issue 12.10); the emailed link creates it (:func:`confirm_signup`).

    Invalid fields show next to the form's fields, with status 422.
    """
    if current_user() is not None and request.method == "GET":
        return redirect(url_for("dashboard.links"))
    values = {"timezone": request.args.get("timezone", "")}
    errors: Errors = {}
    sent_to = None
    if request.method == "POST":
        values = request.form.to_dict()
        _, errors = submit(
            SignupForm(),
            values,
            lambda data: request_sign_up(
                get_session(),
                email=data["email"],
                password=data["password"],
                name=data["name"],
                timezone=data["timezone"],
                company=data["company"],
            ),
        )
        if not errors:
            sent_to = values.get("email", "").strip().lower()
    values.pop("password", None)
    return render(
        "signup.html",
        status=status_for(errors),
        values=values,
        errors=errors,
        zones=zone_names(),
        sent_to=sent_to,
    )


def confirm_signup(token: str) -> ResponseReturnValue:
    """The emailed link: the account, its admin and the preset 15/30/60-minute links (L1),
    signed in.

    :raise 404: an expired or foreign link (as a page saying so).
    """
    try:
        user = complete_sign_up(get_session(), token)
    except AlreadyConfirmed:
        flash("Your account is ready: sign in.")
        return redirect(url_for("dashboard.login"))
    log_in(user)
    flash("Welcome! Your account has three meeting links ready to share.")
    return redirect(url_for("dashboard.links"))


@limiter.limit(_LIMIT, methods=["POST"])
@login_account_limit
def login() -> ResponseReturnValue:
    """Email and password; a wrong pair gets one message, whichever part was wrong."""
    target = safe_next(request.values.get("next"))
    if current_user() is not None and request.method == "GET":
        return redirect(target or url_for("dashboard.links"))
    errors: Errors = {}
    email = ""
    if request.method == "POST":
        data, errors = load_form(LoginForm(), request.form)
        email = request.form.get("email", "")
        if not errors:
            user = authenticate(get_session(), data["email"], data["password"])
            if user is not None:
                log_in(user)
                return redirect(target or url_for("dashboard.links"))
            errors = {"_schema": ["Wrong email or password."]}
    return render("login.html", status=status_for(errors), errors=errors, email=email, next=target)


def logout() -> ResponseReturnValue:
    log_out()
    flash("You are signed out.")
    return redirect(url_for("dashboard.login"))


@limiter.limit("5 per minute", methods=["POST"])
@account_email_limit
def forgot_password() -> ResponseReturnValue:
    """Email a reset link. The page says the same whether the address is known or not."""
    errors: Errors = {}
    sent = False
    if request.method == "POST":
        _, errors = submit(
            ForgotPasswordForm(),
            request.form,
            lambda data: passwords.request_reset(get_session(), data["email"]),
        )
        sent = not errors
    return render("forgot_password.html", status=status_for(errors), errors=errors, sent=sent)


def reset_password(token: str) -> ResponseReturnValue:
    """:raise 404: an unknown, expired or already used link (as a page saying so)."""
    session = get_session()
    user = passwords.user_for_reset_token(session, token)
    if user is None:
        return render(
            "error.html",
            status=404,
            status_code=404,
            message="This reset link is not valid any more. Ask for a new one.",
            retry=url_for("dashboard.forgot_password"),
        )
    errors: Errors = {}
    if request.method == "POST":
        _, errors = submit(
            ResetPasswordForm(),
            request.form,
            lambda data: passwords.set_password(session, user, data["password"]),
        )
        if not errors:
            log_in(user)
            flash("Your password is changed. Other sessions are signed out.")
            return redirect(url_for("dashboard.links"))
    return render("reset_password.html", status=status_for(errors), errors=errors)


def accept_invitation(token: str) -> ResponseReturnValue:
    """Join the inviting account: name, password, time zone; then signed in.

    :raise 404: an unknown, used or expired invitation.
    """
    session = get_session()
    invitation = team.invitation_for_token(session, token)
    return _new_user_form(
        "accept_invitation.html",
        InvitationAcceptForm(),
        {"timezone": ""},
        lambda data: team.accept_invitation(
            session,
            invitation,
            name=data["name"],
            password=data["password"],
            timezone=data["timezone"],
        ),
        lambda user: f"Welcome to {user.account.name}!",
        forget_unknown_zone=True,
        invitation=invitation,
    )
