"""Who is signed in to the dashboard (A1): a tiny Flask-Login, on Flask's signed cookie session.

The cookie holds a session token (:mod:`server.accounts.sessions` keeps whether that session
is still on: logging out ends it, a password reset ends all of the user's, and an idle or old
one is over) and a fingerprint of the user's password hash, so a new password also ends every
session at once. Every server process reads the same rows (SPEC §2).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, session, url_for

from server.accounts.models import User
from server.accounts.sessions import end_session, session_user, start_session
from server.clock import utcnow
from server.db import get_session

__all__ = [
    "admin_required",
    "current_user",
    "signed_in_user",
    "log_in",
    "log_out",
    "login_required",
    "safe_next",
]

F = TypeVar("F", bound=Callable[..., Any])
_SESSION = "session_token"
_FINGERPRINT = "password_fingerprint"


def _fingerprint(user: User) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, user.password_hash.encode(), hashlib.sha256).hexdigest()[:32]


def log_in(user: User) -> None:
    """Start a fresh session (a new CSRF token too: no fixation of a pre-login session)."""
    session.clear()
    session[_SESSION] = start_session(get_session(), user, utcnow())
    session[_FINGERPRINT] = _fingerprint(user)
    session.permanent = True
    g.dashboard_user = user


def log_out() -> None:
    """End this session on the server too: a copy of the cookie opens nothing afterwards."""
    token = session.get(_SESSION)
    if isinstance(token, str):
        end_session(get_session(), token, utcnow())
    session.clear()
    g.dashboard_user = None


def current_user() -> User | None:
    """The signed-in user, or ``None`` (no session, an ended or idle one, a deleted user, a
    changed password)."""
    if "dashboard_user" in g:
        return g.dashboard_user
    user = None
    token = session.get(_SESSION)
    if isinstance(token, str):
        candidate = session_user(get_session(), token, utcnow())
        if candidate is not None and hmac.compare_digest(
            session.get(_FINGERPRINT, ""), _fingerprint(candidate)
        ):
            user = candidate
    g.dashboard_user = user
    return user


def signed_in_user() -> User:
    """The user of a view behind ``login_required``: never ``None`` there."""
    user = current_user()
    assert user is not None  # login_required saw to it
    return user


def safe_next(target: str | None) -> str | None:
    """Only a path of the dashboard itself: ``?next=`` must never send anyone elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/app/") or "\\" in target:
        return None
    return target


def login_required(view: F) -> F:
    """Send a visitor without a session to the login page, coming back here afterwards."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            back = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("dashboard.login", next=safe_next(back)))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def admin_required(view: F) -> F:
    """Account settings are for admins (SPEC §1 "account admin").

    :raise 403: a member.
    """

    @wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = current_user()
        if user is None or user.role != "admin":
            abort(403, "Only an admin of this account can change this.")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
