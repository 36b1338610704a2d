from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.accounts.models import User
from server.clock import utcnow
from server.contacts.models import Contact
from server.crypto import EncryptedText
from server.db import Base, UTCDateTime
from server.links.models import BookingLink

__all__ = ["Booking", "BookingChange", "BookingHost", "IdempotentAnswer"]


class Booking(Base):
    """A meeting booked on a link. The manage token is only stored as its SHA-256."""

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("status IN ('confirmed', 'cancelled')", name="status"),
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        Index("ix_bookings_link_start", "link_id", "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    link_id: Mapped[int] = mapped_column(ForeignKey("booking_links.id", ondelete="CASCADE"))
    #: the organiser: the assigned host on round robin, the link owner otherwise
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    #: the visitor's zone, for showing them their own times in messages
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="confirmed")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: what was consented, to which text, when (L9)
    consent: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    utm: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    manage_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: iCalendar SEQUENCE: bumped on every reschedule and on cancel (B5)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    #: the buffers of the link when this was booked: the meeting keeps them (SPEC 11.2)
    buffer_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the name typed on this booking: the contact record is not rewritten by it (issue 12.12)
    visitor_first_name: Mapped[str | None] = mapped_column(String(100))
    visitor_last_name: Mapped[str | None] = mapped_column(String(100))

    link: Mapped[BookingLink] = relationship(lazy="joined")
    host: Mapped[User] = relationship(lazy="joined")
    contact: Mapped[Contact] = relationship(lazy="joined")
    attendees: Mapped[list[BookingHost]] = relationship(
        back_populates="booking", cascade="all, delete-orphan", lazy="selectin"
    )
    changes: Mapped[list[BookingChange]] = relationship(
        back_populates="booking",
        cascade="all, delete-orphan",
        order_by="BookingChange.id",
        lazy="selectin",
    )

    @property
    def visitor_name(self) -> str:
        """The visitor as both sides read them: the name typed on this booking (the contact's
        for bookings made before it was kept), or their email when they gave none."""
        if self.visitor_first_name is not None:
            typed = f"{self.visitor_first_name} {self.visitor_last_name or ''}".strip()
            return typed or self.contact.email
        return f"{self.contact.first_name} {self.contact.last_name}".strip() or self.contact.email


class BookingHost(Base):
    """The time a booking holds on one host's calendar.

    One row per attending host (every host of a group link). On PostgreSQL an exclusion
    constraint forbids two active rows of one user whose ``[start_at, end_at)`` overlap: the
    database's last word against double booking, whatever the application does.
    """

    __tablename__ = "booking_hosts"
    __table_args__ = (Index("ix_booking_hosts_user_start", "user_id", "start_at"),)

    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    booking: Mapped[Booking] = relationship(back_populates="attendees")


class BookingChange(Base):
    """A reschedule or a cancellation: who did it (the visitor or a host), when, and why.

    The contact's timeline and both emails tell it; the booking row keeps only its current state.
    """

    __tablename__ = "booking_changes"
    __table_args__ = (
        CheckConstraint("kind IN ('rescheduled', 'cancelled')", name="kind"),
        CheckConstraint("actor IN ('visitor', 'host')", name="actor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(16))
    #: the host who did it (null for the visitor, or once that user is deleted)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: a reschedule's old time
    previous_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    previous_end_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    booking: Mapped[Booking] = relationship(back_populates="changes")
    actor_user: Mapped[User | None] = relationship()

    @property
    def actor_name(self) -> str:
        """Who made the change: the visitor's name, or the host's ("" once that user is gone)."""
        if self.actor == "host":
            return self.actor_user.name if self.actor_user is not None else ""
        return self.booking.visitor_name


class IdempotentAnswer(Base):
    """The first answer to a booking sent with an ``Idempotency-Key``, for its repeats.

    It commits with the booking it answers, so a key has a booking and its answer or neither;
    the unique key hash makes a concurrent repeat fail as a whole rather than book twice.
    The answer holds the manage token, so it is encrypted like other secrets at rest.
    """

    __tablename__ = "idempotent_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the endpoint and the client's key: a key is only the same on one link
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: SHA-256 of the request body: the same key with another body is a client's mistake
    fingerprint: Mapped[str] = mapped_column(String(64))
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    status_code: Mapped[int] = mapped_column(Integer)
    #: the answer's JSON body and Location header
    body: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
