"""Users, passwords and API tokens. Only hashes are stored, never a password or a token."""

from __future__ import annotations

import hashlib
import itertools
import secrets

from slugify import slugify as _slugify
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from server.accounts.models import Account, ApiToken, User
from server.errors import ValidationFailed

__all__ = [
    "authenticate",
    "create_user",
    "issue_token",
    "slugify",
    "token_hash",
    "user_for_token",
]


def slugify(text: str, fallback: str = "meeting") -> str:
    """Lower-case ASCII words joined by hyphens, for URLs a person can read and type.

    Other scripts are transliterated (python-slugify, through text-unidecode), so
    ``"Алиса Мартин"`` gives ``"alisa-martin"`` and ``"李小龙"`` ``"li-xiao-long"`` rather than
    dropping every letter and leaving only ``fallback``.
    """
    slug = _slugify(text, max_length=63, lowercase=True)
    return slug or fallback


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


#: first path segments of pages that are not a host's links (``/meetings/manage/<token>``)
RESERVED_PREFIXES = frozenset({"manage", "embed", "static", "api", "app", "widget", "admin"})


def _free_prefix(session: Session, wanted: str) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``… : the first that no host has and no page uses."""
    candidates = (wanted if n == 1 else f"{wanted[:58]}-{n}" for n in itertools.count(1))
    for prefix in candidates:
        if prefix in RESERVED_PREFIXES:
            continue
        if session.scalar(select(User.id).where(User.meetings_prefix == prefix)) is None:
            return prefix
    raise AssertionError("unreachable")


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    name: str,
    timezone: str,
    account: Account | None = None,
    with_preset_links: bool = True,
    role: str | None = None,
) -> User:
    """A host, in a new account unless one is given, with the preset links of L1.

    Whoever creates an account is its admin; people added to an account are members unless
    ``role`` says otherwise.
    """
    email = email.strip().lower()
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise ValidationFailed({"email": ["A user with this email already exists."]})
    creates_account = account is None
    if account is None:
        account = Account(name=name, allowed_origins=[], consent_defaults={}, meeting_types=[])
        session.add(account)
    user = User(
        account=account,
        email=email,
        password_hash=generate_password_hash(password),
        name=name,
        timezone=timezone,
        meetings_prefix=_free_prefix(session, slugify(name, fallback="host")),
        role=role or ("admin" if creates_account else "member"),
    )
    session.add(user)
    session.flush()
    if with_preset_links:
        from server.links.services import create_preset_links

        create_preset_links(session, user)
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not check_password_hash(user.password_hash, password):
        return None
    return user


def issue_token(session: Session, user: User, name: str = "") -> str:
    """A new bearer token; only its hash is kept, so this is the one time it is seen."""
    token = "rdv_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=token_hash(token), name=name[:100]))
    return token


def user_for_token(session: Session, token: str) -> User | None:
    return session.scalar(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_hash(token))
    )
