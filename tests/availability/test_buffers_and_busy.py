"""SPEC §11.2 and L6: a start is free when the meeting plus its buffers overlaps no busy time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from server.availability.engine import free_slots, local_day_range
from server.availability.intervals import Interval, Meeting
from server.availability.rules import SlotRules, Window

PARIS = ZoneInfo("Europe/Paris")
MONDAY = date(2027, 3, 15)
NOW = datetime(2027, 3, 1, tzinfo=PARIS)


def rules(**fields: Any) -> SlotRules:
    fields.setdefault("timezone", "Europe/Paris")
    fields.setdefault("weekly_hours", {0: ((time(9), time(17)),)})
    fields.setdefault("duration_minutes", 30)
    fields.setdefault("window", Window(rolling_weeks=None))
    return SlotRules(**fields)


def local(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(MONDAY, time(hour, minute), tzinfo=PARIS)


def busy(start: datetime, minutes: int) -> Interval:
    return Interval(start, start + timedelta(minutes=minutes))


def local_slots(link: SlotRules, taken: list[Interval]) -> list[str]:
    slots = free_slots(link, taken, NOW, *local_day_range(MONDAY, MONDAY, link.timezone))
    return [slot.astimezone(PARIS).strftime("%H:%M") for slot in slots]


def test_buffer_pushes_next_start_to_14h() -> None:
    link = rules(buffer_before_minutes=30, buffer_after_minutes=30)
    slots = local_slots(link, [busy(local(13), 30)])
    assert [s for s in slots if s > "13:00"][0] == "14:00"
    assert "13:30" not in slots


def test_buffer_pushes_next_start_to_14h_also_on_a_15_minute_grid() -> None:
    link = rules(buffer_before_minutes=30, buffer_after_minutes=30, slot_interval_minutes=15)
    slots = local_slots(link, [busy(local(13), 30)])
    assert [s for s in slots if s > "13:00"][0] == "14:00"
    assert {"13:30", "13:45"}.isdisjoint(slots)


def test_buffer_before_a_booking_keeps_the_last_start_an_hour_earlier() -> None:
    link = rules(buffer_before_minutes=30, buffer_after_minutes=30)
    slots = local_slots(link, [busy(local(13), 30)])
    assert [s for s in slots if s < "13:00"][-1] == "12:00"
    assert "12:30" not in slots


def test_back_to_back_meetings_are_fine_without_buffers() -> None:
    slots = local_slots(rules(), [busy(local(10), 30)])
    assert "09:30" in slots and "10:30" in slots and "10:00" not in slots


def test_buffer_after_blocks_only_what_follows_the_busy_time() -> None:
    slots = local_slots(rules(buffer_after_minutes=15), [busy(local(10), 30)])
    # 09:30 would end at 10:00 and its after-buffer would run into 10:00–10:30.
    assert "09:00" in slots and "09:30" not in slots and "10:30" in slots


def test_buffer_before_blocks_only_what_precedes_the_busy_time() -> None:
    slots = local_slots(rules(buffer_before_minutes=15), [busy(local(10), 30)])
    # 10:30's before-buffer would reach back into 10:00–10:30.
    assert "09:30" in slots and "10:30" not in slots and "11:00" in slots


def test_busy_time_partly_outside_the_hours_still_blocks() -> None:
    slots = local_slots(rules(), [busy(local(8), 75)])
    assert slots[0] == "09:30"


def test_overlapping_busy_intervals_block_their_union() -> None:
    taken = [busy(local(10), 60), busy(local(10, 30), 60), busy(local(11, 30), 30)]
    slots = local_slots(rules(), taken)
    assert [s for s in slots if "09:00" < s < "13:00"] == ["09:30", "12:00", "12:30"]


def test_busy_time_given_in_another_zone_is_compared_as_an_instant() -> None:
    new_york = ZoneInfo("America/New_York")
    # New York is already on summer time (UTC-4) and Paris not yet (UTC+1): 05:00 is 10:00.
    taken = [busy(datetime(2027, 3, 15, 5, tzinfo=new_york), 30)]
    assert "10:00" not in local_slots(rules(), taken)


def booked(start: datetime, minutes: int, before: int = 0, after: int = 0) -> Meeting:
    return Meeting(start, start + timedelta(minutes=minutes), before, after)


def test_a_booked_meetings_after_buffer_keeps_a_link_without_buffers_out() -> None:
    slots = local_slots(rules(), [booked(local(13), 30, after=30)])
    assert "13:30" not in slots and "14:00" in slots


def test_a_booked_meetings_before_buffer_keeps_a_link_without_buffers_out() -> None:
    slots = local_slots(rules(), [booked(local(14), 30, before=30)])
    assert "13:00" in slots and "13:30" not in slots


def test_a_booked_meetings_after_buffer_ends_where_the_next_meeting_may_start() -> None:
    link = rules(duration_minutes=60, slot_interval_minutes=15)
    slots = local_slots(link, [booked(local(13), 30, after=15)])
    assert "13:30" not in slots and "13:45" in slots


def test_buffers_may_overlap_each_other_but_never_a_meeting() -> None:
    # The seed's example: a 13:00–13:30 meeting and a 30-minute buffer on both sides.
    link = rules(buffer_before_minutes=30, buffer_after_minutes=30, slot_interval_minutes=15)
    slots = local_slots(link, [booked(local(13), 30, before=30, after=30)])
    assert [s for s in slots if s > "13:00"][0] == "14:00"
    assert [s for s in slots if s < "13:00"][-1] == "12:00"


def test_a_booked_meetings_longer_buffer_wins_over_the_links_shorter_one() -> None:
    link = rules(buffer_before_minutes=10, slot_interval_minutes=15)
    slots = local_slots(link, [booked(local(13), 30, after=45)])
    assert [s for s in slots if s > "13:00"][0] == "14:15"


def test_busy_time_that_is_not_a_booking_keeps_no_buffers() -> None:
    slots = local_slots(rules(), [busy(local(13), 30)])
    assert "13:30" in slots


def test_a_meeting_refuses_negative_buffers_and_no_length() -> None:
    with pytest.raises(ValueError, match="negative"):
        booked(local(13), 30, after=-5)
    with pytest.raises(ValueError, match="lasts"):
        booked(local(13), 0)
