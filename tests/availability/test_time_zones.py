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


def test_fall_back_day_offers_both_instants_of_each_repeated_grid_time() -> None:
    link = rules(weekly_hours={6: ((time(0, 30), time(3)),)}, duration_minutes=30)
    # 01:00–01:59 happens twice on 2027-11-07 (EDT, then EST): seven starts, not five.
    assert starts_on(link, date(2027, 11, 7)) == [
        utc(2027, 11, 7, 4, 30),  # 00:30 EDT
        utc(2027, 11, 7, 5),  # 01:00 EDT
        utc(2027, 11, 7, 5, 30),  # 01:30 EDT
        utc(2027, 11, 7, 6),  # 01:00 EST
        utc(2027, 11, 7, 6, 30),  # 01:30 EST
        utc(2027, 11, 7, 7),  # 02:00 EST
        utc(2027, 11, 7, 7, 30),  # 02:30 EST, ends at 03:00
    ]


def test_fall_back_starts_read_the_same_wall_time_with_two_offsets() -> None:
    link = rules(weekly_hours={6: ((time(0, 30), time(3)),)}, duration_minutes=30)
    zone = ZoneInfo(NEW_YORK)
    local = [s.astimezone(zone).isoformat() for s in starts_on(link, date(2027, 11, 7))]
    assert local[1] == "2027-11-07T01:00:00-04:00"
    assert local[3] == "2027-11-07T01:00:00-05:00"


def test_hours_ending_in_the_repeated_hour_end_at_its_second_occurrence() -> None:
    link = rules(weekly_hours={6: ((time(0), time(1, 30)),)}, duration_minutes=30)
    # The wall grid is 00:00, 00:30, 01:00; 01:00 is read twice and both meetings are over
    # by the time the clock reads 01:30 for the last time (06:30 UTC).
    assert starts_on(link, date(2027, 11, 7)) == [
        utc(2027, 11, 7, 4),
        utc(2027, 11, 7, 4, 30),
        utc(2027, 11, 7, 5),  # 01:00 EDT
        utc(2027, 11, 7, 6),  # 01:00 EST
    ]


def test_a_meeting_is_offered_only_while_the_clock_reads_inside_the_hours() -> None:
    link = rules(
        weekly_hours={6: ((time(0), time(1, 30)),)}, duration_minutes=60, slot_interval_minutes=30
    )
    # 01:00 EDT would run while the clock reads 01:30–01:59 EDT, past the closing; 01:00 EST
    # would end at 02:00 EST.
    assert starts_on(link, date(2027, 11, 7)) == [utc(2027, 11, 7, 4), utc(2027, 11, 7, 4, 30)]


def test_hours_closing_where_the_repeated_hour_begins_close_at_its_first_reading() -> None:
    link = rules(
        weekly_hours={6: ((time(0), time(1)),)}, duration_minutes=60, slot_interval_minutes=30
    )
    # The clock reads 01:00 again at 06:00 UTC, but after 01:59 EDT: the hours were over.
    assert starts_on(link, date(2027, 11, 7)) == [utc(2027, 11, 7, 4)]


def test_havana_hours_until_midnight_end_at_the_first_midnight() -> None:
    link = rules(
        timezone="America/Havana",
        weekly_hours={5: ((time(22), time(0)),)},
        duration_minutes=60,
        slot_interval_minutes=30,
    )
    # Saturday 2027-11-06 ends at 04:00 UTC, though the clock reads 00:00 again an hour later.
    assert starts_on(link, date(2027, 11, 6)) == [
        utc(2027, 11, 7, 2),
        utc(2027, 11, 7, 2, 30),
        utc(2027, 11, 7, 3),  # 23:00 CDT, ends at midnight
    ]


def test_hours_opening_in_the_repeated_hour_open_at_its_first_occurrence() -> None:
    link = rules(weekly_hours={6: ((time(1, 30), time(2, 30)),)}, duration_minutes=30)
    assert starts_on(link, date(2027, 11, 7)) == [
        utc(2027, 11, 7, 5, 30),  # 01:30 EDT
        utc(2027, 11, 7, 6, 30),  # 01:30 EST
        utc(2027, 11, 7, 7),  # 02:00 EST
    ]


def test_fall_back_meetings_must_end_by_the_intervals_real_end() -> None:
    link = rules(
        weekly_hours={6: ((time(0, 30), time(3)),)}, duration_minutes=90, slot_interval_minutes=30
    )
    # Real time runs 04:30–08:00 UTC: the last 90-minute start is 01:30 EST, not 02:00.
    assert starts_on(link, date(2027, 11, 7)) == [
        utc(2027, 11, 7, 4, 30),
        utc(2027, 11, 7, 5),
        utc(2027, 11, 7, 5, 30),
        utc(2027, 11, 7, 6),  # 01:00 EST
        utc(2027, 11, 7, 6, 30),  # 01:30 EST, ends at 03:00
    ]


def test_lord_howe_fall_back_offers_both_half_hours_read_twice() -> None:
    link = rules(
        timezone="Australia/Lord_Howe", weekly_hours={6: ((time(1), time(3)),)}, duration_minutes=30
    )
    zone = ZoneInfo("Australia/Lord_Howe")
    # On 2027-04-04 the clock goes from 01:59 (+11:00) back to 01:30 (+10:30).
    starts = starts_on(link, date(2027, 4, 4))
    assert [s.astimezone(zone).isoformat()[11:] for s in starts] == [
        "01:00:00+11:00",
        "01:30:00+11:00",
        "01:30:00+10:30",
        "02:00:00+10:30",
        "02:30:00+10:30",
    ]


def test_havana_fall_back_at_midnight_offers_both_midnights() -> None:
    link = rules(
        timezone="America/Havana", weekly_hours={6: ((time(0), time(2)),)}, duration_minutes=30
    )
    zone = ZoneInfo("America/Havana")
    # On 2027-11-07 the clock goes from 00:59 (-04:00) back to 00:00 (-05:00).
    starts = starts_on(link, date(2027, 11, 7))
    assert [s.astimezone(zone).isoformat()[11:] for s in starts] == [
        "00:00:00-04:00",
        "00:30:00-04:00",
        "00:00:00-05:00",
        "00:30:00-05:00",
        "01:00:00-05:00",
        "01:30:00-05:00",
    ]


def test_havana_fall_back_day_begins_at_its_first_midnight() -> None:
    first, last = local_day_range(date(2027, 11, 7), date(2027, 11, 7), "America/Havana")
    assert first == utc(2027, 11, 7, 4)
    assert last == utc(2027, 11, 8, 5)


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
