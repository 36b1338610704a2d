"""The account's settings, for its admins: name and meeting types, branding (P3), embed
origins (P5), GDPR defaults (L9), team and roles (A2), custom domains (P4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import Schema

from server.accounts import settings as account_settings
from server.accounts import team as team_members
from server.accounts.services import update_account
from server.dashboard import editor
from server.dashboard.forms import (
    AccountForm,
    BrandingForm,
    DomainForm,
    Errors,
    InviteForm,
    OriginsForm,
    service_errors,
    status_for,
    submit,
    uploaded,
)
from server.dashboard.rendering import render
from server.dashboard.session import admin_required, signed_in_user
from server.db import get_session
from server.domains import services as custom_domains
from server.errors import ApiError, ValidationFailed
from server.links import consent as consent_settings

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


# -- account settings: name and meeting types (L3), allowed embed origins (P5) ----------------


def _account_form(
    form: Schema,
    template: str,
    endpoint: str,
    values: dict[str, str],
    changes: Callable[[dict[str, Any]], dict[str, Any]],
) -> ResponseReturnValue:
    """One form of account attributes: ``changes`` turns the loaded form into them."""
    account = signed_in_user().account
    errors: Errors = {}
    if request.method == "POST":
        values = request.form.to_dict()
        _, errors = submit(
            form, values, lambda data: update_account(get_session(), account, changes(data))
        )
        if not errors:
            flash("Saved.")
            return redirect(url_for(endpoint))
    return render(template, status=status_for(errors), values=values, errors=errors)


@admin_required
def settings() -> ResponseReturnValue:
    account = signed_in_user().account
    return _account_form(
        AccountForm(),
        "account.html",
        "dashboard.account",
        {"name": account.name, "meeting_types": "\n".join(account.meeting_types or [])},
        lambda data: {"name": data["name"], "meeting_types": data["meeting_types"]},
    )


@admin_required
def embedding() -> ResponseReturnValue:
    """Which sites may run the widget (CORS on the public API); none listed means any."""
    account = signed_in_user().account
    return _account_form(
        OriginsForm(),
        "embedding.html",
        "dashboard.embedding",
        {"origins": "\n".join(account.allowed_origins or [])},
        lambda data: {"allowed_origins": data["origins"]},
    )


# -- branding (P3) --------------------------------------------------------------------------


@admin_required
def branding() -> ResponseReturnValue:
    """Logo and accent colour, applied to every booking page and widget of the account.

    A rejected logo changes nothing, stores nothing, and says why next to the file field.
    """
    account = signed_in_user().account
    errors: Errors = {}
    values = {"accent_color": account.accent_color}
    if request.method == "POST":
        values = request.form.to_dict()
        _, errors = submit(
            BrandingForm(),
            values,
            lambda data: account_settings.save_branding(
                get_session(),
                account,
                accent_color=data["accent_color"],
                logo=uploaded("logo"),
                remove_logo=request.form.get("remove_logo") == "on",
            ),
        )
        if not errors:
            flash("Saved. Booking pages and widgets show it from now on.")
            return redirect(url_for("dashboard.branding"))
    return render("branding.html", status=status_for(errors), values=values, errors=errors)


# -- GDPR defaults (L9) ---------------------------------------------------------------------


@admin_required
def privacy() -> ResponseReturnValue:
    """The account's GDPR switch and texts; links that don't customise follow them."""
    account = signed_in_user().account
    defaults = consent_settings.account_defaults(account)
    errors: Errors = {}
    state = editor.consent_state(defaults, customized=False)
    if request.method == "POST":
        state = editor.consent_state_from_form(request.form, defaults)
        payload, errors = editor.consent_payload(state)
        if not errors:
            changed, errors = service_errors(
                lambda: account_settings.save_privacy_defaults(get_session(), account, payload)
            )
            if not errors:
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
        invitation, errors = submit(
            InviteForm(),
            values,
            lambda data: team_members.invite(session, user, data["email"], data["role"]),
        )
        if invitation is not None:
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


@admin_required
def team_role(user_id: int) -> ResponseReturnValue:
    """:raise 404: not a member of this account."""
    try:
        member = team_members.set_role(
            get_session(), signed_in_user(), user_id, request.form.get("role", "")
        )
    except ValidationFailed as exc:
        flash("; ".join(m for ms in (exc.fields or {}).values() for m in ms), "error")
    except ApiError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
    else:
        flash(f"{member.name} is now {'an admin' if member.role == 'admin' else 'a member'}.")
    return redirect(url_for("dashboard.team"))


@admin_required
def invitation_revoke(invitation_id: int) -> ResponseReturnValue:
    """:raise 404: not an invitation of this account."""
    invitation = team_members.revoke_invitation(get_session(), signed_in_user(), invitation_id)
    flash(f"The invitation of {invitation.email} is withdrawn.")
    return redirect(url_for("dashboard.team"))


# -- custom domains (P4) ----------------------------------------------------------------------


@admin_required
def domain_list() -> ResponseReturnValue:
    """The account's domains, their state, and the DNS records each one needs."""
    user = signed_in_user()
    session = get_session()
    errors: Errors = {}
    hostname = ""
    if request.method == "POST":
        hostname = request.form.get("hostname", "")
        domain, errors = submit(
            DomainForm(),
            request.form,
            lambda data: custom_domains.add_domain(session, user.account, data["hostname"]),
        )
        if domain is not None:
            flash(f"{domain.hostname} is added. Create the DNS record below, then check it.")
            return redirect(url_for("dashboard.domains"))
    rows = [
        {"domain": d, "steps": custom_domains.dns_steps(d)}
        for d in custom_domains.account_domains(session, user.account_id)
    ]
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
    domain, outcome = custom_domains.check_account_domain(
        get_session(), signed_in_user(), domain_id
    )
    if outcome.connected:
        flash(f"{domain.hostname} is connected: booking pages are served there.")
    elif not outcome.proven:
        flash(
            f"The TXT record that proves {domain.hostname} is yours is not there yet: add "
            f"{custom_domains.verification_name(domain.hostname)} with the value "
            f"{domain.verification_token}. DNS changes can take a few hours; check again later.",
            "error",
        )
    elif outcome.taken:
        flash(f"{domain.hostname} is connected to another account already.", "error")
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
    domain = custom_domains.delete_account_domain(get_session(), signed_in_user(), domain_id)
    flash(f"{domain.hostname} is removed.")
    return redirect(url_for("dashboard.domains"))
