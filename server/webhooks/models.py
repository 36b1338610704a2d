"""Webhooks and their deliveries: a durable queue in the database, like the outbox's emails."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.clock import utcnow
from server.crypto import EncryptedText
from server.db import Base, UTCDateTime

__all__ = [
    "DELIVERY_STATUSES",
    "EVENTS",
    "TEST_EVENT",
    "Webhook",
    "WebhookDelivery",
]

#: what a webhook may subscribe to (SPEC §10)
EVENTS = (
    "booking.created",
    "booking.rescheduled",
    "booking.cancelled",
    "meeting_request.created",
)
#: the event "Send a test event" queues; nobody subscribes to it
TEST_EVENT = "ping"
#: pending → delivered (a 2xx answer); pending → failed (24 hours of failures, or refused)
DELIVERY_STATUSES = ("pending", "delivered", "failed")


class Webhook(Base):
    """An account's receiver: where events are POSTed, which ones, and the signing secret.

    The URL and the secret are encrypted at rest (:class:`~server.crypto.EncryptedText`), as
    calendar URLs and passwords are: a hook URL often carries a token of its own.
    """

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(EncryptedText)
    #: a subset of :data:`EVENTS`, in that order
    events: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(EncryptedText)
    #: switched off: no new deliveries, and pending ones are not sent (tests excepted)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="webhook", cascade="all, delete-orphan", passive_deletes=True
    )


class WebhookDelivery(Base):
    """One event for one webhook: the exact body that is POSTed, written with what caused it.

    ``body`` is serialised once, when the row is written, so every retry sends the same bytes
    (only the signature's time changes). ``next_attempt_at`` doubles as the claim lease, as
    the outbox's does: a worker that takes a row moves it forward, so other workers skip it
    until it is due again; it is null once the delivery is delivered or failed.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(f"status IN {DELIVERY_STATUSES}", name="status"),
        # the worker's query: pending rows whose next attempt is due, oldest first
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(
        ForeignKey("webhooks.id", ondelete="CASCADE"), index=True
    )
    #: the body's ``id`` and the ``X-Rendezvous-Delivery`` header: receivers dedupe by it
    delivery_id: Mapped[str] = mapped_column(String(36), unique=True)
    event: Mapped[str] = mapped_column(String(40))
    #: the JSON text POSTed, UTF-8 on the wire
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the receiver's HTTP status on the last attempt; null when it never answered
    last_response_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    webhook: Mapped[Webhook] = relationship(back_populates="deliveries")
