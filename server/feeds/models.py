from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.accounts.models import User
from server.crypto import EncryptedText
from server.db import Base, UTCDateTime

__all__ = ["CalendarFeed"]


class CalendarFeed(Base):
    """A host's subscription address. Looked up by the token's SHA-256; the token itself is
    kept encrypted so the dashboard can show the address again (it is the host's own)."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: when a calendar app last read it (kept to the hour: a poll is not a write)
    last_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")
