"""SPEC §11.1: candidate starts from wall-clock hours, overrides and the increment."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from server.availability.engine import candidate_starts, local_day_range
from server.availability.rules import SlotRules, Window

MONDAY = date(2027, 3, 15)
PARIS = ZoneInfo("Europe/Paris")


def rules(**fields: Any) -> SlotRules:
    fields.setdefault("timezone", "Europe/Paris")
    fields.setdefault("weekly_hours", {0: ((time(9), time(12)),)})
    fields.setdefault("duration_minutes", 60)
    fields.setdefault("window", Window(rolling_weeks=None))
    return SlotRules(**fields)


def local_starts(link: SlotRules, day: date) -> list[str]:
    """The day's candidates as link-local "HH:MM" strings."""
    zone = ZoneInfo(link.timezone)
    starts = candidate_starts(link, *local_day_range(day, day, link.timezone))
    return [start.astimezone(zone).strftime("%H:%M") for start in starts]


def test_starts_step_by_the_duration_from_the_interval_start() -> None:
    assert local_starts(rules(), MONDAY) == ["09:00", "10:00", "11:00"]


def test_meeting_must_end_inside_the_interval() -> None:
    link = rules(weekly_hours={0: ((time(9), time(10, 45)),)}, duration_minutes=30)
    assert local_starts(link, MONDAY) == ["09:00", "09:30", "10:00"]


def test_increment_shorter_than_the_duration_overlaps_starts() -> None:
    link = rules(weekly_hours={0: ((time(9), time(11)),)}, slot_interval_minutes=15)
    assert local_starts(link, MONDAY) == ["09:00", "09:15", "09:30", "09:45", "10:00"]


def test_increment_longer_than_the_duration_leaves_gaps() -> None:
    link = rules(duration_minutes=30, slot_interval_minutes=90)
    assert local_starts(link, MONDAY) == ["09:00", "10:30"]


def test_several_intervals_a_day_each_start_their_own_grid() -> None:
    link = rules(weekly_hours={0: ((time(9), time(10)), (time(13, 30), time(15)))})
    assert local_starts(link, MONDAY) == ["09:00", "13:30"]


def test_end_of_midnight_means_the_end_of_the_day() -> None:
    link = rules(weekly_hours={0: ((time(22), time(0)),)})
    assert local_starts(link, MONDAY) == ["22:00", "23:00"]


def test_day_without_hours_has_no_starts() -> None:
    assert local_starts(rules(), date(2027, 3, 16)) == []


def test_date_override_with_no_hours_is_a_day_off() -> None:
    link = rules(date_overrides={MONDAY: ()})
    assert local_starts(link, MONDAY) == []
    assert local_starts(link, date(2027, 3, 22)) == ["09:00", "10:00", "11:00"]


def test_date_override_replaces_the_weekday_hours() -> None:
    link = rules(date_overrides={MONDAY: ((time(14), time(16)),)})
    assert local_starts(link, MONDAY) == ["14:00", "15:00"]


def test_date_override_opens_a_day_the_week_keeps_closed() -> None:
    sunday = date(2027, 3, 21)
    link = rules(date_overrides={sunday: ((time(10), time(11)),)})
    assert local_starts(link, sunday) == ["10:00"]


def test_starts_are_utc_sorted_and_filtered_to_the_half_open_range() -> None:
    link = rules()
    nine = datetime(2027, 3, 15, 9, tzinfo=PARIS)
    eleven = datetime(2027, 3, 15, 11, tzinfo=PARIS)
    starts = candidate_starts(link, nine, eleven)
    assert starts == [datetime(2027, 3, 15, 8, tzinfo=UTC), datetime(2027, 3, 15, 9, tzinfo=UTC)]
    assert all(start.tzinfo is UTC for start in starts)


def test_empty_or_reversed_range_has_no_starts() -> None:
    nine = datetime(2027, 3, 15, 9, tzinfo=PARIS)
    assert candidate_starts(rules(), nine, nine) == []
    assert candidate_starts(rules(), nine, datetime(2027, 3, 15, 8, tzinfo=PARIS)) == []


def test_naive_range_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        candidate_starts(rules(), datetime(2027, 3, 15), datetime(2027, 3, 16))  # noqa: DTZ001


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown time zone"):
        rules(timezone="Mars/Olympus_Mons")
    with pytest.raises(ValueError, match="Unknown time zone"):
        local_day_range(MONDAY, MONDAY, "Mars/Olympus_Mons")


@pytest.mark.parametrize(
    "fields",
    [{"duration_minutes": 0}, {"slot_interval_minutes": 0}, {"buffer_before_minutes": -5}],
)
def test_rules_that_would_never_end_or_make_no_sense_are_refused(fields: dict) -> None:
    with pytest.raises(ValueError):
        rules(**fields)


def test_hours_ending_before_they_start_are_refused() -> None:
    link = rules(weekly_hours={0: ((time(17), time(9)),)})
    with pytest.raises(ValueError, match="end before they start"):
        local_starts(link, MONDAY)
