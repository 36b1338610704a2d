"""iCalendar data → the host's busy occurrences in a window, as SPEC §5 C3 says.

Pure: no Flask, no database. CalDAV resources and ICS feeds both come through here, so the
busy cache, the commit-time check and the troubleshooter agree on what blocks a time.
Recurrences (RRULE, RDATE, EXDATE, moved and cancelled occurrences) are expanded by
``recurring-ical-events``, never by us; this module only decides what each occurrence
means for the host (busy or free) and where it falls in UTC:

- ``TRANSP:TRANSPARENT``, ``STATUS:CANCELLED`` and events the host declined are free;
- tentative events (``STATUS:TENTATIVE`` or the host's ``PARTSTAT=TENTATIVE``) are busy
  unless the calendar says otherwise;
- all-day events block their local day(s), midnight to midnight, in the calendar's zone;
- floating times are in the host's zone (in the calendar's ``X-WR-TIMEZONE`` when it
  declares one: that is what the property means, and ``recurring-ical-events`` applies it);
- a timed event without ``DTEND`` or ``DURATION`` lasts no time, so it blocks nothing.

A broken event is skipped with a warning; only data that is not iCalendar at all raises.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import recurring_ical_events
from icalendar import Calendar, Component
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

__all__ = [
    "BusyEvent",
    "BusyOptions",
    "InvalidCalendar",
    "busy_events",
    "calendar_zone_of",
    "meetings_in",
    "parse_calendars",
]

log = logging.getLogger(__name__)

#: how far past the window the expansion looks: the library compares floating and all-day
#: times as if they were UTC, and zones lie within 26 hours of each other (UTC-12 to UTC+14),
#: so two days either side catch every occurrence that really overlaps; the exact test after
_MARGIN = timedelta(days=2)

_X_WR_TIMEZONE = "X-WR-TIMEZONE"


class InvalidCalendar(ValueError):
    """The data is not an iCalendar file at all (an HTML page, an empty body, garbage)."""


@dataclass(frozen=True, slots=True)
class BusyEvent:
    """One occurrence that makes the host busy, in aware UTC, ``start < end``."""

    start: datetime
    end: datetime
    #: the event's UID ('' if it has none); our own bookings are recognised by it
    uid: str
    #: what the troubleshooter names ("busy: 'Dentist'")
    summary: str
    all_day: bool
    #: which occurrence of a recurring event this is (its RECURRENCE-ID in UTC), else None
    recurrence_id: datetime | None = None
    #: everyone on the event (attendees and organiser), lower-case addresses: C5 finds the
    #: account's contacts among them
    participants: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class BusyOptions:
    """How one calendar's events are read: the host's zone and addresses, and the
    calendar's options (C2, C3)."""

    #: where floating times are
    host_zone: str
    #: where all-day events fall (None: the host's zone); a calendar's X-WR-TIMEZONE wins
    calendar_zone: str | None = None
    #: the host's emails and calendar-user addresses; an ATTENDEE among them is the host
    own_addresses: frozenset[str] = frozenset()
    tentative_busy: bool = True
    ignore_all_day: bool = False
    #: events never to count: our own bookings' events (``booking-<id>@host``), which are
    #: busy already as bookings
    skip_uids: frozenset[str] = frozenset()


# -- parsing -------------------------------------------------------------------------------


def parse_calendars(data: bytes | str | Calendar) -> list[Calendar]:
    """The VCALENDARs in ``data`` (a file may hold several); raises :class:`InvalidCalendar`
    when it holds none or cannot be read as iCalendar at all."""
    if isinstance(data, Calendar):
        return [data]
    if isinstance(data, Component):
        raise InvalidCalendar(f"not an iCalendar file (a {data.name} outside a VCALENDAR)")
    if not isinstance(data, bytes | str):
        raise TypeError(f"expected iCalendar bytes, str or Calendar, not {type(data).__name__}")
    try:
        components = Calendar.from_ical(data, multiple=True)
    except ValueError as error:
        raise InvalidCalendar(f"not an iCalendar file ({_first_line(error)})") from error
    calendars = [c for c in components if isinstance(c, Calendar)]
    if not calendars:
        raise InvalidCalendar("not an iCalendar file (no VCALENDAR in it)")
    return calendars


def _first_line(error: Exception) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0][:200]


def calendar_zone_of(data: bytes | str | Calendar) -> str | None:
    """The zone the calendar declares in ``X-WR-TIMEZONE`` (an IANA name; Windows names are
    translated), or None when it declares none or one we don't know."""
    for calendar in parse_calendars(data):
        if (name := _declared_zone(calendar)) is not None:
            return name
    return None


def _declared_zone(calendar: Calendar) -> str | None:
    raw = calendar.get(_X_WR_TIMEZONE)
    return None if raw is None else _iana_name(str(raw))


@cache
def _iana_name(name: str) -> str | None:
    for candidate in (name.strip(), WINDOWS_TO_OLSON.get(name.strip(), "")):
        if candidate:
            try:
                ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
            return candidate
    return None


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


# -- expanding -------------------------------------------------------------------------------


def busy_events(
    calendars: Iterable[bytes | str | Calendar] | bytes | str | Calendar,
    start: datetime,
    end: datetime,
    options: BusyOptions,
) -> list[BusyEvent]:
    """Every occurrence that makes the host busy and overlaps ``[start, end)``, sorted by
    start (then end, then UID).

    ``calendars`` is one iCalendar file or several (CalDAV gives one VCALENDAR per event).
    Each event is judged per occurrence, so a moved occurrence keeps its own status and a
    cancelled one is gone. Raises :class:`InvalidCalendar` when some data is not iCalendar
    at all; a broken event inside a good calendar is skipped with a warning.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if isinstance(calendars, bytes | str | Calendar):
        calendars = [calendars]
    found: list[BusyEvent] = []
    if end <= start:
        return found
    own = frozenset(_address(a) for a in options.own_addresses)
    for occurrence, host_zone, day_zone in _each_occurrence(calendars, start, end, options):
        event = _busy_event(occurrence, options, own, host_zone, day_zone)
        if event is not None and event.start < end and start < event.end:
            found.append(event)
    found.sort(key=lambda e: (e.start, e.end, e.uid))
    return found


def meetings_in(
    calendars: Iterable[bytes | str | Calendar] | bytes | str | Calendar,
    start: datetime,
    end: datetime,
    options: BusyOptions,
) -> list[BusyEvent]:
    """Every occurrence overlapping ``[start, end)`` that is not cancelled, busy or free
    (C5 logs meetings, not busy time), with its participants."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if isinstance(calendars, bytes | str | Calendar):
        calendars = [calendars]
    found: list[BusyEvent] = []
    for occurrence, host_zone, day_zone in _each_occurrence(calendars, start, end, options):
        if str(occurrence.component.get("STATUS", "")).upper() == "CANCELLED":
            continue
        event = _event(occurrence, host_zone, day_zone)
        if event is not None and event.start < end and start < event.end:
            found.append(event)
    return found


def _each_occurrence(
    calendars: Iterable[bytes | str | Calendar],
    start: datetime,
    end: datetime,
    options: BusyOptions,
) -> Iterator[tuple[_Occurrence, tzinfo, tzinfo]]:
    """Every VEVENT occurrence near the window, with the host's zone and the zone its
    calendar's days are in (its ``X-WR-TIMEZONE``, else the calendar's, else the host's)."""
    host_zone = _zone(options.host_zone)
    for data in calendars:
        for calendar in parse_calendars(data):
            declared = _declared_zone(calendar)
            day_zone = _zone(declared or options.calendar_zone or options.host_zone)
            floating_zone = _zone(declared) if declared else host_zone
            for occurrence in _occurrences(calendar, declared, floating_zone, start, end):
                yield occurrence, host_zone, day_zone


@dataclass(frozen=True, slots=True)
class _Occurrence:
    #: the occurrence as ``recurring-ical-events`` gives it: the event with its own times
    component: Component
    #: whether its event recurs (so that the occurrence has a RECURRENCE-ID worth keeping)
    recurring: bool
    #: the exact length of its series, for an occurrence the series' rule made (not an
    #: override); None when the library's end is right as it is
    length: timedelta | None


def _occurrences(
    calendar: Calendar,
    declared: str | None,
    floating_zone: tzinfo,
    start: datetime,
    end: datetime,
) -> Iterator[_Occurrence]:
    """Each VEVENT occurrence near ``[start, end)``.

    The whole calendar is expanded at once; when that fails, each UID is expanded on its
    own so that one broken event does not hide the others."""
    calendar = _with_zone(calendar, declared)
    recurring: set[str] = set()
    lengths: dict[str, timedelta] = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event.get("UID", ""))
        if any(name in event for name in ("RRULE", "RDATE", "RECURRENCE-ID")):
            recurring.add(uid)
        if ("RRULE" in event or "RDATE" in event) and "RECURRENCE-ID" not in event:
            if (length := _exact_length(event, floating_zone)) is not None:
                lengths[uid] = length
    try:
        found = _expand(calendar, start, end)
    except Exception:  # any event's error: retry event by event, below
        found = []
        for uid, one in _split_by_uid(calendar):
            try:
                found.extend(_expand(one, start, end))
            except Exception as error:  # a broken event must not hide the others
                log.warning("skipped a broken calendar event (UID %r): %s", uid, error)
    for component in found:
        uid = str(component.get("UID", ""))
        generated = "RRULE" in component or "RDATE" in component
        yield _Occurrence(component, uid in recurring, lengths.get(uid) if generated else None)


def _expand(calendar: Calendar, start: datetime, end: datetime) -> list[Component]:
    query = recurring_ical_events.of(calendar, keep_recurrence_attributes=True)
    return query.between(start - _MARGIN, end + _MARGIN)


def _exact_length(master: Component, floating_zone: tzinfo) -> timedelta | None:
    """How long each occurrence of a timed series lasts: the exact duration from DTSTART to
    DTEND, or a DURATION in hours and minutes (RFC 5545 §3.8.5.3). The library adds the
    length to the local start instead, which shortens an occurrence over a clock change
    and makes one that starts in the gap of a spring-forward night last no time at all.
    None for all-day series and nominal (day) durations, where its end is right."""
    try:
        start = master["DTSTART"].dt
        if not isinstance(start, datetime):
            return None
        if "DTEND" in master:
            dtend = master["DTEND"].dt
            if not isinstance(dtend, datetime):
                return None
            length = _utc(dtend, floating_zone, UTC) - _utc(start, floating_zone, UTC)
        elif "DURATION" in master:
            length = master["DURATION"].dt
            if not isinstance(length, timedelta) or length.days:
                return None
        else:
            return None
    except (AttributeError, KeyError, TypeError, ValueError):
        return None  # a broken event: the expansion reports it
    return length if length > timedelta(0) else None


def _with_zone(calendar: Calendar, declared: str | None) -> Calendar:
    """The calendar with its X-WR-TIMEZONE as an IANA name, or without it when unknown
    (``recurring-ical-events`` applies it and would fail on a name it can't find)."""
    raw = calendar.get(_X_WR_TIMEZONE)
    if raw is None or str(raw) == declared:
        return calendar
    copy = _shell(calendar)
    del copy[_X_WR_TIMEZONE]
    if declared is not None:
        copy[_X_WR_TIMEZONE] = declared
    copy.subcomponents = list(calendar.subcomponents)
    return copy


def _shell(calendar: Calendar) -> Calendar:
    """A calendar with the properties of ``calendar`` and no components."""
    copy = Calendar()
    for name, value in calendar.items():
        copy[name] = value
    return copy


def _split_by_uid(calendar: Calendar) -> Iterator[tuple[str, Calendar]]:
    """One calendar per UID (its master and overrides together), each with every
    VTIMEZONE and the calendar's own properties."""
    by_uid: dict[str, list[Component]] = {}
    for event in calendar.walk("VEVENT"):
        by_uid.setdefault(str(event.get("UID", "")), []).append(event)
    zones = list(calendar.walk("VTIMEZONE"))
    for uid, events in by_uid.items():
        one = _shell(calendar)
        one.subcomponents = [*zones, *events]
        yield uid, one


# -- judging one occurrence -----------------------------------------------------------------


def _busy_event(
    occurrence: _Occurrence,
    options: BusyOptions,
    own: frozenset[str],
    host_zone: tzinfo,
    day_zone: tzinfo,
) -> BusyEvent | None:
    """The occurrence as the host's busy time, or None when it leaves the host free."""
    component = occurrence.component
    uid = str(component.get("UID", ""))
    if uid in options.skip_uids:
        return None
    if str(component.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    status = str(component.get("STATUS", "CONFIRMED")).upper()
    if status == "CANCELLED":
        return None
    answers = _own_answers(component, own)
    if answers and all(answer == "DECLINED" for answer in answers):
        return None
    tentative = status == "TENTATIVE" or ("TENTATIVE" in answers and "ACCEPTED" not in answers)
    if tentative and not options.tentative_busy:
        return None
    if not isinstance(component["DTSTART"].dt, datetime) and options.ignore_all_day:
        return None
    return _event(occurrence, host_zone, day_zone)


def _event(occurrence: _Occurrence, host_zone: tzinfo, day_zone: tzinfo) -> BusyEvent | None:
    """The occurrence's times, in UTC, and who takes part; None when it lasts no time."""
    component = occurrence.component
    raw_start = component["DTSTART"].dt
    all_day = not isinstance(raw_start, datetime)
    start = _utc(raw_start, host_zone, day_zone)
    if occurrence.length is not None and not all_day:
        end = start + occurrence.length
    else:
        end = _utc(component["DTEND"].dt, host_zone, day_zone)
    if end <= start:  # an instant (no DTEND, no DURATION) blocks nothing
        return None
    recurrence_id = None
    if occurrence.recurring and (rid := component.get("RECURRENCE-ID")) is not None:
        recurrence_id = _utc(rid.dt, host_zone, day_zone)
    attendees = component.get("ATTENDEE", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    people = [str(a) for a in attendees]
    if component.get("ORGANIZER") is not None:
        people.append(str(component["ORGANIZER"]))
    return BusyEvent(
        start=start,
        end=end,
        uid=str(component.get("UID", "")),
        summary=str(component.get("SUMMARY", "")),
        all_day=all_day,
        recurrence_id=recurrence_id,
        participants=frozenset(_address(p) for p in people if _address(p)),
    )


def _own_answers(component: Component, own: frozenset[str]) -> set[str]:
    """The host's PARTSTATs on this event, one per ATTENDEE line that is the host."""
    attendees = component.get("ATTENDEE", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    return {
        str(attendee.params.get("PARTSTAT", "NEEDS-ACTION")).upper()
        for attendee in attendees
        if _address(str(attendee)) in own
    }


def _address(value: str) -> str:
    """A calendar-user address as we compare it: lower-case, without ``mailto:``."""
    value = value.strip().lower()
    return value.removeprefix("mailto:")


def _utc(value: date | datetime, host_zone: tzinfo, day_zone: tzinfo) -> datetime:
    """A DTSTART/DTEND/RECURRENCE-ID value in aware UTC: a date is its midnight in the
    calendar's zone, a floating time is in the host's zone."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(), tzinfo=day_zone)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=host_zone)
    return value.astimezone(UTC)
