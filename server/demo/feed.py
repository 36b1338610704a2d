"""The demo host's sample agenda: a plain function of the date, so it is the same for the
demo command that subscribes to it and for every request of the feed on that day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from icalendar import Calendar, Event

__all__ = ["DEMO_ZONE", "sample_feed"]

#: the demo host's zone, and the feed's (``X-WR-TIMEZONE``)
DEMO_ZONE = "Europe/Paris"


def _weekdays_from(day: date):
    while True:
        day += timedelta(days=1)
        if day.weekday() < 5:
            yield day


def _timed(day: date, start: time, minutes: int, summary: str, uid: str) -> Event:
    event = Event()
    event.add("uid", f"{uid}-{day.isoformat()}@demo.rendezvous")
    event.add("summary", summary)
    began = datetime.combine(day, start)
    event.add("dtstart", began, parameters={"TZID": DEMO_ZONE})
    event.add("dtend", began + timedelta(minutes=minutes), parameters={"TZID": DEMO_ZONE})
    return event


def sample_feed(today: date) -> bytes:
    """An agenda around ``today``: a daily stand-up, a few meetings on the next weekdays,
    a day out of the office, and a "free" focus block that does not count as busy (C3)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Rendezvous//demo agenda//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Alice's agenda (sample)")
    calendar.add("x-wr-timezone", DEMO_ZONE)
    monday = today - timedelta(days=today.weekday())
    standup = _timed(monday, time(9, 30), 30, "Team stand-up", "standup")
    standup.add("rrule", {"freq": "weekly", "byday": ["MO", "TU", "WE", "TH", "FR"]})
    calendar.add_component(standup)
    days = _weekdays_from(today)
    first, second, third, fourth = next(days), next(days), next(days), next(days)
    calendar.add_component(_timed(first, time(11, 0), 60, "Dentist", "dentist"))
    focus = _timed(first, time(16, 0), 60, "Focus time (shown as free)", "focus")
    focus.add("transp", "TRANSPARENT")
    calendar.add_component(focus)
    calendar.add_component(_timed(second, time(12, 30), 90, "Lunch with Sam", "lunch"))
    calendar.add_component(_timed(third, time(14, 0), 120, "Quarterly review", "review"))
    away = Event()
    away.add("uid", f"offsite-{fourth.isoformat()}@demo.rendezvous")
    away.add("summary", "Team offsite")
    away.add("dtstart", fourth)
    away.add("dtend", fourth + timedelta(days=1))
    calendar.add_component(away)
    for component in calendar.walk("VEVENT"):
        component.add("dtstamp", datetime.combine(monday, time(0, 0), tzinfo=UTC))
    return calendar.to_ical()
