"""The user's preferences and tokens; the account's settings, branding, embedding, privacy,
team and domains (admins only); uploaded files."""

from __future__ import annotations

from flask import Response, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server.accounts.models import ApiToken, User
from server.accounts.services import issue_token
from server.dashboard import consent as consent_settings
from server.dashboard import domains as custom_domains
from server.dashboard import editor, mail
from server.dashboard import team as team_members
from server.dashboard.auth import absolute_url
from server.dashboard.forms import (
    AccountForm,
    BrandingForm,
    DomainForm,
    InviteForm,
    OriginsForm,
    PreferencesForm,
    TokenForm,
    load_form,
)
from server.dashboard.models import CustomDomain, Upload
from server.dashboard.rendering import render, zone_names
from server.dashboard.session import admin_required, current_user, login_required
from server.dashboard.uploads import (
    ImageRejected,
    get_account_upload,
    get_public_upload,
    public_url,
    read_file,
    store_image,
)
from server.db import get_session
from server.errors import ApiError, NotFound, ValidationFailed

__all__ = [
    "branding",
    "domain_check",
    "domain_delete",
    "domain_list",
    "embedding",
    "invitation_revoke",
    "preferences",
    "privacy",
    "public_upload",
    "settings",
    "team",
    "team_role",
    "token_revoke",
    "tokens",
    "upload",
]

Errors = dict[str, list[str]]


def _me() -> User:
    user = current_user()
    assert user is not None  # the decorators saw to it
    return user


def _status(errors: Errors) -> int:
    return 422 if errors else 200


# -- the user's preferences (P1) and photo ---------------------------------------------------


@login_required
def preferences() -> ResponseReturnValue:
    """Name, zone, meetings URL prefix (P1: only links created afterwards use a new prefix)
    and the photo visitors see."""
    user = _me()
    session = get_session()
    errors: Errors = {}
    values = {"name": user.name, "timezone": user.timezone, "meetings_prefix": user.meetings_prefix}
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load_form(PreferencesForm(), values)
        if not errors and data["meetings_prefix"] != user.meetings_prefix:
            taken = session.scalar(
                select(User.id).where(
                    User.meetings_prefix == data["meetings_prefix"], User.id != user.id
                )
            )
            if taken is not None:
                errors = {"meetings_prefix": ["Another host uses this prefix; choose another."]}
        photo = request.files.get("photo")
        if not errors and photo is not None and photo.filename:
            try:
                stored = store_image(session, user.account_id, read_file(photo), "photo")
            except ImageRejected as exc:
                errors = {"photo": [str(exc)]}
            else:
                user.photo_url = public_url(stored)
        if not errors:
            if request.form.get("remove_photo") == "on":
                user.photo_url = None
            changed_prefix = data["meetings_prefix"] != user.meetings_prefix
            user.name, user.timezone = data["name"], data["timezone"]
            user.meetings_prefix = data["meetings_prefix"]
            session.commit()
            flash(
                "Saved. New links will use the new prefix; existing links keep their URL."
                if changed_prefix
                else "Saved."
            )
            return redirect(url_for("dashboard.preferences"))
        session.rollback()
    return render(
        "preferences.html", status=_status(errors), values=values, errors=errors, zones=zone_names()
    )


# -- personal API tokens ---------------------------------------------------------------------


def _my_tokens(user: User) -> list[ApiToken]:
    return list(
        get_session().scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


@login_required
def tokens() -> ResponseReturnValue:
    """The user's bearer tokens for the host API; a new one is shown once, on this answer."""
    user = _me()
    session = get_session()
    errors: Errors = {}
    new_token = None
    name = ""
    if request.method == "POST":
        data, errors = load_form(TokenForm(), request.form)
        name = request.form.get("name", "")
        if not errors:
            new_token = issue_token(session, user, data["name"])
            session.commit()
            name = ""
    return render(
        "tokens.html",
        status=_status(errors),
        tokens=_my_tokens(user),
        new_token=new_token,
        errors=errors,
        name=name,
    )


@login_required
def token_revoke(token_id: int) -> ResponseReturnValue:
    """:raise 404: not a token of this user."""
    user = _me()
    session = get_session()
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("No such token.")
    session.delete(token)
    session.commit()
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
    return _image(get_account_upload(get_session(), _me(), upload_id), public=False)


def public_upload(key: str) -> ResponseReturnValue:
    """A logo or photo as booking pages and widgets load it.

    :raise 404: unknown key.
    """
    try:
        found = get_public_upload(get_session(), key)
    except NotFound:
        return Response("Not found", status=404, mimetype="text/plain")
    return _image(found, public=True)


# -- account settings: name and meeting types (L3) --------------------------------------------


@admin_required
def settings() -> ResponseReturnValue:
    account = _me().account
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
    return render("account.html", status=_status(errors), values=values, errors=errors)


# -- branding (P3) --------------------------------------------------------------------------


@admin_required
def branding() -> ResponseReturnValue:
    """Logo and accent colour, applied to every booking page and widget of the account.

    A rejected logo changes nothing, stores nothing, and says why next to the file field.
    """
    user = _me()
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
    return render("branding.html", status=_status(errors), values=values, errors=errors)


# -- allowed embed origins (P5) ---------------------------------------------------------------


@admin_required
def embedding() -> ResponseReturnValue:
    """Which sites may run the widget (CORS on the public API); none listed means any."""
    account = _me().account
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
    return render("embedding.html", status=_status(errors), values=values, errors=errors)


# -- GDPR defaults (L9) ---------------------------------------------------------------------


@admin_required
def privacy() -> ResponseReturnValue:
    """The account's GDPR switch and texts; links that don't customise follow them."""
    account = _me().account
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
    return render("privacy.html", status=_status(errors), state=state, errors=errors)


# -- team: members, roles, invitations (A2) ---------------------------------------------------


@admin_required
def team() -> ResponseReturnValue:
    """Members and their roles, pending invitations, and the invite form."""
    user = _me()
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
        status=_status(errors),
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
        member = team_members.set_role(session, _me(), user_id, request.form.get("role", ""))
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
    invitation = team_members.get_account_invitation(session, _me(), invitation_id)
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
    user = _me()
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
        status=_status(errors),
        rows=rows,
        errors=errors,
        hostname=hostname,
        app_host=custom_domains.app_hostname(),
    )


@admin_required
def domain_check(domain_id: int) -> ResponseReturnValue:
    """:raise 404: not a domain of this account."""
    session = get_session()
    domain = custom_domains.get_account_domain(session, _me(), domain_id)
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
    domain = custom_domains.get_account_domain(session, _me(), domain_id)
    session.delete(domain)
    session.commit()
    flash(f"{domain.hostname} is removed.")
    return redirect(url_for("dashboard.domains"))
