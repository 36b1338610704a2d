"""An account is a tenant; its users are the hosts who own and attend meetings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.clock import utcnow
from server.db import Base, UTCDateTime

__all__ = [
    "ROLES",
    "Account",
    "AccountOwned",
    "ApiToken",
    "AuditRecord",
    "Invitation",
    "User",
    "UserSession",
]

#: an admin changes the account (branding, domains, GDPR defaults, team); a member their links
ROLES = ("admin", "member")


class AccountOwned:
    """The columns of a row that belongs to one account (A2) and goes when the account goes:
    its id, its ``account_id`` (what :func:`server.accounts.access.account_row` checks) and
    when it was made."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-10)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True, sort_order=-9
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: origins allowed to call the public API from a browser (P5); empty means any
    allowed_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: account-wide defaults new links inherit (L9 GDPR, P3 branding)
    consent_defaults: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    logo_url: Mapped[str | None] = mapped_column(String(2000))
    accent_color: Mapped[str] = mapped_column(String(7), default="#2f6fed")
    meeting_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: the account's default meeting link (P2); no foreign key, links point back at accounts
    default_link_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="account", order_by="User.id")


class User(AccountOwned, Base):
    """A host. ``meetings_prefix`` is the first segment of the slugs of links created next (P1)."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    meetings_prefix: Mapped[str] = mapped_column(String(64), unique=True)
    photo_url: Mapped[str | None] = mapped_column(String(2000))
    role: Mapped[str] = mapped_column(String(16), default="member", server_default="member")
    #: renewed in the unit of work of every change to the time the host's bookings hold, so
    #: each process's cached slots know at once (:mod:`server.bookings.freshness`)
    slots_version: Mapped[str | None] = mapped_column(String(32))

    account: Mapped[Account] = relationship(back_populates="users")


class ApiToken(Base):
    """A bearer token of the host API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: what the user called it, to know which one to revoke
    name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: after this the token opens nothing (issue 12.3); null for tokens made before
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class UserSession(Base):
    """One signed-in dashboard session (A1, issue 12.3): the cookie holds its token, only the
    token's SHA-256 is stored. Logging out ends it; a password reset ends all of the user's;
    one left idle, or too old, opens nothing."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Invitation(AccountOwned, Base):
    """An emailed invitation to join an account; only the SHA-256 of its token is stored."""

    __tablename__ = "invitations"

    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditRecord(AccountOwned, Base):
    """Who did what to personal data, and when (A6): a contact's export or erasure. The
    record names the contact by id only, so it outlives the erasure it tells of."""

    __tablename__ = "audit_records"

    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: who, as they were named then (the user may be deleted later)
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
