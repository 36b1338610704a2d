"""Where busy time comes from, as the engine's callers see it (bookings now, calendars later).

The engine itself only takes intervals; this protocol lets the code around it gather them
from any source without the engine ever importing a database.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from server.availability.intervals import Interval

__all__ = ["BusySource"]


class BusySource(Protocol):
    def busy_intervals(
        self, host_ids: Sequence[int], start: datetime, end: datetime
    ) -> dict[int, list[Interval]]:
        """Each host's busy intervals that overlap ``[start, end)``; every host id is a key.

        Booked meetings come as :class:`~server.availability.intervals.Meeting`, with the
        buffers they keep, whenever those buffers reach into ``[start, end)``: a meeting of
        another link may not sit in them (SPEC §11.2).
        """
        ...
