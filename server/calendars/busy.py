"""Busy time from the hosts' calendars, as the slot engine reads it: from the cache only.

Slots never wait for a provider (SPEC §5): this reads ``calendar_busy``, which the worker
keeps fresh, and only the calendars the host checks for conflicts (C2).

A host with a full agenda has thousands of cached events, and every GET slots would read
hundreds of them back from the database. Each process keeps each calendar's rows in memory
instead, under the calendar's ``busy_version``: one small query per request says which
versions are current, and a version is renewed, never reused, in the unit of work of every
sync that changes the rows. A sync on any process or machine is thus seen by the next
request everywhere, and a calendar's rows are read once per change, not once per request.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.availability.intervals import Interval
from server.calendars.models import Calendar, CalendarBusy

__all__ = ["CalendarBusySource", "CalendarEvent", "forget_cached_busy"]

#: how many cached events a process keeps in memory at most, over all calendars (about
#: 200 bytes each): the least recently read calendars go first
CACHE_LIMIT = 200_000


@dataclass(frozen=True, slots=True)
class CalendarEvent(Interval):
    """A busy event of a host's calendar: an interval that can say what it is, so the
    troubleshooter names it ("busy: 'Dentist' — Work calendar")."""

    summary: str = ""
    calendar_name: str = ""


@dataclass(frozen=True, slots=True)
class _Rows:
    """One calendar's busy events at one version, by start, and the longest of them (how
    far before a range an event can start and still reach into it)."""

    starts: list[datetime]
    events: list[CalendarEvent]
    longest: timedelta

    def overlapping(self, start: datetime, end: datetime) -> list[CalendarEvent]:
        first = bisect_left(self.starts, start - self.longest)
        last = bisect_left(self.starts, end)
        return [event for event in self.events[first:last] if event.end > start]


class _Memory:
    """The process's calendars' rows, by (version, name): a least-recently-used map."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._rows: OrderedDict[tuple[str, str], _Rows] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> _Rows | None:
        with self._lock:
            rows = self._rows.get(key)
            if rows is not None:
                self._rows.move_to_end(key)
            return rows

    def put(self, key: tuple[str, str], rows: _Rows) -> None:
        if len(rows.events) > self.limit:
            return
        with self._lock:
            if key in self._rows:
                return
            self._rows[key] = rows
            self._size += len(rows.events)
            while self._size > self.limit:
                _, evicted = self._rows.popitem(last=False)
                self._size -= len(evicted.events)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()
            self._size = 0


_memory = _Memory(CACHE_LIMIT)


def forget_cached_busy() -> None:
    """Drop what this process keeps in memory (a benchmark's cold start)."""
    _memory.clear()


def _load(session: Session, calendar_id: int, name: str) -> _Rows:
    found = session.execute(
        select(CalendarBusy.start_at, CalendarBusy.end_at, CalendarBusy.summary)
        .where(CalendarBusy.calendar_id == calendar_id)
        .order_by(CalendarBusy.start_at)
    ).all()
    events = [CalendarEvent(start, end, summary, name) for start, end, summary in found]
    longest = max((event.end - event.start for event in events), default=timedelta(0))
    return _Rows([event.start for event in events], events, longest)


class CalendarBusySource:
    """Each host's cached busy events on their checked calendars."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def busy_intervals(
        self, host_ids: Sequence[int], start: datetime, end: datetime
    ) -> dict[int, list[Interval]]:
        """Each host's calendar events overlapping ``[start, end)``; every host id is a key."""
        calendars = self.session.execute(
            select(Calendar.id, Calendar.user_id, Calendar.name, Calendar.busy_version).where(
                Calendar.user_id.in_(host_ids), Calendar.check_conflicts.is_(True)
            )
        ).all()
        busy: dict[int, list[Interval]] = {host_id: [] for host_id in host_ids}
        for calendar_id, user_id, name, version in calendars:
            key = (version, name)
            rows = _memory.get(key)
            if rows is None:
                # Read after the version, so these rows are that version's or newer: never
                # older rows under a newer version (a newer one only means a reload later).
                rows = _load(self.session, calendar_id, name)
                _memory.put(key, rows)
            busy[user_id].extend(rows.overlapping(start, end))
        return busy
