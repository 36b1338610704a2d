"""Sign-up (A1, L1): a host, in a new account or an inviting one, with the preset links.

The one place that composes an account's user with its first links, so that a new host is
never left without the 15, 30 and 60-minute links, nor links without their host: both are
committed together or not at all.

The sign-up form never says whether an address has an account (issue 12.10): it always
answers "check your inbox", and the inbox tells the truth. A new address gets a link that
creates the account (:func:`request_sign_up`, :func:`complete_sign_up`); one that has an
account gets a reminder to sign in or reset the password. Nothing is stored before the link
is followed: what the form said travels encrypted in the link itself, so an address nobody
confirms leaves no account behind and can't be squatted.
"""

from __future__ import annotations

import json
from datetime import timedelta

from cryptography.fernet import InvalidToken
from flask import current_app
from sqlalchemy.orm import Session

from server.accounts import mail
from server.accounts.models import Account, User
from server.accounts.services import create_user, hash_password, user_by_email
from server.clock import utcnow
from server.crypto import keyring
from server.db import transaction
from server.errors import NotFound
from server.links.services import create_preset_links

__all__ = [
    "SIGNUP_LINK_LIFETIME",
    "AlreadyConfirmed",
    "complete_sign_up",
    "request_sign_up",
    "sign_up",
]

#: how long the emailed link creates the account
SIGNUP_LINK_LIFETIME = timedelta(hours=24)


class AlreadyConfirmed(Exception):
    """The link was followed before (or the address signed up another way): sign in."""


def sign_up(
    session: Session,
    *,
    email: str,
    password: str | None,
    name: str,
    timezone: str,
    company: str = "",
    account: Account | None = None,
    role: str | None = None,
    with_preset_links: bool = True,
    password_hash: str | None = None,
) -> User:
    """The new user, committed. ``company`` names a new account (else it takes the user's name).

    :raise ValidationFailed: a user with this email exists.
    """
    with transaction(session):
        user = create_user(
            session,
            email=email,
            password=password,
            name=name,
            timezone=timezone,
            account=account,
            role=role,
            password_hash=password_hash,
        )
        if company and account is None:
            user.account.name = company
        if with_preset_links:
            create_preset_links(session, user)
    return user


def request_sign_up(
    session: Session, *, email: str, password: str, name: str, timezone: str, company: str = ""
) -> None:
    """Queue the email that answers a sign-up, committed: the link that creates the account
    for a new address, a sign-in reminder for one that has an account."""
    email = email.strip().lower()
    password_hash = hash_password(password)  # for both answers: the time tells nothing either
    with transaction(session):
        existing = user_by_email(session, email)
        if existing is not None:
            mail.send_account_exists(session, existing)
            return
        form = {
            "email": email,
            "password_hash": password_hash,
            "name": name,
            "timezone": timezone,
            "company": company,
        }
        now = int(utcnow().timestamp())  # the app's clock, which the link's age is read by
        token = keyring(current_app.config).encrypt_at_time(json.dumps(form).encode(), now)
        mail.send_signup_link(session, email, name, token.decode(), SIGNUP_LINK_LIFETIME)


def complete_sign_up(session: Session, token: str) -> User:
    """The account a sign-up link asks for, with its preset links, committed.

    :raise NotFound: the link is not one of ours, or it is over 24 hours old.
    :raise AlreadyConfirmed: the address has an account by now.
    """
    ttl = int(SIGNUP_LINK_LIFETIME.total_seconds())
    try:
        now = int(utcnow().timestamp())
        raw = keyring(current_app.config).decrypt_at_time(token.encode("ascii"), ttl, now)
        form = json.loads(raw)
    except (InvalidToken, UnicodeEncodeError, ValueError):
        raise NotFound("This sign-up link has expired or is not valid; sign up again.") from None
    if user_by_email(session, form["email"]) is not None:
        raise AlreadyConfirmed(form["email"])
    return sign_up(
        session,
        email=form["email"],
        password=None,
        password_hash=form["password_hash"],
        name=form["name"],
        timezone=form["timezone"],
        company=form["company"],
    )
