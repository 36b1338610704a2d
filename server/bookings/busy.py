"""Confirmed bookings as busy time: the first source the availability engine reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.availability.intervals import Interval
from server.bookings.models import BookingHost

__all__ = ["BookingsBusySource"]


class BookingsBusySource:
    """Each host's active bookings, on every link, as half-open UTC intervals."""

    def __init__(self, session: Session, *, exclude_booking_id: int | None = None) -> None:
        self.session = session
        self.exclude_booking_id = exclude_booking_id

    def busy_intervals(
        self, host_ids: Sequence[int], start: datetime, end: datetime
    ) -> dict[int, list[Interval]]:
        query = select(BookingHost.user_id, BookingHost.start_at, BookingHost.end_at).where(
            BookingHost.user_id.in_(host_ids),
            BookingHost.active.is_(True),
            BookingHost.start_at < end,
            BookingHost.end_at > start,
        )
        if self.exclude_booking_id is not None:
            query = query.where(BookingHost.booking_id != self.exclude_booking_id)
        busy: dict[int, list[Interval]] = {host_id: [] for host_id in host_ids}
        for user_id, busy_start, busy_end in self.session.execute(query):
            busy[user_id].append(Interval(busy_start, busy_end))
        return busy
