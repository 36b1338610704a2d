"""Hours are wall-clock in the link's zone, also on DST days; visitors pick days in theirs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.availability.engine import candidate_starts, free_slots, local_day_range
from server.availability.rules import SlotRules, Window

NEW_YORK = "America/New_York"
NOW = datetime(2027, 1, 1, tzinfo=UTC)


def rules(**fields: Any) -> SlotRules:
    fields.setdefault("timezone", NEW_YORK)
    fields.setdefault("weekly_hours", {day: ((time(9), time(12)),) for day in range(5)})
    fields.setdefault("duration_minutes", 60)
    fields.setdefault("window", Window(rolling_weeks=None))
    return SlotRules(**fields)


def starts_on(link: SlotRules, day: date) -> list[datetime]:
    return candidate_starts(link, *local_day_range(day, day, link.timezone))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_new_york_9am_is_14h_utc_before_the_switch_to_summer_time() -> None:
    assert starts_on(rules(), date(2027, 3, 12))[0] == utc(2027, 3, 12, 14)


def test_new_york_9am_is_13h_utc_after_the_switch_to_summer_time() -> None:
    assert starts_on(rules(), date(2027, 3, 15))[0] == utc(2027, 3, 15, 13)


def test_new_york_link_offers_9am_local_on_both_sides_of_the_switch() -> None:
    first, last = local_day_range(date(2027, 3, 12), date(2027, 3, 15), NEW_YORK)
    slots = free_slots(rules(), [], NOW, first, last)
    local = [s.astimezone(ZoneInfo(NEW_YORK)).strftime("%a %H:%M") for s in slots]
    assert local == ["Fri 09:00", "Fri 10:00", "Fri 11:00", "Mon 09:00", "Mon 10:00", "Mon 11:00"]
    assert slots[0] == utc(2027, 3, 12, 14) and slots[3] == utc(2027, 3, 15, 13)


def test_spring_forward_gap_offers_no_start_inside_it() -> None:
    link = rules(weekly_hours={6: ((time(1), time(4)),)}, duration_minutes=30)
    # 02:00 and 02:30 don't exist on 2027-03-14 in New York: the clock goes from 01:59 to 03:00.
    assert starts_on(link, date(2027, 3, 14)) == [
        utc(2027, 3, 14, 6),  # 01:00 EST
        utc(2027, 3, 14, 6, 30),  # 01:30 EST, ends at the jump
        utc(2027, 3, 14, 7),  # 03:00 EDT
        utc(2027, 3, 14, 7, 30),  # 03:30 EDT
    ]


def test_meeting_length_is_real_time_when_the_clock_jumps_inside_the_hours() -> None:
    # 01:00–03:30 reads 2½ hours on the wall but lasts 1½ hours on the spring-forward day.
    link = rules(weekly_hours={6: ((time(1), time(3, 30)),)}, duration_minutes=120)
    assert starts_on(link, date(2027, 3, 14)) == []
    link = rules(weekly_hours={6: ((time(1), time(3, 30)),)}, duration_minutes=90)
    assert starts_on(link, date(2027, 3, 14)) == [utc(2027, 3, 14, 6)]


def test_hours_ending_inside_the_gap_end_at_the_jump() -> None:
    link = rules(weekly_hours={6: ((time(1), time(2, 30)),)}, duration_minutes=30)
    assert starts_on(link, date(2027, 3, 14)) == [utc(2027, 3, 14, 6), utc(2027, 3, 14, 6, 30)]


def test_fall_back_day_offers_the_repeated_hour_once() -> None:
    link = rules(weekly_hours={6: ((time(0), time(3)),)}, duration_minutes=30)
    # 01:00–01:59 happens twice on 2027-11-07: starts are the first (EDT) 01:00 and 01:30.
    assert starts_on(link, date(2027, 11, 7)) == [
        utc(2027, 11, 7, 4),  # 00:00 EDT
        utc(2027, 11, 7, 4, 30),
        utc(2027, 11, 7, 5),  # 01:00 EDT
        utc(2027, 11, 7, 5, 30),  # 01:30 EDT
        utc(2027, 11, 7, 7),  # 02:00 EST
        utc(2027, 11, 7, 7, 30),
    ]


def test_hours_ending_in_the_repeated_hour_end_at_its_first_occurrence() -> None:
    link = rules(weekly_hours={6: ((time(0), time(1, 30)),)}, duration_minutes=30)
    assert starts_on(link, date(2027, 11, 7))[-1] == utc(2027, 11, 7, 5)  # ends 01:30 EDT


def test_lord_howe_half_hour_switch_skips_only_half_an_hour() -> None:
    link = rules(
        timezone="Australia/Lord_Howe", weekly_hours={6: ((time(1), time(4)),)}, duration_minutes=30
    )
    zone = ZoneInfo("Australia/Lord_Howe")
    starts = starts_on(link, date(2027, 10, 3))
    assert [s.astimezone(zone).strftime("%H:%M") for s in starts] == [
        "01:00",
        "01:30",
        "02:30",
        "03:00",
        "03:30",
    ]
    assert starts[2] - starts[1] == timedelta(minutes=30)


def test_local_day_range_is_the_visitors_midnights_in_utc() -> None:
    assert local_day_range(date(2027, 3, 16), date(2027, 3, 17), "Asia/Tokyo") == (
        utc(2027, 3, 15, 15),
        utc(2027, 3, 17, 15),
    )


def test_local_day_range_of_a_day_whose_midnight_is_skipped_starts_at_the_jump() -> None:
    # Santiago moves its clocks from 2027-09-05 00:00 straight to 01:00.
    first, last = local_day_range(date(2027, 9, 5), date(2027, 9, 5), "America/Santiago")
    assert first == utc(2027, 9, 5, 4)
    assert last == utc(2027, 9, 6, 3)
    assert local_day_range(date(2027, 9, 4), date(2027, 9, 4), "America/Santiago")[1] == first


def test_tokyo_visitor_gets_new_york_starts_of_the_tokyo_date() -> None:
    # Tuesday 2027-03-16 in Tokyo runs from Monday 11:00 to Tuesday 11:00 in New York.
    slots = free_slots(
        rules(), [], NOW, *local_day_range(date(2027, 3, 16), date(2027, 3, 16), "Asia/Tokyo")
    )
    assert slots == [utc(2027, 3, 15, 15), utc(2027, 3, 16, 13), utc(2027, 3, 16, 14)]
    tokyo = ZoneInfo("Asia/Tokyo")
    assert {s.astimezone(tokyo).date() for s in slots} == {date(2027, 3, 16)}


def test_starts_in_a_range_given_in_any_zone_are_returned_in_utc() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    start = datetime(2027, 3, 16, 0, tzinfo=tokyo)
    slots = free_slots(rules(), [], NOW, start, start + timedelta(days=1))
    assert slots[0] == utc(2027, 3, 15, 15) and all(s.tzinfo is UTC for s in slots)
