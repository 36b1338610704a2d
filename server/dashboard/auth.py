"""Sign-up, login, logout, password reset and joining by invitation (A1)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.accounts import mail, passwords, team
from server.accounts.models import User
from server.accounts.services import authenticate
from server.accounts.signup import sign_up
from server.dashboard.forms import (
    ForgotPasswordForm,
    InvitationAcceptForm,
    LoginForm,
    ResetPasswordForm,
    SignupForm,
    load_form,
)
from server.dashboard.rendering import render, zone_names
from server.dashboard.session import current_user, log_in, log_out, safe_next
from server.db import get_session
from server.errors import ValidationFailed
from server.limiter import limiter
from server.timezones import is_valid_timezone

__all__ = ["accept_invitation", "forgot_password", "login", "logout", "reset_password", "signup"]

_LIMIT = "20 per minute"


@limiter.limit(_LIMIT, methods=["POST"])
def signup() -> ResponseReturnValue:
    """A new account, its first user (admin) and the preset 15/30/60-minute links (L1).

    Invalid fields (or a taken email) show next to the form's fields, with status 422.
    """
    if current_user() is not None and request.method == "GET":
        return redirect(url_for("dashboard.links"))
    values = {"timezone": request.args.get("timezone", "")}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load_form(SignupForm(), values)
        if not errors:
            try:
                user = sign_up(
                    get_session(),
                    email=data["email"],
                    password=data["password"],
                    name=data["name"],
                    timezone=data["timezone"],
                    company=data["company"],
                )
            except ValidationFailed as exc:
                errors = dict(exc.fields or {})
            else:
                log_in(user)
                flash("Welcome! Your account has three meeting links ready to share.")
                return redirect(url_for("dashboard.links"))
    values.pop("password", None)
    return render(
        "signup.html",
        status=422 if errors else 200,
        values=values,
        errors=errors,
        zones=zone_names(),
    )


@limiter.limit(_LIMIT, methods=["POST"])
def login() -> ResponseReturnValue:
    """Email and password; a wrong pair gets one message, whichever part was wrong."""
    target = safe_next(request.values.get("next"))
    if current_user() is not None and request.method == "GET":
        return redirect(target or url_for("dashboard.links"))
    errors: dict[str, list[str]] = {}
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
    return render(
        "login.html", status=422 if errors else 200, errors=errors, email=email, next=target
    )


def logout() -> ResponseReturnValue:
    log_out()
    flash("You are signed out.")
    return redirect(url_for("dashboard.login"))


@limiter.limit("5 per minute", methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    """Email a reset link. The page says the same whether the address is known or not."""
    errors: dict[str, list[str]] = {}
    sent = False
    if request.method == "POST":
        data, errors = load_form(ForgotPasswordForm(), request.form)
        if not errors:
            session = get_session()
            user = session.scalar(
                select(User).where(func.lower(User.email) == data["email"].lower())
            )
            if user is not None:
                _send_reset_link(session, user)
                session.commit()
            sent = True
    return render("forgot_password.html", status=422 if errors else 200, errors=errors, sent=sent)


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
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data, errors = load_form(ResetPasswordForm(), request.form)
        if not errors:
            passwords.set_password(user, data["password"])
            session.commit()
            log_in(user)
            flash("Your password is changed. Other sessions are signed out.")
            return redirect(url_for("dashboard.links"))
    return render("reset_password.html", status=422 if errors else 200, errors=errors)


def accept_invitation(token: str) -> ResponseReturnValue:
    """Join the inviting account: name, password, time zone; then signed in."""
    session = get_session()
    invitation = team.invitation_for_token(session, token)
    errors: dict[str, list[str]] = {}
    values = {"timezone": ""}
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load_form(InvitationAcceptForm(), values)
        if not errors:
            try:
                user = team.accept_invitation(
                    session,
                    invitation,
                    name=data["name"],
                    password=data["password"],
                    timezone=data["timezone"],
                )
            except ValidationFailed as exc:
                errors = dict(exc.fields or {})
            else:
                log_in(user)
                flash(f"Welcome to {user.account.name}!")
                return redirect(url_for("dashboard.links"))
    values.pop("password", None)
    if values.get("timezone") and not is_valid_timezone(values["timezone"]):
        values["timezone"] = ""
    return render(
        "accept_invitation.html",
        status=422 if errors else 200,
        invitation=invitation,
        values=values,
        errors=errors,
        zones=zone_names(),
    )


def absolute_url(endpoint: str, **values: str) -> str:
    """Links in emails point at the app's public URL, whatever host the request came on."""
    return f"{current_app.config['RENDEZVOUS_BASE_URL']}{url_for(endpoint, **values)}"


def _send_reset_link(session: Session, user: User) -> None:
    mail.send_account_email(
        session,
        kind="password_reset",
        account_id=user.account_id,
        to_email=user.email,
        to_name=user.name,
        subject="Reset your Rendezvous password",
        paragraphs=[
            f"Hello {user.name},",
            f"Someone (hopefully you) asked to reset the password of {user.email}. "
            "Choose a new one with this link within an hour. If it wasn't you, ignore this "
            "message: your password stays the same.",
        ],
        url=absolute_url("dashboard.reset_password", token=passwords.reset_token(user)),
        valid_for=timedelta(seconds=passwords.RESET_LIFETIME_SECONDS),
    )
