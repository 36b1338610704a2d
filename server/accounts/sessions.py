"""Dashboard sessions, kept on the server (A1, issue 12.3).

The signed cookie carries a random token; the ``user_sessions`` row it names says whether
the session is still on. So logging out really ends it (a copied cookie opens nothing
afterwards), a password reset ends every session of the user, and a session left idle for
:data:`IDLE_TIMEOUT` or older than :data:`MAX_AGE` is over, on every server process alike.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.accounts.models import User, UserSession
from server.db import transaction
from server.tokens import new_token, token_hash

__all__ = [
    "IDLE_TIMEOUT",
    "MAX_AGE",
    "end_session",
    "end_user_sessions",
    "session_user",
    "start_session",
]

#: a session nobody used for this long is over
IDLE_TIMEOUT = timedelta(hours=12)
#: and none lasts longer than this, used or not
MAX_AGE = timedelta(days=14)
#: how stale ``last_seen_at`` may get before a request writes it again (one write a while,
#: not one per request)
_TOUCH_EVERY = timedelta(minutes=5)


def start_session(session: Session, user: User, now: datetime) -> str:
    """A new session of ``user``, committed; its token (the cookie's), seen only here."""
    token = new_token("rdvs_")
    with transaction(session):
        session.add(
            UserSession(
                user_id=user.id, token_hash=token_hash(token), created_at=now, last_seen_at=now
            )
        )
    return token


def session_user(session: Session, token: str, now: datetime) -> User | None:
    """The user of a live session, its last use noted; None when it ended, idled out or aged."""
    row = session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    if row is None or row.ended_at is not None:
        return None
    if now - row.last_seen_at > IDLE_TIMEOUT or now - row.created_at > MAX_AGE:
        return None
    if now - row.last_seen_at > _TOUCH_EVERY:
        with transaction(session):
            row.last_seen_at = now
    return session.get(User, row.user_id)


def end_session(session: Session, token: str, now: datetime) -> None:
    """Log out: this session opens nothing from now on, committed."""
    with transaction(session):
        session.execute(
            update(UserSession)
            .where(UserSession.token_hash == token_hash(token), UserSession.ended_at.is_(None))
            .values(ended_at=now)
            .execution_options(synchronize_session=False)
        )


def end_user_sessions(session: Session, user_id: int, now: datetime) -> None:
    """Inside the caller's unit: every session of the user ends (a password reset)."""
    with transaction(session):
        session.execute(
            update(UserSession)
            .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
            .values(ended_at=now)
            .execution_options(synchronize_session=False)
        )
