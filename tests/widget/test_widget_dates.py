"""The widget's calendar arithmetic (widget/rendezvous_widget/dates.py), run under CPython with
a stand-in for Brython's ``browser`` module and checked against ``datetime``."""

from __future__ import annotations

import sys
import types
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from server.widget_code import widget_module


def _load_dates() -> types.ModuleType:
    stub = types.ModuleType("browser")
    stub.window = types.SimpleNamespace(Date=None, Intl=None)
    saved = sys.modules.get("browser")
    sys.modules["browser"] = stub
    try:
        module = widget_module("dates")
    finally:
        if saved is None:
            del sys.modules["browser"]
        else:
            sys.modules["browser"] = saved
    return module


dates = _load_dates()
EPOCH = date(1970, 1, 1)
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))


@given(days)
def test_day_numbers_round_trip_like_datetime(day):
    assert dates.number(day.year, day.month, day.day) == (day - EPOCH).days
    assert dates.from_number((day - EPOCH).days) == day.isoformat()


@given(days)
def test_weekday_counts_from_sunday(day):
    assert dates.weekday(day.isoformat()) == day.isoweekday() % 7


@given(days, st.integers(-400, 400))
def test_adding_days_matches_timedelta(day, n):
    assert dates.add_days(day.isoformat(), n) == (day + timedelta(days=n)).isoformat()


@given(days, st.integers(-30, 30))
def test_adding_months_keeps_the_day_or_clamps_it_to_the_month_end(day, n):
    moved = date.fromisoformat(dates.add_months(day.isoformat(), n))
    months = day.year * 12 + day.month - 1 + n
    assert (moved.year, moved.month) == (months // 12, months % 12 + 1)
    assert moved.day == min(day.day, dates.days_in_month(moved.year, moved.month))


def test_month_lengths_and_overflowing_dates():
    assert dates.days_in_month(2024, 2) == 29
    assert dates.days_in_month(2100, 2) == 28
    assert dates.days_in_month(2026, 14) == 28  # February 2027
    assert dates.iso(2026, 13, 1) == "2027-01-01"
    assert dates.iso(2027, 3, 0) == "2027-02-28"
