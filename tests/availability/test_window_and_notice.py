"""SPEC §11.2: the window (link-local dates) and the minimum notice."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.availability.engine import free_slots, local_day_range
from server.availability.rules import SlotRules, Window

TOKYO = ZoneInfo("Asia/Tokyo")


def rules(**fields: Any) -> SlotRules:
    """Every day 09:00–10:00 in Tokyo (no DST), one 60-minute start a day."""
    fields.setdefault("timezone", "Asia/Tokyo")
    fields.setdefault("weekly_hours", {day: ((time(9), time(10)),) for day in range(7)})
    fields.setdefault("duration_minutes", 60)
    return SlotRules(**fields)


def slot_dates(link: SlotRules, now: datetime, first: date, last: date) -> list[date]:
    slots = free_slots(link, [], now, *local_day_range(first, last, "Asia/Tokyo"))
    return [slot.astimezone(TOKYO).date() for slot in slots]


def test_rolling_window_runs_from_today_through_seven_times_weeks_minus_one_days() -> None:
    now = datetime(2027, 3, 16, 6, tzinfo=TOKYO)
    dates = slot_dates(
        rules(window=Window(rolling_weeks=2)), now, date(2027, 3, 1), date(2027, 4, 30)
    )
    assert dates[0] == date(2027, 3, 16)
    assert dates[-1] == date(2027, 3, 29)
    assert len(dates) == 14


def test_rolling_window_today_is_the_link_zones_date_not_utcs() -> None:
    # 20:00 UTC on the 15th is already 05:00 on the 16th in Tokyo.
    now = datetime.fromisoformat("2027-03-15T20:00:00+00:00")
    dates = slot_dates(
        rules(window=Window(rolling_weeks=1)), now, date(2027, 3, 1), date(2027, 4, 30)
    )
    assert (dates[0], dates[-1]) == (date(2027, 3, 16), date(2027, 3, 22))


def test_rolling_window_of_zero_weeks_offers_nothing() -> None:
    now = datetime(2027, 3, 16, 6, tzinfo=TOKYO)
    assert (
        slot_dates(rules(window=Window(rolling_weeks=0)), now, date(2027, 3, 1), date(2027, 4, 30))
        == []
    )


def test_custom_window_includes_its_first_and_last_dates() -> None:
    window = Window(rolling_weeks=None, start_date=date(2027, 4, 5), end_date=date(2027, 4, 9))
    now = datetime(2027, 3, 16, 6, tzinfo=TOKYO)
    dates = slot_dates(rules(window=window), now, date(2027, 3, 1), date(2027, 4, 30))
    assert dates == [date(2027, 4, d) for d in range(5, 10)]


def test_custom_window_already_started_still_starts_after_now() -> None:
    window = Window(rolling_weeks=None, start_date=date(2027, 3, 1), end_date=date(2027, 3, 20))
    now = datetime(2027, 3, 16, 12, tzinfo=TOKYO)
    dates = slot_dates(rules(window=window), now, date(2027, 3, 1), date(2027, 4, 30))
    assert dates == [date(2027, 3, d) for d in range(17, 21)]


def test_past_starts_are_never_offered() -> None:
    now = datetime(2027, 3, 16, 9, 1, tzinfo=TOKYO)
    dates = slot_dates(
        rules(window=Window(rolling_weeks=1)), now, date(2027, 3, 16), date(2027, 3, 17)
    )
    assert dates == [date(2027, 3, 17)]


def test_minimum_notice_hides_starts_sooner_than_now_plus_notice() -> None:
    link = rules(minimum_notice_minutes=24 * 60 + 1, window=Window(rolling_weeks=None))
    now = datetime(2027, 3, 16, 9, tzinfo=TOKYO)
    dates = slot_dates(link, now, date(2027, 3, 16), date(2027, 3, 18))
    assert dates == [date(2027, 3, 18)]


def test_start_exactly_at_now_plus_notice_is_offered() -> None:
    link = rules(minimum_notice_minutes=24 * 60, window=Window(rolling_weeks=None))
    now = datetime(2027, 3, 16, 9, tzinfo=TOKYO)
    dates = slot_dates(link, now, date(2027, 3, 16), date(2027, 3, 18))
    assert dates == [date(2027, 3, 17), date(2027, 3, 18)]


def test_notice_counts_real_time_not_business_hours() -> None:
    link = rules(minimum_notice_minutes=90, window=Window(rolling_weeks=None))
    now = datetime(2027, 3, 16, 7, 30, tzinfo=TOKYO)
    slots = free_slots(link, [], now, now, now + timedelta(hours=3))
    assert slots == [datetime(2027, 3, 16, 9, tzinfo=TOKYO)]
