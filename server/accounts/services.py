"""Users, passwords and API tokens. Only hashes are stored, never a password or a token."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from server.accounts.access import account_row
from server.accounts.models import Account, ApiToken, User
from server.clock import utcnow
from server.db import transaction
from server.errors import Forbidden, NotFound, ValidationFailed
from server.pagination import Page, paginate
from server.slugs import first_free, slugify
from server.tokens import new_token, token_hash

__all__ = [
    "hash_password",
    "RESERVED_PREFIXES",
    "authenticate",
    "create_user",
    "delete_account_row",
    "issue_token",
    "prefix_taken",
    "revoke_token",
    "update_account",
    "user_by_email",
    "user_for_token",
    "tokens_page",
    "user_tokens",
]

T = TypeVar("T")

#: first path segments of pages that are not a host's links (``/meetings/manage/<token>``)
RESERVED_PREFIXES = frozenset({"manage", "embed", "static", "api", "app", "widget", "admin"})


def prefix_taken(session: Session, prefix: str, *, by_other_than: User | None = None) -> bool:
    """Another host has this prefix, or a page of the app uses it as its first segment."""
    if prefix in RESERVED_PREFIXES:
        return True
    query = select(User.id).where(User.meetings_prefix == prefix)
    if by_other_than is not None:
        query = query.where(User.id != by_other_than.id)
    return session.scalar(query) is not None


def _free_prefix(session: Session, wanted: str) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``… : the first that no host has and no page uses."""
    return first_free(wanted, lambda prefix: prefix_taken(session, prefix))


def create_user(
    session: Session,
    *,
    email: str,
    password: str | None,
    name: str,
    timezone: str,
    account: Account | None = None,
    role: str | None = None,
    password_hash: str | None = None,
) -> User:
    """A host, in a new account unless one is given, without links (sign-up adds the preset
    links: :func:`server.accounts.signup.sign_up`). ``password_hash`` instead of ``password``:
    one hashed when the sign-up was asked for (:func:`server.accounts.signup.request_sign_up`).

    Whoever creates an account is its admin; people added to an account are members unless
    ``role`` says otherwise.

    :raise ValidationFailed: a user with this email exists.
    """
    email = email.strip().lower()
    if user_by_email(session, email) is not None:
        raise ValidationFailed({"email": ["A user with this email already exists."]})
    creates_account = account is None
    if account is None:
        account = Account(name=name, allowed_origins=[], consent_defaults={}, meeting_types=[])
        session.add(account)
    user = User(
        account=account,
        email=email,
        password_hash=password_hash or generate_password_hash(password or ""),
        name=name,
        timezone=timezone,
        meetings_prefix=_free_prefix(session, slugify(name, fallback="host")),
        role=role or ("admin" if creates_account else "member"),
    )
    session.add(user)
    session.flush()
    return user


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def user_by_email(session: Session, email: str) -> User | None:
    """The user of ``email``, whatever its case: one address is one user."""
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def update_account(
    session: Session, account: Account, changes: Mapping[str, Any], *, by: User | None = None
) -> Account:
    """Account settings (name, meeting types, allowed origins, accent colour), committed.

    ``changes`` are already validated by the caller's schema; their keys are attribute names.
    ``by``: the user asking, when the caller hasn't checked the role (the API).

    :raise Forbidden: ``by`` is not an admin of the account (A2).
    """
    if by is not None and (by.role != "admin" or by.account_id != account.id):
        raise Forbidden("Only an admin of this account can change its settings.")
    with transaction(session):
        for name, value in changes.items():
            setattr(account, name, value)
    return account


def delete_account_row(
    session: Session, model: type[T], row_id: int, account_id: int, what: str
) -> T:
    """Delete one row of the account (a domain, an invitation), committed; the deleted row.

    :raise NotFound: "No such <what>." (:func:`server.accounts.access.account_row`).
    """
    with transaction(session):
        row = account_row(session, model, row_id, account_id, what)
        session.delete(row)
    return row


@cache
def _dummy_hash() -> str:
    """A hash made like every real one, checked for unknown addresses: a login then takes as
    long whether the address has an account or not, so timing can't tell which do."""
    return generate_password_hash(secrets.token_urlsafe(16))


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    return user


#: how long a bearer token opens the API (a new one is a login away)
TOKEN_LIFETIME = timedelta(days=90)


def issue_token(session: Session, user: User, name: str = "") -> str:
    """A new bearer token, committed; only its hash is kept, so this is the one time it is
    seen."""
    return issue_api_token(session, user, name)[0]


def issue_api_token(session: Session, user: User, name: str = "") -> tuple[str, ApiToken]:
    """:func:`issue_token`, with its row (id, expiry) for an answer that lists it."""
    token = new_token("rdv_")
    now = utcnow()
    row = ApiToken(
        user_id=user.id,
        token_hash=token_hash(token),
        name=name[:100],
        created_at=now,
        expires_at=now + TOKEN_LIFETIME,
    )
    with transaction(session):
        session.add(row)
    return token, row


def user_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first (the dashboard lists them to revoke one)."""
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def tokens_page(session: Session, user: User, *, limit: int, cursor: str | None = None) -> Page:
    """The host API's list of the user's tokens, newest first, a page at a time."""
    statement = select(ApiToken).where(ApiToken.user_id == user.id)
    return paginate(
        session, statement, order=[ApiToken.id], limit=limit, cursor=cursor, descending=True
    )


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    """Delete one of the user's tokens, committed: it no longer opens the API.

    :raise NotFound: not a token of this user.
    """
    with transaction(session):
        token = session.get(ApiToken, token_id)
        if token is None or token.user_id != user.id:
            raise NotFound("No such token.")
        session.delete(token)
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The user of a bearer token that is neither revoked nor expired."""
    return session.scalar(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == token_hash(token),
            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > utcnow()),
        )
    )
