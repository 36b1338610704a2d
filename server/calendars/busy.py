"""Busy time from the hosts' calendars, as the slot engine reads it: from the cache only.

Slots never wait for a provider (SPEC §5): this reads ``calendar_busy``, which the worker
keeps fresh, and only the calendars the host checks for conflicts (C2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.availability.intervals import Interval
from server.calendars.models import Calendar, CalendarBusy

__all__ = ["CalendarBusySource", "CalendarEvent"]


@dataclass(frozen=True, slots=True)
class CalendarEvent(Interval):
    """A busy event of a host's calendar: an interval that can say what it is, so the
    troubleshooter names it ("busy: 'Dentist' — Work calendar")."""

    summary: str = ""
    calendar_name: str = ""


class CalendarBusySource:
    """Each host's cached busy events on their checked calendars."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def busy_intervals(
        self, host_ids: Sequence[int], start: datetime, end: datetime
    ) -> dict[int, list[Interval]]:
        """Each host's calendar events overlapping ``[start, end)``; every host id is a key."""
        query = (
            select(
                CalendarBusy.user_id,
                CalendarBusy.start_at,
                CalendarBusy.end_at,
                CalendarBusy.summary,
                Calendar.name,
            )
            .join(Calendar, Calendar.id == CalendarBusy.calendar_id)
            .where(
                CalendarBusy.user_id.in_(host_ids),
                Calendar.check_conflicts.is_(True),
                CalendarBusy.start_at < end,
                CalendarBusy.end_at > start,
            )
        )
        busy: dict[int, list[Interval]] = {host_id: [] for host_id in host_ids}
        for user_id, busy_start, busy_end, summary, calendar_name in self.session.execute(query):
            busy[user_id].append(CalendarEvent(busy_start, busy_end, summary, calendar_name))
        return busy
