"""Properties of the engine over random rules, busy time and zones, DST days included.

The oracle for "inside the hours" reads the link's wall clock minute by minute, independently
of how the engine converts hours to UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.availability.engine import (
    candidate_starts,
    explain,
    free_slots,
    is_bookable,
    local_day_range,
    team_slots,
)
from server.availability.intervals import Interval, Meeting
from server.availability.rules import DailyHours, SlotRules, Window

ZONES = (
    "America/New_York",
    "Europe/Paris",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
)
VISITOR_ZONES = (*ZONES, "UTC", "Asia/Tokyo", "Pacific/Kiritimati", "Pacific/Pago_Pago")
MINUTE = timedelta(minutes=1)
PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _clock_change_days(zone_name: str, year: int = 2027) -> list[date]:
    zone = ZoneInfo(zone_name)
    days, day = [], date(year, 1, 1)
    while day.year == year:
        midnight = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        if (
            midnight.astimezone(zone).utcoffset()
            != (midnight + timedelta(1)).astimezone(zone).utcoffset()
        ):
            days.append(day)
        day += timedelta(days=1)
    return days


CLOCK_CHANGE_DAYS = sorted({day for zone in ZONES for day in _clock_change_days(zone)})


@st.composite
def day_hours(draw: st.DrawFn) -> DailyHours:
    """0–2 sorted, disjoint intervals on a 15-minute grid; 24:00 is written time(0)."""
    marks = draw(st.lists(st.integers(0, 96), min_size=0, max_size=4, unique=True).map(sorted))
    if len(marks) % 2:
        marks = marks[:-1]

    def clock(quarter: int) -> time:
        return time(0) if quarter == 96 else time(quarter // 4, quarter % 4 * 15)

    return tuple((clock(a), clock(b)) for a, b in zip(marks[::2], marks[1::2], strict=True))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[SlotRules, datetime, datetime, datetime, date]:
    """Rules, now, and a 3-day range picked in a visitor's zone, often around a clock change."""
    first = draw(st.sampled_from(CLOCK_CHANGE_DAYS) | st.dates(date(2027, 1, 1), date(2027, 12, 1)))
    first += timedelta(days=draw(st.integers(-1, 0)))
    weekly = {weekday: draw(day_hours()) for weekday in range(7)}
    overrides = draw(
        st.dictionaries(
            st.sampled_from([first + timedelta(d) for d in range(4)]), day_hours(), max_size=2
        )
    )
    window = draw(
        st.builds(Window, rolling_weeks=st.integers(0, 2))
        | st.builds(
            lambda a, b: Window(
                rolling_weeks=None,
                start_date=first + timedelta(a),
                end_date=first + timedelta(a + b),
            ),
            st.integers(-2, 3),
            st.integers(0, 3),
        )
    )
    rules = SlotRules(
        timezone=draw(st.sampled_from(ZONES)),
        weekly_hours=weekly,
        date_overrides=overrides,
        duration_minutes=draw(st.sampled_from([15, 30, 45, 60, 90, 120])),
        slot_interval_minutes=draw(st.none() | st.sampled_from([5, 10, 15, 20, 30, 45, 60])),
        buffer_before_minutes=draw(st.sampled_from([0, 5, 10, 15, 30, 60])),
        buffer_after_minutes=draw(st.sampled_from([0, 5, 10, 15, 30, 60])),
        minimum_notice_minutes=draw(st.sampled_from([0, 30, 240, 1440])),
        window=window,
    )
    range_start, range_end = local_day_range(
        first, first + timedelta(days=2), draw(st.sampled_from(VISITOR_ZONES))
    )
    now = range_start + timedelta(minutes=draw(st.integers(-3 * 1440, 2 * 1440)))
    return rules, now, range_start, range_end, first


BUFFERS = st.sampled_from([0, 5, 10, 15, 30, 60])


@st.composite
def busy_lists(draw: st.DrawFn, around: datetime) -> list[Interval]:
    """Up to 12 busy intervals near ``around``, in assorted zones: calendar-style busy time
    (some empty) and booked meetings keeping buffers of their own."""
    busy: list[Interval] = []
    for _ in range(draw(st.integers(0, 12))):
        start = around + timedelta(minutes=5 * draw(st.integers(-300, 1200)))
        zone = ZoneInfo(draw(st.sampled_from(VISITOR_ZONES)))
        if draw(st.booleans()):
            end = start + timedelta(minutes=5 * draw(st.integers(1, 48)))
            before, after = draw(BUFFERS), draw(BUFFERS)
            busy.append(Meeting(start.astimezone(zone), end.astimezone(zone), before, after))
        else:
            end = start + timedelta(minutes=5 * draw(st.integers(0, 48)))
            busy.append(Interval(start.astimezone(zone), end.astimezone(zone)))
    return busy


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def wall(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def fits_hours(rules: SlotRules, start: datetime) -> bool:
    """The oracle: ``start`` reads a wall time on the increment grid of one of its local day's
    intervals (either reading, when the clock shows it twice), and the clock reads inside that
    interval during every minute of the meeting."""
    zone = _zone(rules.timezone)
    local = wall(start, zone)
    if local.second or local.microsecond:
        return False
    day, step = local.date(), rules.increment_minutes
    for opens, closes in rules.hours_on(day):
        begin = datetime.combine(day, opens)
        end = datetime.combine(day + timedelta(days=1) if closes == time(0) else day, closes)
        if not begin <= local < end or (local - begin) % timedelta(minutes=step):
            continue
        minutes = range(rules.duration_minutes)
        if all(begin <= wall(start + m * MINUTE, zone) < end for m in minutes):
            return True
    return False


def brute_force_candidates(
    rules: SlotRules, range_start: datetime, range_end: datetime
) -> list[datetime]:
    minutes = int((range_end - range_start) / MINUTE)
    return [s for s in (range_start + m * MINUTE for m in range(minutes)) if fits_hours(rules, s)]


def clashes(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < a_end and b_start < b_end and a_start < b_end and b_start < a_end


def padded_overlaps_busy(rules: SlotRules, start: datetime, busy: list[Interval]) -> bool:
    """The meeting with its own buffers overlaps busy time, booked meetings included."""
    padded_start = start - timedelta(minutes=rules.buffer_before_minutes)
    padded_end = start + timedelta(minutes=rules.duration_minutes + rules.buffer_after_minutes)
    return any(clashes(padded_start, padded_end, b.start, b.end) for b in busy)


def sits_in_kept_buffers(rules: SlotRules, start: datetime, busy: list[Interval]) -> bool:
    """The meeting itself overlaps a booked meeting padded with the buffers that one keeps."""
    end = start + timedelta(minutes=rules.duration_minutes)
    return any(
        clashes(
            start,
            end,
            b.start - timedelta(minutes=b.buffer_before_minutes),
            b.end + timedelta(minutes=b.buffer_after_minutes),
        )
        for b in busy
        if isinstance(b, Meeting)
    )


def allowed(rules: SlotRules, start: datetime, busy: list[Interval]) -> bool:
    """SPEC §11.2 for one host, read literally."""
    return not padded_overlaps_busy(rules, start, busy) and not sits_in_kept_buffers(
        rules, start, busy
    )


@PROPERTY
@given(scenarios())
def test_candidates_are_exactly_the_wall_clock_grid_starts_that_fit_the_hours(scenario) -> None:
    rules, _, range_start, range_end, _ = scenario
    assert candidate_starts(rules, range_start, range_end) == brute_force_candidates(
        rules, range_start, range_end
    )


@PROPERTY
@given(st.data(), scenarios())
def test_free_slots_are_sorted_unique_utc_candidates_clear_of_busy_time(data, scenario) -> None:
    rules, now, range_start, range_end, _ = scenario
    busy = data.draw(busy_lists(range_start))
    slots = free_slots(rules, busy, now, range_start, range_end)
    assert slots == sorted(set(slots))
    assert all(s.tzinfo is UTC and range_start <= s < range_end for s in slots)
    assert set(slots) <= set(candidate_starts(rules, range_start, range_end))
    assert not any(padded_overlaps_busy(rules, s, busy) for s in slots)
    assert all(fits_hours(rules, s) for s in slots)


@PROPERTY
@given(st.data(), scenarios())
def test_no_offered_slot_sits_in_the_buffers_a_booked_meeting_keeps(data, scenario) -> None:
    rules, now, range_start, range_end, _ = scenario
    busy = data.draw(busy_lists(range_start))
    slots = free_slots(rules, busy, now, range_start, range_end)
    assert not any(sits_in_kept_buffers(rules, s, busy) for s in slots)


@PROPERTY
@given(st.data(), scenarios())
def test_every_start_the_buffer_rule_allows_is_offered(data, scenario) -> None:
    rules, now, range_start, range_end, _ = scenario
    busy = data.draw(busy_lists(range_start))
    open_starts = free_slots(rules, [], now, range_start, range_end)
    assert free_slots(rules, busy, now, range_start, range_end) == [
        s for s in open_starts if allowed(rules, s, busy)
    ]


@PROPERTY
@given(st.data(), scenarios())
def test_is_bookable_and_explain_agree_with_free_slots(data, scenario) -> None:
    rules, now, range_start, range_end, _ = scenario
    busy = data.draw(busy_lists(range_start))
    slots = set(free_slots(rules, busy, now, range_start, range_end))
    probes = candidate_starts(rules, range_start, range_end)
    probes += [
        range_start + timedelta(minutes=data.draw(st.integers(0, 3 * 1440 - 1))) for _ in range(5)
    ]
    for start in probes:
        assert is_bookable(rules, busy, now, start) == (start in slots)
        assert (explain(rules, busy, now, start) == []) == (start in slots)


@PROPERTY
@given(st.data(), scenarios())
def test_round_robin_is_the_union_and_group_the_intersection_of_hosts(data, scenario) -> None:
    rules, now, range_start, range_end, _ = scenario
    team = {
        host: data.draw(busy_lists(range_start)) for host in range(data.draw(st.integers(1, 4)))
    }
    per_host = [set(free_slots(rules, busy, now, range_start, range_end)) for busy in team.values()]
    assert team_slots("round_robin", rules, team, now, range_start, range_end) == sorted(
        set.union(*per_host)
    )
    assert team_slots("group", rules, team, now, range_start, range_end) == sorted(
        set.intersection(*per_host)
    )
