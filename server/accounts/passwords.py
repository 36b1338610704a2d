"""Password reset by emailed link (A1), without a table; and changing it when signed in.

The link carries the user's id and a fingerprint of their current password hash, signed and
dated with the app's secret (itsdangerous). It works once: setting the new password changes
the hash, so the same link no longer matches; it also lapses after an hour.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from server.accounts import mail
from server.accounts.models import ApiToken, User
from server.accounts.services import user_by_email
from server.accounts.sessions import end_user_sessions
from server.clock import utcnow
from server.db import transaction
from server.errors import ValidationFailed

__all__ = [
    "RESET_LIFETIME_SECONDS",
    "change_password",
    "request_reset",
    "reset_token",
    "set_password",
    "user_for_reset_token",
]

RESET_LIFETIME_SECONDS = 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def reset_token(user: User) -> str:
    return _serializer().dumps([user.id, _fingerprint(user)])


def user_for_reset_token(session: Session, token: str) -> User | None:
    """The user the link was made for, or ``None``: bad, expired or already used."""
    if len(token) > 500:
        return None
    try:
        user_id, fingerprint = _serializer().loads(token, max_age=RESET_LIFETIME_SECONDS)
    except (BadSignature, ValueError, TypeError):
        return None
    user = (
        session.scalar(select(User).where(User.id == user_id)) if isinstance(user_id, int) else None
    )
    if user is None or fingerprint != _fingerprint(user):
        return None
    return user


def request_reset(session: Session, email: str) -> None:
    """Queue a reset link for the user of ``email``, committed; nothing for an unknown address
    (the page says the same either way, so addresses can't be probed)."""
    with transaction(session):
        user = user_by_email(session, email)
        if user is not None:
            valid_for = timedelta(seconds=RESET_LIFETIME_SECONDS)
            mail.send_reset_link(session, user, reset_token(user), valid_for)


def set_password(session: Session, user: User, password: str, *, keep_tokens: bool = False) -> None:
    """The new password, committed; it also ends the reset link, every session of the user
    and, unless ``keep_tokens``, every API token they made (whoever had the old password may
    have kept one)."""
    with transaction(session):
        user.password_hash = generate_password_hash(password)
        end_user_sessions(session, user.id, utcnow())
        if not keep_tokens:
            session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """A signed-in user's new password, committed: every session ends (the caller starts a
    fresh one for the browser that changed it); API tokens stay, since the user who knew the
    password is the one changing it (a reset, by email, revokes them).

    :raise ValidationFailed: ``current`` is not the password (under ``current_password``).
    """
    if not check_password_hash(user.password_hash, current):
        raise ValidationFailed({"current_password": ["This is not your current password."]})
    set_password(session, user, new, keep_tokens=True)
