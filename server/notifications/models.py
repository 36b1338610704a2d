"""The outbox: every email, rendered and waiting in the database until the worker sends it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.clock import utcnow
from server.db import Base, UTCDateTime

__all__ = ["MESSAGE_STATUSES", "OutboxMessage"]

#: pending → sent; pending → failed (attempts used up, or refused for good);
#: pending → dropped (a reminder of a meeting moved or cancelled, or whose time went by)
MESSAGE_STATUSES = ("pending", "sent", "failed", "dropped")


class OutboxMessage(Base):
    """One email to one recipient, stored as the exact RFC 5322 text that will be sent.

    Rendering happens when the row is written, inside the transaction that caused it, so
    the worker needs neither templates nor the data behind them and a message can't change
    between a failed attempt and the next. ``next_attempt_at`` doubles as the claim lease:
    a worker that takes a row moves it forward, so another worker skips it until it is due
    again (after a crash, the lease runs out and the message is retried).
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint(f"status IN {MESSAGE_STATUSES}", name="status"),
        # the worker's query: pending rows whose next attempt is due, oldest first
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: null only for the email that finishes a sign-up: no account exists before it
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    #: the message's :attr:`~server.notifications.messages.Email.kind`: invitation,
    #: host_notification, reschedule, cancellation, reminder, request_notice, or account mail
    kind: Mapped[str] = mapped_column(String(32))
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    sender: Mapped[str] = mapped_column(String(254))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(500))
    #: the whole message (headers, text, HTML, .ics), 7-bit clean; ``Date`` is added on sending
    mime: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    #: when the message is meant to leave: now for most, the reminder time for reminders
    send_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: not worth sending after this instant (a reminder once its meeting has begun)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
