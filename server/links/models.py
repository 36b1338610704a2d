from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.accounts.models import User
from server.availability.engine import KINDS
from server.availability.rules import DailyHours
from server.clock import utcnow
from server.db import Base, UTCDateTime
from server.errors import ValidationFailed

__all__ = ["LINK_TYPES", "BookingLink", "LinkDateOverride", "LinkHost", "LinkHours"]

#: a link's ``type`` is one of the kinds the availability engine knows how to schedule
LINK_TYPES = KINDS


class BookingLink(Base):
    """A meeting link. ``slug`` is the full public path after ``/meetings/``, fixed at creation."""

    __tablename__ = "booking_links"
    __table_args__ = (
        CheckConstraint(f"type IN ({', '.join(repr(t) for t in LINK_TYPES)})", name="type"),
        CheckConstraint(
            "(window_rolling_weeks IS NOT NULL) OR "
            "(window_start_date IS NOT NULL AND window_end_date IS NOT NULL)",
            name="window",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20), default="one_on_one")
    photo_url: Mapped[str | None] = mapped_column(String(2000))
    meeting_type: Mapped[str | None] = mapped_column(String(100))
    durations: Mapped[list[int]] = mapped_column(JSON)
    slot_interval_minutes: Mapped[int | None] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    minimum_notice_minutes: Mapped[int] = mapped_column(Integer, default=0)
    buffer_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, default=0)
    window_rolling_weeks: Mapped[int | None] = mapped_column(Integer)
    window_start_date: Mapped[date | None] = mapped_column(Date)
    window_end_date: Mapped[date | None] = mapped_column(Date)
    location: Mapped[str | None] = mapped_column(String(500))
    video_link: Mapped[str | None] = mapped_column(String(2000))
    subject: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="en")
    locale: Mapped[str] = mapped_column(String(16), default="en-US")
    reminders: Mapped[dict[str, Any]] = mapped_column(JSON)
    form: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    consent: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: the link's own GDPR settings, kept while the link follows the account's defaults (L9)
    consent_custom: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: deleting a link archives it: its bookings and their history stay
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: renewed in the unit of work of every change to the link, its hours, date overrides
    #: or hosts: each process's cached slots know at once (:mod:`server.bookings.freshness`)
    slots_version: Mapped[str | None] = mapped_column(String(32))

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    hosts: Mapped[list[LinkHost]] = relationship(
        order_by="LinkHost.position", cascade="all, delete-orphan", lazy="selectin"
    )
    hours: Mapped[list[LinkHours]] = relationship(
        order_by="(LinkHours.weekday, LinkHours.start_time)",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    date_overrides: Mapped[list[LinkDateOverride]] = relationship(
        order_by="(LinkDateOverride.day, LinkDateOverride.start_time)",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    def duration_for(self, asked: int | None) -> int:
        """The meeting length a request means: what it asked for, or the link's first.

        The one rule for every place that takes a duration (slots, booking, troubleshooting,
        scheduling for a contact).

        :raise ValidationFailed: the link doesn't offer ``asked``.
        """
        if not asked:
            return self.durations[0]
        if asked not in self.durations:
            raise ValidationFailed({"duration": [f"Choose one of {self.durations} minutes."]})
        return asked

    @property
    def host_ids(self) -> list[int]:
        return [h.user_id for h in self.hosts]

    @property
    def weekly_hours(self) -> dict[int, DailyHours]:
        """The ``hours`` rows as the engine reads them: weekday (0 = Monday) → its intervals.

        Weekdays without hours are left out. Also what the API's ``availability`` shows.
        """
        weekly: dict[int, list[tuple[time, time]]] = {}
        for row in self.hours:
            weekly.setdefault(row.weekday, []).append((row.start_time, row.end_time))
        return {day: tuple(pairs) for day, pairs in weekly.items()}

    @property
    def override_hours(self) -> dict[date, DailyHours]:
        """The ``date_overrides`` rows as the engine reads them: date → its intervals, where
        an empty tuple (a row without times) makes the date a day off."""
        overrides: dict[date, list[tuple[time, time]]] = {}
        for row in self.date_overrides:
            pairs = overrides.setdefault(row.day, [])
            if row.start_time is not None and row.end_time is not None:
                pairs.append((row.start_time, row.end_time))
        return {day: tuple(pairs) for day, pairs in overrides.items()}


class LinkHost(Base):
    """A host who attends (group) or may be assigned (round robin) the link's meetings."""

    __tablename__ = "link_hosts"

    link_id: Mapped[int] = mapped_column(
        ForeignKey("booking_links.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)

    user: Mapped[User] = relationship(lazy="joined")


class LinkHours(Base):
    """One interval of weekly hours, wall-clock in the link's zone. ``end_time`` 00:00 is 24:00."""

    __tablename__ = "link_hours"
    __table_args__ = (CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(
        ForeignKey("booking_links.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)


class LinkDateOverride(Base):
    """Other hours on one local date; a row without times makes the date a day off."""

    __tablename__ = "link_date_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(
        ForeignKey("booking_links.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
