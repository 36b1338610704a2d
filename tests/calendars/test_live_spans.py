"""The commit-time check leaves the moved booking's own time out of a free/busy answer, and
nothing else (``calendars.live._without``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from server.calendars.live import _without

ORIGIN = datetime(2027, 3, 15, tzinfo=UTC)
span = st.tuples(st.integers(0, 96), st.integers(1, 24)).map(
    lambda p: (
        ORIGIN + timedelta(minutes=15 * p[0]),
        ORIGIN + timedelta(minutes=15 * (p[0] + p[1])),
    )
)


def quarters(spans) -> set[datetime]:
    """Every quarter hour a list of spans covers."""
    covered = set()
    for start, end in spans:
        at = start
        while at < end:
            covered.add(at)
            at += timedelta(minutes=15)
    return covered


@given(st.lists(span, max_size=8), span)
def test_what_is_left_is_every_busy_quarter_outside_the_bookings_own_time(spans, own):
    kept = _without(spans, own)
    assert all(start < end for start, end, _ in kept)
    assert quarters((s, e) for s, e, _ in kept) == quarters(spans) - quarters([own])


@given(st.lists(span, max_size=8))
def test_without_a_booking_of_its_own_every_span_is_kept(spans):
    assert [(s, e) for s, e, _ in _without(spans, None)] == spans
