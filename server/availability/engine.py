"""Open hours minus busy time: which starts a link offers (SPEC §11), and why the others not.

Read top to bottom:

1. ``candidate_starts`` turns the link's wall-clock hours into UTC candidate starts (§11.1).
2. The window and the minimum notice don't depend on the host: they only narrow the range.
3. ``free_slots`` / ``team_slots`` drop the candidates whose meeting, padded with its buffers,
   overlaps a host's busy time, or that overlap the buffers a booked meeting keeps (§11.2,
   §11.3), with one sweep over each host's merged list of what blocks a meeting.
4. ``free_hosts``, ``is_bookable`` and ``explain`` answer the same questions for one start, for
   the commit-time re-check and the dashboard troubleshooter; ``choose_round_robin_host``
   picks who gets a round-robin booking.

Every instant in and out is timezone-aware; results are in UTC. Hours are wall-clock in the
link's zone: a wall time the clock skips (spring forward) offers no start, one it shows twice
(fall back) offers both instants, each when the clock reads inside the hours for the whole
meeting.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from server.availability.intervals import Interval, Meeting, as_utc, merge, overlaps
from server.availability.rules import SlotRules

__all__ = [
    "KINDS",
    "Reason",
    "candidate_starts",
    "choose_round_robin_host",
    "explain",
    "free_hosts",
    "free_slots",
    "is_bookable",
    "local_day_range",
    "team_slots",
]

#: Link types (SPEC §3 L10): who must be free for a start to be offered.
KINDS = ("one_on_one", "round_robin", "group")

_ONE_DAY = timedelta(days=1)
#: The shortest range that holds one start: ``[start, start + _INSTANT)``.
_INSTANT = timedelta(microseconds=1)
_LONG_AGO = datetime.min.replace(tzinfo=UTC)


class Reason(StrEnum):
    """Why a start can't be booked, as shown by the dashboard troubleshooter."""

    OFF_GRID = "off_grid"
    OUTSIDE_WINDOW = "outside_window"
    MINIMUM_NOTICE = "minimum_notice"
    BUSY = "busy"
    BUFFER = "buffer"

    @property
    def message(self) -> str:
        return _MESSAGES[self]


_MESSAGES = {
    Reason.OFF_GRID: "not a candidate start: outside hours or off the increment grid",
    Reason.OUTSIDE_WINDOW: "its date is outside the link's availability window",
    Reason.MINIMUM_NOTICE: "too soon: it is within the link's minimum notice",
    Reason.BUSY: "the meeting itself overlaps busy time",
    Reason.BUFFER: "only a buffer is in the way: this meeting's own, or one a booked meeting keeps",
}


# -- local days and hours → UTC ------------------------------------------------------------


def local_day_range(first: date, last: date, tz: str) -> tuple[datetime, datetime]:
    """``[first 00:00, last + 1 day 00:00)`` in ``tz`` as UTC: the instants of those dates.

    Visitors pick days in their own zone; this is the range the engine is then asked about.
    Empty (end <= start) when ``last`` is before ``first``.

    :raise ValueError: unknown zone.
    """
    zone = _zone(tz)
    midnight = time(0)
    return (
        _reached(datetime.combine(first, midnight), zone),
        _reached(datetime.combine(last + _ONE_DAY, midnight), zone),
    )


def candidate_starts(
    rules: SlotRules, range_start: datetime, range_end: datetime
) -> list[datetime]:
    """Every start the hours, overrides and increment allow in ``[range_start, range_end)``.

    The link-local dates to visit are those of the range's ends read in the link's zone, so a
    range computed in the visitor's zone is covered however far apart the two zones are.
    """
    range_start = as_utc(range_start, "range_start")
    range_end = as_utc(range_end, "range_end")
    if range_end <= range_start:
        return []
    zone = _zone(rules.timezone)
    length = timedelta(minutes=rules.duration_minutes)
    step = timedelta(minutes=rules.increment_minutes)
    starts: list[datetime] = []
    day, last = range_start.astimezone(zone).date(), range_end.astimezone(zone).date()
    while day <= last:
        for opens, closes in rules.hours_on(day):
            starts.extend(
                start
                for start in _starts_in(day, opens, closes, zone, length, step)
                if range_start <= start < range_end
            )
        day += _ONE_DAY
    return sorted(set(starts))


def _starts_in(
    day: date, opens: time, closes: time, zone: ZoneInfo, length: timedelta, step: timedelta
) -> Iterator[datetime]:
    """Starts of one interval of hours (§11.1): every ``step`` of wall clock from its opening,
    at each instant the clock reads that time (none in a gap, both in a fold), when the
    clock reads inside the hours for the whole meeting (``length`` of real time)."""
    wall = datetime.combine(day, opens)
    wall_end = datetime.combine(day + _ONE_DAY if closes == time(0) else day, closes)
    if wall_end <= wall:
        raise ValueError(f"Hours {opens:%H:%M}–{closes:%H:%M} on {day} end before they start")
    spans = _real_time(wall, wall_end, zone)
    if len(spans) == 1 and spans[0][1] - spans[0][0] == wall_end - wall:
        # The interval lasts as long as its wall clock says: wall-clock steps are UTC steps.
        start, end = spans[0]
        while start + length <= end:
            yield start
            start += step
        return
    while wall < wall_end:
        for start in _instants(wall, zone):
            if any(begin <= start and start + length <= end for begin, end in spans):
                yield start
        wall += step


def _real_time(
    wall: datetime, wall_end: datetime, zone: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    """The instants at which the clock in ``zone`` reads ``[wall, wall_end)``, as sorted
    disjoint UTC spans: one, unless the clock goes back over the interval's opening or
    closing, when the part it reads twice is a span of its own.

    Between two offset changes the clock runs with real time, so each stretch of constant
    offset reads one range of wall times, clipped here to the interval.
    """
    begin, end = _reached(wall, zone), _last_reached(wall_end, zone)
    if end - begin == wall_end - wall:
        return [(begin, end)]
    spans: list[tuple[datetime, datetime]] = []
    edges = [begin, *_offset_changes(zone, begin, end), end]
    for stretch_start, stretch_end in zip(edges, edges[1:], strict=False):
        offset = stretch_start.astimezone(zone).utcoffset() or timedelta(0)
        first = max(stretch_start, wall.replace(tzinfo=UTC) - offset)
        last = min(stretch_end, wall_end.replace(tzinfo=UTC) - offset)
        if first >= last:
            continue
        if spans and spans[-1][1] == first:
            spans[-1] = (spans[-1][0], last)
        else:
            spans.append((first, last))
    return spans


#: Offset changes are found by looking this often, then to the second: clocks don't change
#: twice within it.
_LOOK = timedelta(minutes=15)


def _offset_changes(zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """The instants in ``(start, end)`` at which the offset of ``zone`` changes."""
    changes: list[datetime] = []
    offset = start.astimezone(zone).utcoffset()
    left = start
    while left < end:
        right = min(left + _LOOK, end)
        if right.astimezone(zone).utcoffset() != offset:
            before, after = int(left.timestamp()), int(right.timestamp())
            while after - before > 1:
                middle = (before + after) // 2
                if datetime.fromtimestamp(middle, zone).utcoffset() == offset:
                    before = middle
                else:
                    after = middle
            change = datetime.fromtimestamp(after, UTC)
            if change < end:
                changes.append(change)
            offset = change.astimezone(zone).utcoffset()
        left = right
    return changes


def _instants(wall: datetime, zone: ZoneInfo) -> tuple[datetime, ...]:
    """Every instant at which the clock in ``zone`` reads the naive ``wall``, earliest first:
    none when it jumps over it, two when it goes back over it."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return tuple(
        dict.fromkeys(
            moment
            for moment in (first, second)
            if moment.astimezone(zone).replace(tzinfo=None) == wall
        )
    )


def _instant(wall: datetime, zone: ZoneInfo) -> datetime | None:
    """When the clock in ``zone`` reads the naive ``wall``: the first time if it reads it twice,
    ``None`` if it jumps over it."""
    moment = wall.replace(tzinfo=zone).astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != wall:
        return None
    return moment


def _last_reached(wall: datetime, zone: ZoneInfo) -> datetime:
    """The last instant at which the clock in ``zone`` reads ``wall``, or, when it jumps over
    ``wall``, the jump: where an interval of hours ends in real time."""
    moment = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)  # fold=1: the later reading
    if moment.astimezone(zone).replace(tzinfo=None) != wall:
        return _reached(wall, zone)
    return moment


def _reached(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant at which the clock in ``zone`` reads ``wall`` or later.

    That is where hours and days end: when the clock jumps over ``wall``, the jump itself.
    """
    moment = _instant(wall, zone)
    if moment is not None:
        return moment
    # In a gap, fold=1 reads ``wall`` with the offset after the jump (an instant before it) and
    # fold=0 with the offset before (an instant after it); the jump lies between, to the second.
    before = int(wall.replace(tzinfo=zone, fold=1).timestamp())
    after = int(wall.replace(tzinfo=zone, fold=0).timestamp())
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None) >= wall:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, UTC)


@cache
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"Unknown time zone {name!r}") from exc


# -- the same for every host: window and minimum notice ------------------------------------


def _window_span(rules: SlotRules, now: datetime) -> tuple[datetime | None, datetime | None]:
    """The instants whose link-local date lies in the window (§11.2); ``None`` is unbounded."""
    window = rules.window
    if window.rolling_weeks is not None:
        today = now.astimezone(_zone(rules.timezone)).date()
        last = today + timedelta(days=7 * window.rolling_weeks - 1)
        return local_day_range(today, last, rules.timezone)
    first = last = None
    if window.start_date is not None:
        first = local_day_range(window.start_date, window.start_date, rules.timezone)[0]
    if window.end_date is not None:
        last = local_day_range(window.end_date, window.end_date, rules.timezone)[1]
    return first, last


def _earliest(rules: SlotRules, now: datetime) -> datetime:
    return now + timedelta(minutes=rules.minimum_notice_minutes)


def _open_starts(
    rules: SlotRules, now: datetime, range_start: datetime, range_end: datetime
) -> list[datetime]:
    """Candidates that pass every test not about a host: hours, window, minimum notice."""
    now = as_utc(now, "now")
    window_start, window_end = _window_span(rules, now)
    bounds_start = [as_utc(range_start, "range_start"), _earliest(rules, now), window_start]
    bounds_end = [as_utc(range_end, "range_end"), window_end]
    return candidate_starts(
        rules,
        max(bound for bound in bounds_start if bound is not None),
        min(bound for bound in bounds_end if bound is not None),
    )


# -- minus busy time -----------------------------------------------------------------------


def _blocking(rules: SlotRules, busy: Sequence[Interval]) -> list[Interval]:
    """What the meeting padded with its own buffers may not overlap, for one host: sorted,
    disjoint intervals.

    §11.2 blocks a start ``s`` when ``[s − own before, s + d + own after)`` overlaps a busy
    interval ``b``, or when ``[s, s + d)`` overlaps a booked meeting padded with the buffers it
    keeps. For a booked meeting the two sets of ``s`` overlap, and together they are the padded
    meeting overlapping ``b`` widened by what its kept buffers have beyond the candidate's
    own: buffers may overlap each other, never a meeting.
    """
    own_before, own_after = rules.buffer_before_minutes, rules.buffer_after_minutes
    widenings: dict[tuple[int, int], tuple[timedelta, timedelta] | None] = {}

    def widening(kept: tuple[int, int]) -> tuple[timedelta, timedelta] | None:
        """How much a meeting keeping ``kept`` buffers is widened; ``None``, not at all."""
        before, after = max(0, kept[0] - own_after), max(0, kept[1] - own_before)
        if not (before or after):
            return None
        return timedelta(minutes=before), timedelta(minutes=after)

    blocking: list[Interval] = []
    for b in busy:
        if type(b) is not Interval and isinstance(b, Meeting):
            kept = (b.buffer_before_minutes, b.buffer_after_minutes)
            if kept not in widenings:  # bookings share a few buffer values: work each out once
                widenings[kept] = widening(kept)
            wider = widenings[kept]
            if wider is not None:
                b = Interval(b.start - wider[0], b.end + wider[1])
        blocking.append(b)
    return merge(blocking)


def _split(
    rules: SlotRules, busy: Sequence[Interval], starts: Sequence[datetime]
) -> tuple[list[datetime], list[datetime]]:
    """``starts`` (sorted) → (free, blocked) for one host: free when the meeting with its
    buffers overlaps nothing ``_blocking`` lists.

    One pass: the blocking intervals are disjoint, so their ends rise with their starts and
    the only one that can touch a padded meeting is the first that ends after it begins.
    """
    before = timedelta(minutes=rules.buffer_before_minutes)
    after = timedelta(minutes=rules.duration_minutes + rules.buffer_after_minutes)
    merged = _blocking(rules, busy)
    free: list[datetime] = []
    blocked: list[datetime] = []
    i, n = 0, len(merged)
    for start in starts:
        padded_start, padded_end = start - before, start + after
        while i < n and merged[i].end <= padded_start:
            i += 1
        if i < n and overlaps(padded_start, padded_end, merged[i].start, merged[i].end):
            blocked.append(start)
        else:
            free.append(start)
    return free, blocked


def free_slots(
    rules: SlotRules,
    busy: Sequence[Interval],
    now: datetime,
    range_start: datetime,
    range_end: datetime,
) -> list[datetime]:
    """Bookable starts in ``[range_start, range_end)`` for one host (§11.2), sorted, in UTC."""
    return _split(rules, busy, _open_starts(rules, now, range_start, range_end))[0]


def team_slots(
    kind: str,
    rules: SlotRules,
    busy_by_host: Mapping[int, Sequence[Interval]],
    now: datetime,
    range_start: datetime,
    range_end: datetime,
) -> list[datetime]:
    """Starts a link of type ``kind`` offers (§11.3): one-on-one, its host is free; round robin,
    at least one host is free; group, every host is. No hosts, no slots.

    :raise ValueError: unknown ``kind``, or a one-on-one link with other than one host.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown link type {kind!r}; expected one of {', '.join(KINDS)}")
    if kind == "one_on_one" and len(busy_by_host) != 1:
        raise ValueError(f"A one-on-one link has one host, got {len(busy_by_host)}")
    starts = _open_starts(rules, now, range_start, range_end)
    if not busy_by_host:
        return []
    if kind == "round_robin":
        offered: list[datetime] = []
        for busy in busy_by_host.values():
            free, starts = _split(rules, busy, starts)
            offered.extend(free)
        return sorted(offered)
    for busy in busy_by_host.values():
        starts = _split(rules, busy, starts)[0]
    return starts


# -- one start at a time -------------------------------------------------------------------


def free_hosts(
    rules: SlotRules,
    busy_by_host: Mapping[int, Sequence[Interval]],
    now: datetime,
    start: datetime,
) -> list[int]:
    """Hosts (in the mapping's order) who can take ``start`` now: the commit-time re-check
    (§11.4), and the pool a round-robin host is chosen from."""
    opened = _open_starts(rules, now, start, as_utc(start, "start") + _INSTANT)
    return [host for host, busy in busy_by_host.items() if _split(rules, busy, opened)[0]]


def is_bookable(rules: SlotRules, busy: Sequence[Interval], now: datetime, start: datetime) -> bool:
    """Whether one host can take ``start`` now; true exactly for what ``free_slots`` offers."""
    return not explain(rules, busy, now, start)


def explain(
    rules: SlotRules, busy: Sequence[Interval], now: datetime, start: datetime
) -> list[Reason]:
    """Every reason ``start`` can't be booked with this host now, in ``Reason`` order; ``[]``
    when it can. Hosts ask "why isn't 10:00 offered?": one answer rarely tells all."""
    start, now = as_utc(start, "start"), as_utc(now, "now")
    reasons: list[Reason] = []
    if candidate_starts(rules, start, start + _INSTANT) != [start]:
        reasons.append(Reason.OFF_GRID)
    window_start, window_end = _window_span(rules, now)
    if (window_start is not None and start < window_start) or (
        window_end is not None and start >= window_end
    ):
        reasons.append(Reason.OUTSIDE_WINDOW)
    if start < _earliest(rules, now):
        reasons.append(Reason.MINIMUM_NOTICE)
    end = start + timedelta(minutes=rules.duration_minutes)
    if any(overlaps(start, end, b.start, b.end) for b in busy):
        reasons.append(Reason.BUSY)
    elif _split(rules, busy, [start])[1]:
        reasons.append(Reason.BUFFER)
    return reasons


def choose_round_robin_host(
    free: Sequence[int],
    upcoming_counts: Mapping[int, int],
    last_assigned: Mapping[int, datetime | None],
) -> int:
    """The free host who gets a round-robin booking (§11.3): fewest upcoming bookings on this
    link, then assigned longest ago (never counts as longest), then first in ``free``, so the
    choice is the same on every server process.

    :raise ValueError: nobody is free.
    """
    if not free:
        raise ValueError("No free host to choose from")

    def fairness(position: int) -> tuple[int, datetime, int]:
        host = free[position]
        last = last_assigned.get(host)
        return (
            upcoming_counts.get(host, 0),
            _LONG_AGO if last is None else as_utc(last, "last_assigned"),
            position,
        )

    return free[min(range(len(free)), key=fairness)]
