"""The account's settings, for its admins: name and meeting types, branding (P3), embed
origins (P5), GDPR defaults (L9), team and roles (A2), custom domains (P4)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server.accounts import mail
from server.accounts import team as team_members
from server.accounts.models import User
from server.dashboard import editor
from server.dashboard.auth import absolute_url
from server.dashboard.forms import (
    AccountForm,
    BrandingForm,
    DomainForm,
    Errors,
    InviteForm,
    OriginsForm,
    load_form,
    status_for,
)
from server.dashboard.rendering import render
from server.dashboard.session import admin_required, signed_in_user
from server.db import get_session
from server.domains import services as custom_domains
from server.domains.models import CustomDomain
from server.errors import ApiError, ValidationFailed
from server.links import consent as consent_settings
from server.uploads.models import Upload
from server.uploads.services import ImageRejected, public_url, read_file, store_image

__all__ = [
    "branding",
    "domain_check",
    "domain_delete",
    "domain_list",
    "embedding",
    "invitation_revoke",
    "privacy",
    "settings",
    "team",
    "team_role",
]


# -- account settings: name and meeting types (L3) --------------------------------------------


@admin_required
def settings() -> ResponseReturnValue:
    account = signed_in_user().account
    errors: Errors = {}
    values = {"name": account.name, "meeting_types": "\n".join(account.meeting_types or [])}
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load_form(AccountForm(), values)
        if not errors:
            account.name = data["name"]
            account.meeting_types = data["meeting_types"]
            get_session().commit()
            flash("Saved.")
            return redirect(url_for("dashboard.account"))
    return render("account.html", status=status_for(errors), values=values, errors=errors)


# -- branding (P3) --------------------------------------------------------------------------


@admin_required
def branding() -> ResponseReturnValue:
    """Logo and accent colour, applied to every booking page and widget of the account.

    A rejected logo changes nothing, stores nothing, and says why next to the file field.
    """
    user = signed_in_user()
    account = user.account
    session = get_session()
    errors: Errors = {}
    values = {"accent_color": account.accent_color}
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load_form(BrandingForm(), values)
        logo = request.files.get("logo")
        new_logo: Upload | None = None
        if not errors and logo is not None and logo.filename:
            try:
                new_logo = store_image(session, account.id, read_file(logo), "logo")
            except ImageRejected as exc:
                errors = {"logo": [str(exc)]}
        if errors:
            session.rollback()
        else:
            account.accent_color = data["accent_color"]
            if new_logo is not None or request.form.get("remove_logo") == "on":
                session.execute(
                    delete(Upload).where(
                        Upload.account_id == account.id,
                        Upload.purpose == "logo",
                        Upload.id != (new_logo.id if new_logo else -1),
                    )
                )
                account.logo_url = public_url(new_logo) if new_logo else None
            session.commit()
            flash("Saved. Booking pages and widgets show it from now on.")
            return redirect(url_for("dashboard.branding"))
    return render("branding.html", status=status_for(errors), values=values, errors=errors)


# -- allowed embed origins (P5) ---------------------------------------------------------------


@admin_required
def embedding() -> ResponseReturnValue:
    """Which sites may run the widget (CORS on the public API); none listed means any."""
    account = signed_in_user().account
    errors: Errors = {}
    values = {"origins": "\n".join(account.allowed_origins or [])}
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load_form(OriginsForm(), values)
        if not errors:
            account.allowed_origins = data["origins"]
            get_session().commit()
            flash("Saved.")
            return redirect(url_for("dashboard.embedding"))
    return render("embedding.html", status=status_for(errors), values=values, errors=errors)


# -- GDPR defaults (L9) ---------------------------------------------------------------------


@admin_required
def privacy() -> ResponseReturnValue:
    """The account's GDPR switch and texts; links that don't customise follow them."""
    account = signed_in_user().account
    session = get_session()
    defaults = consent_settings.account_defaults(account)
    errors: Errors = {}
    state = editor.consent_state(defaults, customized=False)
    if request.method == "POST":
        state = editor.consent_state_from_form(request.form, defaults)
        payload, errors = editor.consent_payload(state)
        if not errors:
            try:
                changed = consent_settings.save_account_defaults(session, account, payload)
                session.commit()
            except ValidationFailed as exc:
                session.rollback()
                errors = dict(exc.fields or {})
            else:
                flash(f"Saved. {changed} link(s) that follow the defaults use them now.")
                return redirect(url_for("dashboard.privacy"))
    return render("privacy.html", status=status_for(errors), state=state, errors=errors)


# -- team: members, roles, invitations (A2) ---------------------------------------------------


@admin_required
def team() -> ResponseReturnValue:
    """Members and their roles, pending invitations, and the invite form."""
    user = signed_in_user()
    session = get_session()
    errors: Errors = {}
    values = {"email": "", "role": "member"}
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load_form(InviteForm(), values)
        if not errors:
            try:
                invitation, token = team_members.create_invitation(
                    session, user, data["email"], data["role"]
                )
            except ValidationFailed as exc:
                session.rollback()
                errors = dict(exc.fields or {})
            else:
                _send_invitation(session, user, invitation.email, token)
                session.commit()
                flash(f"Invitation sent to {invitation.email}.")
                return redirect(url_for("dashboard.team"))
    return render(
        "team.html",
        status=status_for(errors),
        members=user.account.users,
        invitations=team_members.pending_invitations(session, user.account_id),
        values=values,
        errors=errors,
    )


def _send_invitation(session: Session, inviter: User, email: str, token: str) -> None:
    mail.send_account_email(
        session,
        kind="team_invitation",
        account_id=inviter.account_id,
        to_email=email,
        to_name=email,
        subject=f"{inviter.name} invites you to {inviter.account.name} on Rendezvous",
        paragraphs=[
            "Hello,",
            f"{inviter.name} invites you to join {inviter.account.name} on Rendezvous, to share "
            "meeting links and take bookings. The invitation is valid for 7 days.",
        ],
        url=absolute_url("dashboard.accept_invitation", token=token),
        valid_for=team_members.INVITATION_LIFETIME,
    )


@admin_required
def team_role(user_id: int) -> ResponseReturnValue:
    """:raise 404: not a member of this account."""
    session = get_session()
    try:
        member = team_members.set_role(
            session, signed_in_user(), user_id, request.form.get("role", "")
        )
    except ValidationFailed as exc:
        session.rollback()
        flash("; ".join(m for ms in (exc.fields or {}).values() for m in ms), "error")
    except ApiError as exc:
        if exc.status == 404:
            raise
        session.rollback()
        flash(exc.message, "error")
    else:
        session.commit()
        flash(f"{member.name} is now {'an admin' if member.role == 'admin' else 'a member'}.")
    return redirect(url_for("dashboard.team"))


@admin_required
def invitation_revoke(invitation_id: int) -> ResponseReturnValue:
    """:raise 404: not an invitation of this account."""
    session = get_session()
    invitation = team_members.get_account_invitation(session, signed_in_user(), invitation_id)
    session.delete(invitation)
    session.commit()
    flash(f"The invitation of {invitation.email} is withdrawn.")
    return redirect(url_for("dashboard.team"))


# -- custom domains (P4) ----------------------------------------------------------------------


def _domains(account_id: int) -> list[CustomDomain]:
    return list(
        get_session().scalars(
            select(CustomDomain)
            .where(CustomDomain.account_id == account_id)
            .order_by(CustomDomain.id)
        )
    )


@admin_required
def domain_list() -> ResponseReturnValue:
    """The account's domains, their state, and the DNS records each one needs."""
    user = signed_in_user()
    session = get_session()
    errors: Errors = {}
    hostname = ""
    if request.method == "POST":
        hostname = request.form.get("hostname", "")
        data, errors = load_form(DomainForm(), request.form)
        if not errors:
            try:
                domain = custom_domains.add_domain(session, user.account, data["hostname"])
            except ValidationFailed as exc:
                session.rollback()
                errors = dict(exc.fields or {})
            else:
                session.commit()
                flash(f"{domain.hostname} is added. Create the DNS record below, then check it.")
                return redirect(url_for("dashboard.domains"))
    rows = [{"domain": d, "steps": custom_domains.dns_steps(d)} for d in _domains(user.account_id)]
    return render(
        "domains.html",
        status=status_for(errors),
        rows=rows,
        errors=errors,
        hostname=hostname,
        app_host=custom_domains.app_hostname(),
    )


@admin_required
def domain_check(domain_id: int) -> ResponseReturnValue:
    """:raise 404: not a domain of this account."""
    session = get_session()
    domain = custom_domains.get_account_domain(session, signed_in_user(), domain_id)
    connected = custom_domains.check_domain(domain)
    session.commit()
    if connected:
        flash(f"{domain.hostname} is connected: booking pages are served there.")
    else:
        flash(
            f"{domain.hostname} does not point at this app yet. DNS changes can take a few "
            "hours; check again later.",
            "error",
        )
    return redirect(url_for("dashboard.domains"))


@admin_required
def domain_delete(domain_id: int) -> ResponseReturnValue:
    """:raise 404: not a domain of this account."""
    session = get_session()
    domain = custom_domains.get_account_domain(session, signed_in_user(), domain_id)
    session.delete(domain)
    session.commit()
    flash(f"{domain.hostname} is removed.")
    return redirect(url_for("dashboard.domains"))
