"""Custom domains (P4): a domain an account serves its booking pages on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.clock import utcnow
from server.db import Base, UTCDateTime

__all__ = ["CustomDomain"]


class CustomDomain(Base):
    """A domain an account serves its booking pages on (P4), once its DNS points at us."""

    __tablename__ = "custom_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    hostname: Mapped[str] = mapped_column(String(253), unique=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
