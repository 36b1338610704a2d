"""Half-open UTC intervals ``[start, end)``: the one shape busy time and meetings take.

Half-open, so that a meeting ending at 14:00 and one starting at 14:00 never collide. All
instants are normalised to UTC on the way in: comparing two datetimes that share the UTC
``tzinfo`` is a plain field comparison, which keeps the engine's sweeps cheap.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import attrgetter

__all__ = ["Interval", "Meeting", "as_utc", "merge", "overlaps"]


def as_utc(moment: datetime, name: str = "datetime") -> datetime:
    """``moment`` in UTC; a naive datetime is refused because its instant is unknowable.

    :raise ValueError: ``moment`` is naive.
    """
    if moment.tzinfo is UTC:
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Whether ``[a_start, a_end)`` and ``[b_start, b_end)`` share an instant.

    The one overlap rule of the engine. Touching intervals don't overlap (back-to-back
    meetings are fine), and an empty interval overlaps nothing.
    """
    return max(a_start, b_start) < min(a_end, b_end)


@dataclass(frozen=True, slots=True)
class Interval:
    """``[start, end)`` in UTC; any aware datetimes are accepted and converted.

    :raise ValueError: a naive datetime, or an end before the start.
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is not UTC:
            object.__setattr__(self, "start", as_utc(self.start, "Interval start"))
        if self.end.tzinfo is not UTC:
            object.__setattr__(self, "end", as_utc(self.end, "Interval end"))
        if self.end < self.start:
            raise ValueError(f"Interval ends before it starts: {self.start} > {self.end}")

    def overlaps(self, other: Interval) -> bool:
        return overlaps(self.start, self.end, other.start, other.end)


@dataclass(frozen=True, slots=True)
class Meeting(Interval):
    """A confirmed booking as busy time, with the buffers it keeps from the link it was booked
    on (SPEC §11.2): no other meeting of its host may start or end inside them.

    :raise ValueError: as :class:`Interval`, an empty meeting, or a negative buffer.
    """

    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0

    def __post_init__(self) -> None:
        Interval.__post_init__(self)
        if self.end == self.start:
            raise ValueError(f"A meeting lasts: it starts and ends at {self.start}")
        if self.buffer_before_minutes < 0 or self.buffer_after_minutes < 0:
            raise ValueError("A meeting's buffers must not be negative")

    @property
    def padded(self) -> Interval:
        """The meeting with its buffers: the time its host isn't available for another."""
        return Interval(
            self.start - timedelta(minutes=self.buffer_before_minutes),
            self.end + timedelta(minutes=self.buffer_after_minutes),
        )


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, disjoint, non-empty intervals covering the same instants as ``intervals``.

    Overlapping and touching intervals are joined, so a sweep over the result only ever
    has to look at one interval at a time.
    """
    merged: list[Interval] = []
    for interval in sorted(intervals, key=attrgetter("start")):
        if interval.start == interval.end:
            continue
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged
