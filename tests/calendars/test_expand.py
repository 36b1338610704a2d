"""iCalendar data → busy occurrences (SPEC §5 C3): recurrences across DST, all-day days in the
calendar's zone, what leaves the host free, floating times, broken and foreign data.

Pure: no database, no Flask. The property tests' oracle for a weekly event steps the wall
clock of its zone a week at a time, independently of the library's expansion, and gives each
occurrence the series' exact length (RFC 5545 §3.8.5.3), over clock changes too.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from server.calendars.expand import (
    BusyEvent,
    BusyOptions,
    InvalidCalendar,
    busy_events,
    calendar_zone_of,
    parse_calendars,
)

NY = BusyOptions(host_zone="America/New_York")
PARIS = BusyOptions(host_zone="Europe/Paris")
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def ics(*events: str, head: str = "") -> str:
    """A VCALENDAR holding ``events`` (VEVENT bodies, or whole components), CRLF lines."""
    parts = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Rendezvous tests//EN"]
    parts += [line for line in head.splitlines() if line.strip()]
    for event in events:
        lines = [line.strip() for line in event.strip().splitlines() if line.strip()]
        if not lines[0].startswith("BEGIN:"):
            lines = ["BEGIN:VEVENT", *lines, "END:VEVENT"]
        parts += lines
    parts.append("END:VCALENDAR")
    return "\r\n".join(parts) + "\r\n"


def wall(*args: int) -> datetime:
    """A wall-clock time, naive: the zone it is read in goes with it."""
    return utc(*args).replace(tzinfo=None)


def spans(events: list[BusyEvent]) -> list[tuple[datetime, datetime]]:
    return [(e.start, e.end) for e in events]


def one_event(body: str, options: BusyOptions = PARIS, **kwargs: str) -> list[BusyEvent]:
    """The busy occurrences in March 2027 of a calendar holding one event."""
    return busy_events([ics(body, **kwargs)], utc(2027, 3, 1), utc(2027, 4, 1), options)


HOUR_IN_PARIS = """
UID:meeting@example.com
DTSTART:20270310T090000Z
DTEND:20270310T100000Z
SUMMARY:Meeting
"""
MARCH_10 = [(utc(2027, 3, 10, 9), utc(2027, 3, 10, 10))]

# -- recurrences --------------------------------------------------------------------------

NEW_YORK_VTIMEZONE = """
BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE
"""

WEEKLY_STANDUP = """
UID:standup@example.com
DTSTART;TZID=America/New_York:20270301T100000
DTEND;TZID=America/New_York:20270301T110000
RRULE:FREQ=WEEKLY;BYDAY=MO
EXDATE;TZID=America/New_York:20270322T100000
SUMMARY:Standup
"""

STANDUP_MOVED_TO_TUESDAY = """
UID:standup@example.com
RECURRENCE-ID;TZID=America/New_York:20270315T100000
DTSTART;TZID=America/New_York:20270316T140000
DTEND;TZID=America/New_York:20270316T150000
SUMMARY:Standup (moved)
"""


def test_weekly_new_york_event_keeps_its_wall_clock_across_dst_without_exdate_or_moved_week():
    calendar = ics(NEW_YORK_VTIMEZONE, WEEKLY_STANDUP, STANDUP_MOVED_TO_TUESDAY)

    busy = busy_events([calendar], utc(2027, 2, 28), utc(2027, 4, 6), PARIS)

    assert spans(busy) == [
        (utc(2027, 3, 1, 15), utc(2027, 3, 1, 16)),  # EST: 10:00 NY is 15:00Z
        (utc(2027, 3, 8, 15), utc(2027, 3, 8, 16)),
        # 2027-03-14 the clocks go forward; 03-15 moved to Tuesday 14:00 EDT = 18:00Z
        (utc(2027, 3, 16, 18), utc(2027, 3, 16, 19)),
        # 03-22 is an EXDATE
        (utc(2027, 3, 29, 14), utc(2027, 3, 29, 15)),  # EDT: 10:00 NY is 14:00Z
        (utc(2027, 4, 5, 14), utc(2027, 4, 5, 15)),
    ]
    moved = busy[2]
    assert (moved.uid, moved.summary, moved.recurrence_id) == (
        "standup@example.com",
        "Standup (moved)",
        utc(2027, 3, 15, 14),
    )
    assert [e.recurrence_id for e in busy] == [
        utc(2027, 3, 1, 15),
        utc(2027, 3, 8, 15),
        utc(2027, 3, 15, 14),
        utc(2027, 3, 29, 14),
        utc(2027, 4, 5, 14),
    ]


def test_weekly_event_without_vtimezone_resolves_its_tzid_the_same_way():
    busy = busy_events(
        [ics(WEEKLY_STANDUP, STANDUP_MOVED_TO_TUESDAY)], utc(2027, 3, 8), utc(2027, 3, 30), PARIS
    )

    assert spans(busy) == [
        (utc(2027, 3, 8, 15), utc(2027, 3, 8, 16)),
        (utc(2027, 3, 16, 18), utc(2027, 3, 16, 19)),
        (utc(2027, 3, 29, 14), utc(2027, 3, 29, 15)),
    ]


STANDUP_MARCH_8_TO_29 = [
    (utc(2027, 3, 8, 15), utc(2027, 3, 8, 16)),
    (utc(2027, 3, 15, 14), utc(2027, 3, 15, 15)),
    (utc(2027, 3, 29, 14), utc(2027, 3, 29, 15)),
]


def test_a_vtimezone_under_its_own_name_and_a_windows_zone_name_are_understood():
    custom = NEW_YORK_VTIMEZONE.replace("TZID:America/New_York", "TZID:Custom Eastern")
    in_custom = WEEKLY_STANDUP.replace("TZID=America/New_York", 'TZID="Custom Eastern"')
    in_windows = WEEKLY_STANDUP.replace("TZID=America/New_York", 'TZID="Eastern Standard Time"')

    for calendar in (ics(custom, in_custom), ics(in_windows)):
        busy = busy_events([calendar], utc(2027, 3, 8), utc(2027, 3, 30), PARIS)
        assert spans(busy) == STANDUP_MARCH_8_TO_29


def test_a_tzid_nobody_defines_reads_as_floating_in_the_host_zone():
    unknown = WEEKLY_STANDUP.replace("TZID=America/New_York", "TZID=Nowhere/Land")

    busy = busy_events([ics(unknown)], utc(2027, 3, 8), utc(2027, 3, 30), PARIS)

    assert spans(busy) == [  # 10:00 Paris: CET, then CEST from 03-28
        (utc(2027, 3, 8, 9), utc(2027, 3, 8, 10)),
        (utc(2027, 3, 15, 9), utc(2027, 3, 15, 10)),
        (utc(2027, 3, 29, 8), utc(2027, 3, 29, 9)),
    ]


def test_cancelled_occurrence_of_a_series_is_gone_and_the_others_stay():
    cancelled_override = """
    UID:standup@example.com
    RECURRENCE-ID;TZID=America/New_York:20270308T100000
    DTSTART;TZID=America/New_York:20270308T100000
    DTEND;TZID=America/New_York:20270308T110000
    STATUS:CANCELLED
    SUMMARY:Standup
    """

    busy = busy_events(
        [ics(WEEKLY_STANDUP, cancelled_override)], utc(2027, 3, 1), utc(2027, 3, 16), PARIS
    )

    assert spans(busy) == [
        (utc(2027, 3, 1, 15), utc(2027, 3, 1, 16)),
        (utc(2027, 3, 15, 14), utc(2027, 3, 15, 15)),
    ]


def test_rdate_adds_an_occurrence_and_a_single_event_has_no_recurrence_id():
    with_rdate = """
    UID:review@example.com
    DTSTART:20270301T120000Z
    DTEND:20270301T130000Z
    RDATE:20270304T160000Z
    SUMMARY:Review
    """

    busy = busy_events([ics(with_rdate, HOUR_IN_PARIS)], utc(2027, 3, 1), utc(2027, 3, 31), PARIS)

    assert [(e.uid, e.start, e.end, e.recurrence_id) for e in busy] == [
        ("review@example.com", utc(2027, 3, 1, 12), utc(2027, 3, 1, 13), utc(2027, 3, 1, 12)),
        ("review@example.com", utc(2027, 3, 4, 16), utc(2027, 3, 4, 17), utc(2027, 3, 4, 16)),
        ("meeting@example.com", utc(2027, 3, 10, 9), utc(2027, 3, 10, 10), None),
    ]


def test_an_occurrence_in_the_spring_forward_gap_keeps_its_length():
    # Sundays 02:30-03:30 New York: on 2027-03-14 02:30 does not exist; it reads as 02:30 EST
    # (07:30Z, 03:30 EDT) and lasts its hour, as RFC 5545 says
    sundays = """
    UID:night@example.com
    DTSTART;TZID=America/New_York:20270307T023000
    DTEND;TZID=America/New_York:20270307T033000
    RRULE:FREQ=WEEKLY;COUNT=3
    """

    assert spans(one_event(sundays, PARIS)) == [
        (utc(2027, 3, 7, 7, 30), utc(2027, 3, 7, 8, 30)),
        (utc(2027, 3, 14, 7, 30), utc(2027, 3, 14, 8, 30)),
        (utc(2027, 3, 21, 6, 30), utc(2027, 3, 21, 7, 30)),
    ]


def test_an_occurrence_over_the_fall_back_hour_lasts_the_series_exact_length():
    # Sundays 01:30-02:30 New York; on 2027-11-07 01:30 comes twice and the first one counts
    sundays = """
    UID:night@example.com
    DTSTART;TZID=America/New_York:20271031T013000
    DTEND;TZID=America/New_York:20271031T023000
    RRULE:FREQ=WEEKLY;COUNT=2
    """

    busy = busy_events([ics(sundays)], utc(2027, 10, 1), utc(2027, 12, 1), PARIS)

    assert spans(busy) == [
        (utc(2027, 10, 31, 5, 30), utc(2027, 10, 31, 6, 30)),
        (utc(2027, 11, 7, 5, 30), utc(2027, 11, 7, 6, 30)),
    ]


def test_a_single_event_over_the_clock_change_ends_at_its_own_dtend():
    overnight = """
    UID:on-call@example.com
    DTSTART;TZID=America/New_York:20270313T230000
    DTEND;TZID=America/New_York:20270314T030000
    """

    # 23:00 EST = 04:00Z to 03:00 EDT = 07:00Z: three hours, though the clock shows four
    assert spans(one_event(overnight, PARIS)) == [(utc(2027, 3, 14, 4), utc(2027, 3, 14, 7))]


# -- all-day events --------------------------------------------------------------------------

DAY_OFF = """
UID:day-off@example.com
DTSTART;VALUE=DATE:20270303
DTEND;VALUE=DATE:20270304
SUMMARY:Day off
"""
TRIP = """
UID:trip@example.com
DTSTART;VALUE=DATE:20270310
DTEND;VALUE=DATE:20270313
SUMMARY:Trip
"""
TOKYO_DAYS = [
    (utc(2027, 3, 2, 15), utc(2027, 3, 3, 15)),  # 03-03 00:00 JST to 03-04 00:00 JST
    (utc(2027, 3, 9, 15), utc(2027, 3, 12, 15)),  # 03-10, 11, 12 (DTEND is exclusive)
]


def test_all_day_events_block_their_days_in_the_x_wr_timezone_of_the_calendar():
    busy = busy_events(
        [ics(DAY_OFF, TRIP, head="X-WR-TIMEZONE:Asia/Tokyo")],
        utc(2027, 3, 1),
        utc(2027, 4, 1),
        PARIS,
    )

    assert spans(busy) == TOKYO_DAYS
    assert [(e.summary, e.all_day) for e in busy] == [("Day off", True), ("Trip", True)]


def test_all_day_events_block_their_days_in_the_calendar_zone_option():
    options = BusyOptions(host_zone="Europe/Paris", calendar_zone="Asia/Tokyo")

    busy = busy_events([ics(DAY_OFF, TRIP)], utc(2027, 3, 1), utc(2027, 4, 1), options)

    assert spans(busy) == TOKYO_DAYS


def test_x_wr_timezone_of_the_data_wins_over_the_calendar_zone_option():
    options = BusyOptions(host_zone="Europe/Paris", calendar_zone="America/New_York")

    busy = one_event(DAY_OFF, options, head="X-WR-TIMEZONE:Asia/Tokyo")

    assert spans(busy) == TOKYO_DAYS[:1]


def test_all_day_events_fall_in_the_host_zone_when_the_calendar_has_none():
    assert spans(one_event(DAY_OFF, PARIS)) == [(utc(2027, 3, 2, 23), utc(2027, 3, 3, 23))]


def test_all_day_event_over_the_dst_change_is_23_plus_24_hours():
    weekend = """
    UID:weekend@example.com
    DTSTART;VALUE=DATE:20270313
    DTEND;VALUE=DATE:20270315
    """

    # 03-13 00:00 EST = 05:00Z; 03-15 00:00 EDT = 04:00Z
    assert spans(one_event(weekend, NY)) == [(utc(2027, 3, 13, 5), utc(2027, 3, 15, 4))]


def test_all_day_event_without_dtend_lasts_one_day():
    assert spans(one_event("UID:d\nDTSTART;VALUE=DATE:20270303", NY)) == [
        (utc(2027, 3, 3, 5), utc(2027, 3, 4, 5))
    ]


def test_all_day_events_are_free_when_the_calendar_ignores_them():
    options = BusyOptions(host_zone="Europe/Paris", ignore_all_day=True)

    busy = busy_events(
        [ics(DAY_OFF, TRIP, HOUR_IN_PARIS)], utc(2027, 3, 1), utc(2027, 4, 1), options
    )

    assert spans(busy) == MARCH_10


# -- what leaves the host free ----------------------------------------------------------------

HOST = BusyOptions(
    host_zone="Europe/Paris", own_addresses=frozenset({"host@example.com", "/principals/host/"})
)


def test_transparent_event_is_free_and_opaque_is_busy():
    assert one_event(HOUR_IN_PARIS + "TRANSP:TRANSPARENT") == []
    assert spans(one_event(HOUR_IN_PARIS + "TRANSP:OPAQUE")) == MARCH_10


def test_cancelled_event_is_free():
    assert one_event(HOUR_IN_PARIS + "STATUS:CANCELLED") == []
    assert spans(one_event(HOUR_IN_PARIS + "STATUS:CONFIRMED")) == MARCH_10


def test_event_the_host_declined_is_free_whatever_the_case_of_mailto():
    declined = HOUR_IN_PARIS + "ATTENDEE;PARTSTAT=DECLINED:MAILTO:Host@Example.COM"

    assert one_event(declined, HOST) == []


def test_event_declined_under_a_calendar_user_address_is_free():
    declined = HOUR_IN_PARIS + "ATTENDEE;PARTSTAT=DECLINED:/principals/host/"

    assert one_event(declined, HOST) == []


def test_event_someone_else_declined_stays_busy():
    others = HOUR_IN_PARIS + (
        "ATTENDEE;PARTSTAT=DECLINED:mailto:visitor@example.org\n"
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:host@example.com"
    )

    assert spans(one_event(others, HOST)) == MARCH_10


def test_event_the_host_has_not_answered_is_busy():
    unanswered = HOUR_IN_PARIS + "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:host@example.com"

    assert spans(one_event(unanswered, HOST)) == MARCH_10


def test_tentative_events_are_busy_by_default():
    tentative = HOUR_IN_PARIS + "STATUS:TENTATIVE"
    maybe = HOUR_IN_PARIS + "ATTENDEE;PARTSTAT=TENTATIVE:mailto:host@example.com"

    assert spans(one_event(tentative, HOST)) == MARCH_10
    assert spans(one_event(maybe, HOST)) == MARCH_10


def test_tentative_events_are_free_when_the_calendar_says_so():
    options = BusyOptions(
        host_zone="Europe/Paris", own_addresses=HOST.own_addresses, tentative_busy=False
    )
    tentative = HOUR_IN_PARIS + "STATUS:TENTATIVE"
    maybe = HOUR_IN_PARIS + "ATTENDEE;PARTSTAT=TENTATIVE:mailto:host@example.com"
    others_maybe = HOUR_IN_PARIS + "ATTENDEE;PARTSTAT=TENTATIVE:mailto:visitor@example.org"

    assert one_event(tentative, options) == []
    assert one_event(maybe, options) == []
    assert spans(one_event(others_maybe, options)) == MARCH_10


def test_our_own_booking_events_never_count_twice():
    booking = """
    UID:booking-42@rendezvous.example
    DTSTART:20270311T090000Z
    DTEND:20270311T093000Z
    """
    options = BusyOptions(
        host_zone="Europe/Paris", skip_uids=frozenset({"booking-42@rendezvous.example"})
    )

    busy = busy_events([ics(booking, HOUR_IN_PARIS)], utc(2027, 3, 1), utc(2027, 4, 1), options)

    assert [e.uid for e in busy] == ["meeting@example.com"]


def test_todos_and_journals_are_ignored():
    todo = """
    BEGIN:VTODO
    UID:todo@example.com
    DTSTART:20270310T120000Z
    DUE:20270310T130000Z
    END:VTODO
    """
    journal = """
    BEGIN:VJOURNAL
    UID:journal@example.com
    DTSTART:20270310T140000Z
    END:VJOURNAL
    """

    busy = busy_events([ics(todo, journal, HOUR_IN_PARIS)], utc(2027, 3, 1), utc(2027, 4, 1), PARIS)

    assert spans(busy) == MARCH_10


# -- times, lengths, windows ----------------------------------------------------------------


def test_floating_time_is_in_the_host_zone():
    floating = "UID:f\nDTSTART:20270310T090000\nDTEND:20270310T100000"

    assert spans(one_event(floating, PARIS)) == [(utc(2027, 3, 10, 8), utc(2027, 3, 10, 9))]
    assert spans(one_event(floating, NY)) == [(utc(2027, 3, 10, 14), utc(2027, 3, 10, 15))]


def test_floating_time_is_in_the_calendars_x_wr_timezone_when_it_declares_one():
    floating = "UID:f\nDTSTART:20270310T090000\nDTEND:20270310T100000"

    busy = one_event(floating, PARIS, head="X-WR-TIMEZONE:Asia/Tokyo")

    assert spans(busy) == [(utc(2027, 3, 10, 0), utc(2027, 3, 10, 1))]


def test_duration_instead_of_dtend():
    event = "UID:d\nDTSTART:20270310T090000Z\nDURATION:PT1H30M"

    assert spans(one_event(event)) == [(utc(2027, 3, 10, 9), utc(2027, 3, 10, 10, 30))]


def test_timed_event_without_end_or_duration_blocks_nothing():
    assert one_event("UID:i\nDTSTART:20270310T090000Z") == []


def test_window_is_half_open_and_events_across_its_edges_count():
    def between(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        return spans(busy_events([ics(HOUR_IN_PARIS)], start, end, PARIS))

    assert between(utc(2027, 3, 10, 10), utc(2027, 3, 11)) == []
    assert between(utc(2027, 3, 9), utc(2027, 3, 10, 9)) == []
    assert between(utc(2027, 3, 10, 9, 59), utc(2027, 3, 11)) == MARCH_10
    assert between(utc(2027, 3, 9), utc(2027, 3, 10, 9, 1)) == MARCH_10
    assert between(utc(2027, 3, 10, 9, 30), utc(2027, 3, 10, 9, 30)) == []


def test_window_in_another_zone_is_the_same_instants():
    paris = ZoneInfo("Europe/Paris")

    busy = busy_events(
        [ics(HOUR_IN_PARIS)],
        datetime(2027, 3, 10, 10, 30, tzinfo=paris),
        datetime(2027, 3, 10, 11, 0, tzinfo=paris),
        PARIS,
    )

    assert spans(busy) == MARCH_10
    assert busy[0].start.tzinfo is UTC


def test_naive_window_is_refused():
    with pytest.raises(ValueError, match="aware"):
        busy_events([ics(HOUR_IN_PARIS)], datetime(2027, 3, 1), utc(2027, 4, 1), PARIS)  # noqa: DTZ001


# -- several calendars, broken and foreign data ------------------------------------------------


def test_several_vcalendars_from_a_list_and_from_one_file_are_all_read():
    day = "UID:{uid}\nDTSTART:202703{d:02d}T120000Z\nDTEND:202703{d:02d}T130000Z"
    first, second, third = (ics(day.format(uid=f"e{d}", d=d)) for d in (2, 3, 4))

    busy = busy_events([first, (second + third).encode()], utc(2027, 3, 1), utc(2027, 4, 1), PARIS)

    assert [e.uid for e in busy] == ["e2", "e3", "e4"]
    assert [e.start for e in busy] == [utc(2027, 3, d, 12) for d in (2, 3, 4)]


def test_a_parsed_calendar_is_accepted_too():
    (calendar,) = parse_calendars(ics(HOUR_IN_PARIS))

    assert spans(busy_events([calendar], utc(2027, 3, 1), utc(2027, 4, 1), PARIS)) == MARCH_10
    assert spans(busy_events(calendar, utc(2027, 3, 1), utc(2027, 4, 1), PARIS)) == MARCH_10


def test_a_broken_event_is_skipped_with_a_warning_and_the_others_count(caplog):
    broken_start = "UID:broken-start@example.com\nDTSTART:2027XXXX\nDTEND:20270310T100000Z"
    broken_rule = """
    UID:broken-rule@example.com
    DTSTART:20270301T100000Z
    DTEND:20270301T110000Z
    RRULE:FREQ=WEEKLY;BYDAY=XX
    """
    no_start = "UID:no-start@example.com\nDTEND:20270310T100000Z"

    with caplog.at_level(logging.WARNING, logger="server.calendars.expand"):
        busy = busy_events(
            [ics(broken_start, broken_rule, HOUR_IN_PARIS, no_start)],
            utc(2027, 3, 1),
            utc(2027, 4, 1),
            PARIS,
        )

    assert spans(busy) == MARCH_10
    warned = " ".join(record.getMessage() for record in caplog.records)
    for uid in ("broken-start@example.com", "broken-rule@example.com", "no-start@example.com"):
        assert uid in warned


def test_an_unknown_x_wr_timezone_is_left_out_and_the_calendar_zone_used():
    options = BusyOptions(host_zone="Europe/Paris", calendar_zone="Asia/Tokyo")

    busy = one_event(DAY_OFF, options, head="X-WR-TIMEZONE:Mars/Olympus_Mons")

    assert spans(busy) == TOKYO_DAYS[:1]


@pytest.mark.parametrize(
    "data",
    [
        b"garbage",
        "",
        b"<!DOCTYPE html><html><body>Please log in</body></html>",
        "BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n",
        b"\xff\xfe\x00\x01",
    ],
    ids=["garbage", "empty", "html", "event-without-calendar", "binary"],
)
def test_data_that_is_not_icalendar_raises_a_clear_error(data):
    with pytest.raises(InvalidCalendar, match="not an iCalendar file"):
        busy_events([data], utc(2027, 3, 1), utc(2027, 4, 1), PARIS)


def test_invalid_calendar_is_a_value_error():
    assert issubclass(InvalidCalendar, ValueError)


@pytest.mark.parametrize(
    ("head", "zone"),
    [
        ("X-WR-TIMEZONE:Asia/Tokyo", "Asia/Tokyo"),
        ("X-WR-TIMEZONE:W. Europe Standard Time", "Europe/Berlin"),
        ("X-WR-TIMEZONE:Mars/Olympus_Mons", None),
        ("", None),
    ],
)
def test_calendar_zone_of_reads_x_wr_timezone(head, zone):
    assert calendar_zone_of(ics(HOUR_IN_PARIS, head=head)) == zone


# -- properties ----------------------------------------------------------------------------

ZONES = ("America/New_York", "Europe/Paris", "Australia/Lord_Howe", "Asia/Kathmandu")
WEEK = timedelta(weeks=1)


def weekly(first: datetime, minutes: int, zone: str) -> tuple[str, datetime, timedelta, str]:
    """The example a property test must always try, as ``weekly_events`` draws it."""
    end = first + timedelta(minutes=minutes)
    body = (
        f"UID:weekly@example.com\n"
        f"DTSTART;TZID={zone}:{first:%Y%m%dT%H%M%S}\n"
        f"DTEND;TZID={zone}:{end:%Y%m%dT%H%M%S}\n"
        "RRULE:FREQ=WEEKLY\n"
        "SUMMARY:Weekly"
    )
    return ics(body), first, timedelta(minutes=minutes), zone


@st.composite
def weekly_events(draw: st.DrawFn) -> tuple[str, datetime, timedelta, str]:
    """A weekly event: its calendar, its first local start, its length, its zone."""
    zone = draw(st.sampled_from(ZONES))
    first = draw(st.datetimes(min_value=wall(2026, 1, 1), max_value=wall(2028, 6, 30))).replace(
        second=0, microsecond=0
    )
    return weekly(first, draw(st.integers(5, 600)), zone)


WINDOW_STARTS = st.datetimes(
    min_value=wall(2026, 1, 1),
    max_value=wall(2028, 12, 1),
    timezones=st.just(UTC),
)
windows = st.tuples(
    WINDOW_STARTS, st.integers(1, 60 * 24 * 45).map(lambda minutes: timedelta(minutes=minutes))
)


@PROPERTY
@given(weekly_events(), windows)
def test_every_occurrence_is_a_utc_interval_overlapping_the_window_in_order(event, window):
    calendar, _first, _length, _zone = event
    start, size = window

    busy = busy_events([calendar], start, start + size, NY)

    for occurrence in busy:
        assert occurrence.start.tzinfo is UTC and occurrence.end.tzinfo is UTC
        assert occurrence.start < occurrence.end
        assert occurrence.start < start + size and start < occurrence.end
    assert busy == sorted(busy, key=lambda e: (e.start, e.end))


@PROPERTY
@given(weekly_events(), windows)
# the clocks go forward in New York on 2027-03-14 at 02:00, back on 2027-11-07 at 02:00;
# Lord Howe moves them by half an hour (2027-04-04 02:00 back, 2027-10-03 02:00 forward)
@example(weekly(wall(2027, 3, 7, 2, 30), 60, "America/New_York"), (utc(2027, 3, 1), WEEK * 3))
@example(weekly(wall(2027, 3, 14, 2, 30), 90, "America/New_York"), (utc(2027, 3, 1), WEEK * 3))
@example(weekly(wall(2027, 10, 31, 1, 30), 45, "America/New_York"), (utc(2027, 11, 1), WEEK))
@example(weekly(wall(2027, 9, 26, 2, 10), 30, "Australia/Lord_Howe"), (utc(2027, 9, 20), WEEK * 3))
@example(weekly(wall(2027, 3, 28, 1, 45), 30, "Australia/Lord_Howe"), (utc(2027, 3, 20), WEEK * 3))
def test_occurrences_are_the_weekly_wall_clock_starts_of_the_zone(event, window):
    calendar, first, length, zone_name = event
    start, size = window
    zone = ZoneInfo(zone_name)

    def instant(local: datetime) -> datetime:  # a time in a gap reads with the offset before
        return local.replace(tzinfo=zone).astimezone(UTC)

    exact = instant(first + length) - instant(first)  # each occurrence lasts this long
    assume(exact > timedelta(0))
    expected = []
    local = first + WEEK * max(0, (start.replace(tzinfo=None) - first).days // 7 - 2)
    while (at := instant(local)) < start + size:
        if start < at + exact:
            expected.append((at, at + exact))
        local += WEEK

    assert spans(busy_events([calendar], start, start + size, NY)) == expected


@PROPERTY
@given(weekly_events(), st.integers(1, 5), st.integers(1, 400))
def test_an_event_outside_the_window_gives_nothing(event, count, days_away):
    calendar, first, _length, zone = event
    calendar = calendar.replace("RRULE:FREQ=WEEKLY", f"RRULE:FREQ=WEEKLY;COUNT={count}")
    first_utc = first.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    last_end = first_utc + WEEK * (count - 1) + timedelta(hours=12)
    gap = timedelta(days=days_away)

    assert busy_events([calendar], last_end, last_end + gap, NY) == []
    assert busy_events([calendar], first_utc - gap, first_utc, NY) == []
