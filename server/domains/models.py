"""Custom domains (P4): a domain an account serves its booking pages on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from server.accounts.models import AccountOwned
from server.db import Base, UTCDateTime

__all__ = ["CustomDomain"]


class CustomDomain(AccountOwned, Base):
    """A domain an account serves its booking pages on (P4), once its DNS points at us."""

    __tablename__ = "custom_domains"

    hostname: Mapped[str] = mapped_column(String(253), unique=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
