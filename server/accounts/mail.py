"""Account emails (password reset, invitations to a team), through the outbox (N1).

They are written to ``outbox_messages`` in the caller's transaction, like booking emails,
and the worker sends them (SMTP, or ``.eml`` files without it); nothing is sent from a
request. They are short plain messages in English: account mail is not tied to a link, so
there is no link language to follow.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, url_for
from markupsafe import Markup
from sqlalchemy.orm import Session

from server.accounts.models import Invitation, User
from server.clock import utcnow
from server.notifications.facts import Person
from server.notifications.messages import Email
from server.notifications.models import OutboxMessage
from server.notifications.outbox import enqueue
from server.notifications.settings import current_settings

__all__ = [
    "absolute_url",
    "send_account_email",
    "send_account_exists",
    "send_invitation",
    "send_reset_link",
    "send_signup_link",
]


def absolute_url(endpoint: str, **values: str) -> str:
    """Links in emails point at the app's public URL, whatever host the request came on."""
    return f"{current_app.config['RENDEZVOUS_BASE_URL']}{url_for(endpoint, **values)}"


def _html(paragraphs: list[str], url: str) -> str:
    body = Markup("").join(Markup("<p>{}</p>").format(p) for p in paragraphs)
    button = Markup('<p><a href="{0}">{0}</a></p>').format(url)
    return str(
        Markup(
            '<!doctype html><html><body style="font-family:system-ui,sans-serif">{}{}</body></html>'
        ).format(body, button)
    )


def send_account_email(
    session: Session,
    *,
    kind: str,
    account_id: int | None,
    to_email: str,
    to_name: str,
    subject: str,
    paragraphs: list[str],
    url: str,
    valid_for: timedelta,
) -> OutboxMessage:
    """Queue one message whose point is ``url``; it is dropped unsent once ``valid_for`` is
    over (a reset link sent after it lapsed would only confuse)."""
    now = utcnow()
    text = "\n\n".join([*paragraphs, url]) + "\n"
    email = Email(
        kind=kind,
        to=Person(name=to_name, email=to_email, timezone="UTC"),
        subject=subject,
        text=text,
        html=_html(paragraphs, url),
        language="en",
        from_name="Rendezvous",
    )
    return enqueue(
        session,
        email,
        account_id=account_id,
        settings=current_settings(),
        now=now,
        expires_at=now + valid_for,
    )


def send_reset_link(
    session: Session, user: User, token: str, valid_for: timedelta
) -> OutboxMessage:
    """Queue the password-reset email whose link carries ``token`` (:mod:`.passwords`)."""
    return send_account_email(
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
        url=absolute_url("dashboard.reset_password", token=token),
        valid_for=valid_for,
    )


def send_invitation(
    session: Session, inviter: User, invitation: Invitation, token: str
) -> OutboxMessage:
    """Queue the email inviting ``invitation.email`` to the account, valid as long as the
    invitation is (:mod:`.team`)."""
    return send_account_email(
        session,
        kind="team_invitation",
        account_id=inviter.account_id,
        to_email=invitation.email,
        to_name=invitation.email,
        subject=f"{inviter.name} invites you to {inviter.account.name} on Rendezvous",
        paragraphs=[
            "Hello,",
            f"{inviter.name} invites you to join {inviter.account.name} on Rendezvous, to share "
            "meeting links and take bookings. The invitation is valid for 7 days.",
        ],
        url=absolute_url("dashboard.accept_invitation", token=token),
        valid_for=invitation.expires_at - invitation.created_at,
    )


def send_signup_link(
    session: Session, email: str, name: str, token: str, valid_for: timedelta
) -> OutboxMessage:
    """Queue the email whose link creates the account (:mod:`.signup`); it belongs to no
    account yet."""
    return send_account_email(
        session,
        kind="signup_link",
        account_id=None,
        to_email=email,
        to_name=name,
        subject="Finish creating your Rendezvous account",
        paragraphs=[
            f"Hello {name},",
            f"Someone (hopefully you) asked for a Rendezvous account for {email}. Follow this "
            "link within 24 hours to create it and sign in. If it wasn't you, ignore this "
            "message: no account is made.",
        ],
        url=absolute_url("dashboard.confirm_signup", token=token),
        valid_for=valid_for,
    )


def send_account_exists(session: Session, user: User) -> OutboxMessage:
    """Queue the answer to a sign-up with an address that has an account: sign in, or reset
    the password (the form said the same as for a new address)."""
    return send_account_email(
        session,
        kind="signup_existing",
        account_id=user.account_id,
        to_email=user.email,
        to_name=user.name,
        subject="You already have a Rendezvous account",
        paragraphs=[
            f"Hello {user.name},",
            f"Someone (hopefully you) tried to create a Rendezvous account for {user.email}, "
            "which already has one. Sign in with it; if you forgot the password, choose a new "
            "one from the sign-in page. If it wasn't you, ignore this message.",
        ],
        url=absolute_url("dashboard.login"),
        valid_for=timedelta(days=7),
    )
