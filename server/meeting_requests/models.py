from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.clock import utcnow
from server.contacts.models import Contact
from server.db import Base, UTCDateTime
from server.links.models import BookingLink

__all__ = ["VisitorRequest"]


class VisitorRequest(Base):
    """What a visitor asked for on a link's request form; the host answers by email."""

    __tablename__ = "meeting_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    link_id: Mapped[int] = mapped_column(ForeignKey("booking_links.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    #: the visitor's own words: "Tuesday afternoon, or any morning next week"
    preferred_times: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    link: Mapped[BookingLink] = relationship()
    contact: Mapped[Contact] = relationship()
