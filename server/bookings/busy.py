"""A host's busy time as the engine reads it: their confirmed bookings and their calendars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.availability.intervals import Interval, Meeting
from server.bookings.models import Booking, BookingHost
from server.calendars.busy import CalendarBusySource

__all__ = ["LONGEST_BUFFER", "BookingsBusySource", "HostsBusy"]

#: The longest buffer a link can have (``LinkSchema`` caps both at 720 minutes): how far
#: outside the asked range a booking may lie and still reach into it with the buffers it keeps.
LONGEST_BUFFER = timedelta(minutes=720)


class BookingsBusySource:
    """Each host's active bookings, on every link, as meetings keeping their buffers (§11.2)."""

    def __init__(self, session: Session, *, exclude_booking_id: int | None = None) -> None:
        self.session = session
        self.exclude_booking_id = exclude_booking_id

    def busy_intervals(
        self, host_ids: Sequence[int], start: datetime, end: datetime
    ) -> dict[int, list[Interval]]:
        """Each host's bookings whose time or kept buffers overlap ``[start, end)``."""
        query = (
            select(
                BookingHost.user_id,
                BookingHost.start_at,
                BookingHost.end_at,
                Booking.buffer_before_minutes,
                Booking.buffer_after_minutes,
            )
            .join(Booking, Booking.id == BookingHost.booking_id)
            .where(
                BookingHost.user_id.in_(host_ids),
                BookingHost.active.is_(True),
                BookingHost.start_at < end + LONGEST_BUFFER,
                BookingHost.end_at > start - LONGEST_BUFFER,
            )
        )
        if self.exclude_booking_id is not None:
            query = query.where(BookingHost.booking_id != self.exclude_booking_id)
        busy: dict[int, list[Interval]] = {host_id: [] for host_id in host_ids}
        for user_id, busy_start, busy_end, before, after in self.session.execute(query):
            meeting = Meeting(busy_start, busy_end, before, after)
            padded = meeting.padded
            if padded.start < end and padded.end > start:
                busy[user_id].append(meeting)
        return busy


class HostsBusy:
    """Every source of a host's busy time, together: what a slot must avoid (SPEC §11).

    The bookings of every link, with the buffers they keep, and the events of the host's
    checked calendars from the cache (a reschedule leaves out the booking it moves).
    """

    def __init__(
        self,
        session: Session,
        *,
        exclude_booking_id: int | None = None,
        live: Mapping[int, Sequence[Interval]] | None = None,
    ) -> None:
        """``live``: what the hosts' calendars said just now (the commit-time check)."""
        self.sources = (
            BookingsBusySource(session, exclude_booking_id=exclude_booking_id),
            CalendarBusySource(session),
        )
        self.live = live or {}

    def busy_intervals(
        self, host_ids: Sequence[int], start: datetime, end: datetime
    ) -> dict[int, list[Interval]]:
        busy: dict[int, list[Interval]] = {host_id: [] for host_id in host_ids}
        for source in self.sources:
            for host_id, intervals in source.busy_intervals(host_ids, start, end).items():
                busy[host_id].extend(intervals)
        for host_id in host_ids:
            busy[host_id].extend(
                i for i in self.live.get(host_id, ()) if i.start < end and i.end > start
            )
        return busy
