"""A link's bookable times: the link's rules and its hosts' busy time, handed to the engine."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from server.availability.busy import BusySource
from server.availability.engine import (
    Reason,
    candidate_starts,
    explain,
    local_day_range,
    team_slots,
)
from server.availability.intervals import Interval
from server.availability.rules import SlotRules, Window
from server.bookings.busy import HostsBusy
from server.calendars.busy import CalendarEvent
from server.calendars.services import bookable_host_ids, disconnected_host_ids
from server.links.models import BookingLink
from server.timezones import zone

__all__ = [
    "CALENDAR_DISCONNECTED",
    "busy_window",
    "offered_slots",
    "rules_for",
    "troubleshoot",
    "troubleshoot_day",
]


def rules_for(link: BookingLink, duration: int) -> SlotRules:
    """The engine's rules for ``link`` at one meeting length (already checked by the caller:
    :meth:`BookingLink.duration_for`)."""
    return SlotRules(
        timezone=link.timezone,
        weekly_hours=link.weekly_hours,
        date_overrides=link.override_hours,
        duration_minutes=duration,
        slot_interval_minutes=link.slot_interval_minutes,
        buffer_before_minutes=link.buffer_before_minutes,
        buffer_after_minutes=link.buffer_after_minutes,
        minimum_notice_minutes=link.minimum_notice_minutes,
        window=Window(
            rolling_weeks=link.window_rolling_weeks,
            start_date=link.window_start_date,
            end_date=link.window_end_date,
        ),
    )


def busy_window(rules: SlotRules, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The span of busy time that can touch candidates starting in ``[start, end)``, padded
    with the link's buffers; a busy source also returns the meetings whose kept buffers reach
    into it (see :class:`~server.availability.busy.BusySource`)."""
    before = timedelta(minutes=rules.buffer_before_minutes)
    after = timedelta(minutes=rules.duration_minutes + rules.buffer_after_minutes)
    return start - before, end + after


def offered_slots(
    session: Session,
    link: BookingLink,
    duration: int,
    first_day: date,
    last_day: date,
    timezone: str,
    now: datetime,
    busy_source: BusySource | None = None,
) -> list[datetime]:
    """Bookable starts whose local date in ``timezone`` lies in ``[first_day, last_day]``.

    Only the hosts whose calendars can be read count (C6): a round robin offers its other
    hosts' times, and a link left with nobody (``mode: "request"``) offers none.
    """
    host_ids = bookable_host_ids(session, link)
    if not host_ids:
        return []
    rules = rules_for(link, duration)
    range_start, range_end = local_day_range(first_day, last_day, timezone)
    source = busy_source or HostsBusy(session)
    busy = source.busy_intervals(host_ids, *busy_window(rules, range_start, range_end))
    return team_slots(link.type, rules, busy, now, range_start, range_end)


#: how far :func:`next_start` looks, in windows of ten weeks: about a year and two months
NEXT_WINDOWS = 6


def next_start(
    session: Session, link: BookingLink, duration: int, after: date, timezone: str, now: datetime
) -> datetime | None:
    """The first bookable start on a local date after ``after``, or None within a year or so.

    For an empty month, so the widget can offer "next available" in one click rather than
    leave the visitor paging through empty months (Calendly and Cal.com do the same).
    """
    end = _window_end(link, now)
    first = after + timedelta(days=1)
    for _ in range(NEXT_WINDOWS):
        if end is not None and first > end:
            break  # nothing is offered past the link's window (L6): no need to look
        last = first + timedelta(days=69) if end is None else min(first + timedelta(days=69), end)
        starts = offered_slots(session, link, duration, first, last, timezone, now)
        if starts:
            return starts[0]
        first = last + timedelta(days=1)
    return None


def _window_end(link: BookingLink, now: datetime) -> date | None:
    """The last local date the link's window may reach in any zone (a day of margin for the
    visitor's zone being ahead of the link's); None when it has no end."""
    if link.window_rolling_weeks is not None:
        today = now.astimezone(zone(link.timezone)).date()
        return today + timedelta(days=7 * link.window_rolling_weeks)
    if link.window_end_date is not None:
        return link.window_end_date + timedelta(days=1)
    return None


def _reasons(
    rules: SlotRules, busy: Sequence[Interval], now: datetime, start: datetime
) -> list[dict[str, str]]:
    """The engine's reasons one host can't take ``start``, as the troubleshooters show them;
    busy time from a calendar is named, so the host knows which event is in the way."""
    end = start + timedelta(minutes=rules.duration_minutes)
    reasons = []
    for reason in explain(rules, busy, now, start):
        message = reason.message
        if reason is Reason.BUSY:
            named = [
                f"'{event.summary or 'busy'}' — {event.calendar_name}"
                for event in busy
                if isinstance(event, CalendarEvent) and event.start < end and event.end > start
            ]
            if named:
                message = f"{message}: {'; '.join(dict.fromkeys(named))}"
        reasons.append({"code": reason.value, "message": message})
    return reasons


#: what the troubleshooters say of a host whose calendar can't be read (C6)
CALENDAR_DISCONNECTED = {
    "code": "calendar_disconnected",
    "message": "a calendar of this host is disconnected: reconnect it to take bookings again",
}


def _host_reasons(
    rules: SlotRules, busy: Sequence[Interval], now: datetime, start: datetime, unreadable: bool
) -> list[dict[str, str]]:
    """:func:`_reasons`, led by the disconnected calendar when the host has one."""
    lead = [dict(CALENDAR_DISCONNECTED)] if unreadable else []
    return lead + _reasons(rules, busy, now, start)


def troubleshoot(
    session: Session, link: BookingLink, duration: int, start: datetime, now: datetime
) -> list[dict[str, Any]]:
    """Why each host can or can't take ``start``: the dashboard's "why isn't 10:00 offered?"."""
    rules = rules_for(link, duration)
    busy = HostsBusy(session).busy_intervals(link.host_ids, *busy_window(rules, start, start))
    unreadable = disconnected_host_ids(session, link.host_ids)
    names = {h.user_id: h.user.name for h in link.hosts}
    answers = []
    for host_id in link.host_ids:
        reasons = _host_reasons(rules, busy[host_id], now, start, host_id in unreadable)
        answers.append(
            {
                "host_id": host_id,
                "name": names[host_id],
                "bookable": not reasons,
                "reasons": reasons,
            }
        )
    return answers


def troubleshoot_day(
    session: Session, link: BookingLink, duration: int, day: date, now: datetime
) -> list[dict[str, Any]]:
    """Every candidate time of ``day`` (in the link's zone) and, per host, why it isn't offered.

    The candidates are the starts the link's hours give that day plus a grid of the whole day
    at the link's increment, so times outside the hours are listed too, with the engine's
    reason. A time is ``offered`` as the link type says (§11.3): one host free for round
    robin, every host for a group.
    """
    rules = rules_for(link, duration)
    day_start, day_end = local_day_range(day, day, link.timezone)
    step = timedelta(minutes=rules.increment_minutes)
    grid, moment = [], day_start
    while moment < day_end:
        grid.append(moment)
        moment += step
    starts = sorted({*grid, *candidate_starts(rules, day_start, day_end)})
    busy = HostsBusy(session).busy_intervals(link.host_ids, *busy_window(rules, day_start, day_end))
    unreadable = disconnected_host_ids(session, link.host_ids)
    names = {h.user_id: h.user.name for h in link.hosts}
    rows = []
    for start in starts:
        hosts = [
            {
                "host_id": host_id,
                "name": names[host_id],
                "reasons": _host_reasons(rules, busy[host_id], now, start, host_id in unreadable),
            }
            for host_id in link.host_ids
        ]
        free = [not h["reasons"] for h in hosts]
        offered = all(free) if link.type == "group" else any(free)
        rows.append({"start": start, "offered": bool(hosts) and offered, "hosts": hosts})
    return rows
