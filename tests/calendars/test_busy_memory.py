"""What a process keeps of a calendar's busy rows in memory answers exactly what the table
would, for any range (``calendars.busy``), and stays within its size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from server.calendars.busy import CalendarEvent, _Memory, _Rows

ORIGIN = datetime(2027, 3, 1, tzinfo=UTC)

minutes = st.integers(min_value=0, max_value=60 * 24 * 30)


def _events(pairs: list[tuple[int, int]]) -> list[CalendarEvent]:
    found = [
        CalendarEvent(
            ORIGIN + timedelta(minutes=s), ORIGIN + timedelta(minutes=s + d), f"e{n}", "Work"
        )
        for n, (s, d) in enumerate(pairs)
    ]
    return sorted(found, key=lambda e: e.start)


events = st.lists(
    st.tuples(minutes, st.integers(min_value=1, max_value=60 * 24 * 3)), max_size=60
).map(_events)


def rows_of(found: list[CalendarEvent]) -> _Rows:
    longest = max((e.end - e.start for e in found), default=timedelta(0))
    return _Rows([e.start for e in found], found, longest)


@given(events, minutes, st.integers(min_value=1, max_value=60 * 24 * 10))
def test_overlapping_is_every_event_that_overlaps_the_range_in_start_order(found, at, length):
    start = ORIGIN + timedelta(minutes=at)
    end = start + timedelta(minutes=length)
    expected = [e for e in found if e.start < end and e.end > start]
    assert rows_of(found).overlapping(start, end) == expected


def test_the_least_recently_read_calendar_goes_first_past_the_limit():
    memory = _Memory(limit=3)
    two = rows_of([CalendarEvent(ORIGIN, ORIGIN + timedelta(hours=n + 1)) for n in range(2)])
    one = rows_of([CalendarEvent(ORIGIN, ORIGIN + timedelta(hours=1))])
    memory.put(("a", "Work"), two)
    memory.put(("b", "Home"), one)
    assert memory.get(("a", "Work")) is two  # read last: "b" is now the oldest
    memory.put(("c", "Gym"), one)
    assert memory.get(("b", "Home")) is None
    assert memory.get(("a", "Work")) is two and memory.get(("c", "Gym")) is one


def test_a_calendar_larger_than_the_whole_memory_is_not_kept():
    memory = _Memory(limit=1)
    memory.put(("a", "Work"), rows_of([CalendarEvent(ORIGIN, ORIGIN + timedelta(hours=1))] * 2))
    assert memory.get(("a", "Work")) is None
