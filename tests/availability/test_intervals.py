"""Half-open UTC intervals: the one overlap rule, normalisation to UTC, merging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from server.availability.intervals import Interval, as_utc, merge, overlaps


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 3, 15, hour, minute, tzinfo=UTC)


def test_touching_intervals_do_not_overlap() -> None:
    assert not overlaps(at(9), at(10), at(10), at(11))
    assert not overlaps(at(10), at(11), at(9), at(10))


def test_intervals_sharing_a_minute_overlap() -> None:
    assert overlaps(at(9), at(10, 1), at(10), at(11))
    assert Interval(at(9), at(12)).overlaps(Interval(at(10), at(11)))


def test_empty_interval_overlaps_nothing() -> None:
    assert not overlaps(at(9), at(12), at(10), at(10))


def test_interval_stores_utc_whatever_zone_it_is_given() -> None:
    paris = datetime(2027, 3, 15, 10, tzinfo=ZoneInfo("Europe/Paris"))
    interval = Interval(paris, paris + timedelta(hours=1))
    assert interval.start == at(9) and interval.start.tzinfo is UTC
    assert interval.end == at(10) and interval.end.tzinfo is UTC


def test_interval_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Interval(datetime(2027, 3, 15, 9), at(10))  # noqa: DTZ001


def test_interval_refuses_an_end_before_its_start() -> None:
    with pytest.raises(ValueError, match="ends before"):
        Interval(at(10), at(9))


def test_as_utc_converts_fixed_offsets_and_refuses_naive() -> None:
    assert as_utc(datetime(2027, 3, 15, 18, tzinfo=timezone(timedelta(hours=9)))) == at(9)
    with pytest.raises(ValueError):
        as_utc(datetime(2027, 3, 15, 9))  # noqa: DTZ001


def test_merge_sorts_and_joins_overlapping_and_touching_intervals() -> None:
    busy = [
        Interval(at(13), at(14)),
        Interval(at(9), at(10)),
        Interval(at(9, 30), at(10, 30)),
        Interval(at(10, 30), at(11)),
        Interval(at(9, 45), at(10)),
    ]
    assert merge(busy) == [Interval(at(9), at(11)), Interval(at(13), at(14))]


def test_merge_drops_empty_intervals() -> None:
    assert merge([Interval(at(9), at(9)), Interval(at(10), at(11))]) == [Interval(at(10), at(11))]


def test_merge_of_nothing_is_nothing() -> None:
    assert merge([]) == []
