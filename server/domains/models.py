"""Custom domains (P4): a domain an account serves its booking pages on."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from server.accounts.models import AccountOwned
from server.db import Base, UTCDateTime

__all__ = ["CustomDomain"]


def new_verification_token() -> str:
    return f"rendezvous-verify={secrets.token_hex(16)}"


class CustomDomain(AccountOwned, Base):
    """A domain an account serves its booking pages on (P4), once it is proven theirs (a TXT
    record with ``verification_token``) and its DNS points at us.

    Any number of accounts may claim one hostname while it is pending: a claim blocks
    nobody, the TXT record decides, and only one account can hold it verified.
    """

    __tablename__ = "custom_domains"
    __table_args__ = (
        UniqueConstraint("account_id", "hostname"),
        Index(
            "uq_custom_domains_verified_hostname",
            "hostname",
            unique=True,
            sqlite_where=text("verified_at IS NOT NULL"),
            postgresql_where=text("verified_at IS NOT NULL"),
        ),
    )

    hostname: Mapped[str] = mapped_column(String(253), index=True)
    #: what the TXT record at ``_rendezvous.<hostname>`` must say
    verification_token: Mapped[str] = mapped_column(String(64), default=new_verification_token)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
