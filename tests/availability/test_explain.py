"""explain(): every reason a start can't be booked, for the dashboard troubleshooter."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from server.availability.engine import Reason, explain, is_bookable
from server.availability.intervals import Interval, Meeting
from server.availability.rules import SlotRules, Window

MONDAY = date(2027, 3, 15)
NOW = datetime(2027, 3, 15, 8, 15, tzinfo=UTC)


def rules(**fields: Any) -> SlotRules:
    fields.setdefault("timezone", "UTC")
    fields.setdefault("weekly_hours", {0: ((time(9), time(17)),)})
    fields.setdefault("duration_minutes", 30)
    fields.setdefault("buffer_after_minutes", 15)
    fields.setdefault("minimum_notice_minutes", 60)
    fields.setdefault("window", Window(rolling_weeks=1))
    return SlotRules(**fields)


def at(hour: int, minute: int = 0, day: date = MONDAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def busy(hour: int, minute: int = 0, minutes: int = 30) -> Interval:
    return Interval(at(hour, minute), at(hour, minute) + timedelta(minutes=minutes))


def test_bookable_start_has_no_reasons() -> None:
    assert explain(rules(), [busy(11)], NOW, at(10)) == []
    assert is_bookable(rules(), [busy(11)], NOW, at(10))


def test_start_off_the_increment_grid_is_off_grid() -> None:
    assert explain(rules(), [], NOW, at(10, 10)) == [Reason.OFF_GRID]


def test_start_outside_the_hours_is_off_grid() -> None:
    assert explain(rules(), [], NOW, at(17)) == [Reason.OFF_GRID]
    assert explain(rules(), [], NOW, at(10, day=date(2027, 3, 16))) == [Reason.OFF_GRID]


def test_start_after_the_rolling_window_is_outside_window() -> None:
    assert explain(rules(), [], NOW, at(10, day=date(2027, 3, 22))) == [Reason.OUTSIDE_WINDOW]


def test_start_sooner_than_the_notice_is_minimum_notice() -> None:
    assert explain(rules(), [], NOW, at(9)) == [Reason.MINIMUM_NOTICE]


def test_meeting_overlapping_busy_time_is_busy() -> None:
    assert explain(rules(), [busy(10, 15)], NOW, at(10)) == [Reason.BUSY]


def test_only_the_buffer_overlapping_busy_time_is_buffer() -> None:
    assert explain(rules(), [busy(10, 30)], NOW, at(10)) == [Reason.BUFFER]


def test_every_reason_that_applies_is_given_in_a_stable_order() -> None:
    late_now = at(12, day=date(2027, 3, 22))
    reasons = explain(rules(), [Interval(at(11), at(11, 20))], late_now, at(11, 10))
    assert reasons == [Reason.OFF_GRID, Reason.OUTSIDE_WINDOW, Reason.MINIMUM_NOTICE, Reason.BUSY]
    assert not is_bookable(rules(), [Interval(at(11), at(11, 20))], late_now, at(11, 10))


def test_reasons_are_strings_with_a_message_for_people() -> None:
    assert Reason.OFF_GRID == "off_grid"
    assert (
        Reason.OFF_GRID.message == "not a candidate start: outside hours or off the increment grid"
    )
    assert all(reason.message for reason in Reason)


def test_a_start_inside_the_buffer_a_booked_meeting_keeps_is_a_buffer_reason() -> None:
    booked = Meeting(at(10), at(10, 30), buffer_before_minutes=0, buffer_after_minutes=30)
    assert explain(rules(buffer_after_minutes=0), [booked], NOW, at(10, 30)) == [Reason.BUFFER]
