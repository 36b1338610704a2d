"""What a booking link asks of its slots, as plain values (SPEC §3 L6, L7 and §11)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["DailyHours", "SlotRules", "Window"]

#: Local wall-clock intervals of one day, ``[(time(9), time(12)), (time(13), time(17))]``.
#: ``time(0)`` as an end means midnight at the end of the day.
DailyHours = tuple[tuple[time, time], ...]


@dataclass(frozen=True, slots=True)
class Window:
    """Which local dates may be booked: rolling weeks from today, or a fixed date range."""

    rolling_weeks: int | None = 4
    start_date: date | None = None
    end_date: date | None = None


@dataclass(frozen=True, slots=True)
class SlotRules:
    """Everything about a link that decides its candidate starts, in the link's time zone."""

    timezone: str
    #: weekday (0 = Monday … 6 = Sunday) -> hours of that weekday
    weekly_hours: dict[int, DailyHours]
    duration_minutes: int
    #: start-time increment; ``None`` means the duration
    slot_interval_minutes: int | None = None
    #: a date listed here replaces its weekday's hours; an empty tuple is a day off
    date_overrides: dict[date, DailyHours] = field(default_factory=dict)
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    minimum_notice_minutes: int = 0
    window: Window = field(default_factory=Window)

    def __post_init__(self) -> None:
        """Refuse rules the engine can't honour, rather than loop forever or guess a zone."""
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"Unknown time zone {self.timezone!r}") from exc
        if self.duration_minutes <= 0:
            raise ValueError("duration_minutes must be positive")
        if self.slot_interval_minutes is not None and self.slot_interval_minutes <= 0:
            raise ValueError("slot_interval_minutes must be positive")
        for name in ("buffer_before_minutes", "buffer_after_minutes", "minimum_notice_minutes"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")

    @property
    def increment_minutes(self) -> int:
        """Minutes between two candidate starts of one interval."""
        return self.slot_interval_minutes or self.duration_minutes

    def hours_on(self, day: date) -> DailyHours:
        """The hours of one local date: its override if it has one, else its weekday's."""
        if day in self.date_overrides:
            return self.date_overrides[day]
        return self.weekly_hours.get(day.weekday(), ())
