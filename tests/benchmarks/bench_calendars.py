"""Calendars (issue 10): what the busy cache costs the slots, and what syncing and the
commit-time check cost against a real Radicale.

Run: ``.venv/bin/python tests/benchmarks/bench_calendars.py``. Prints one JSON line per
figure (``name``, ``median``, ``unit``):

- ``calendar_slots_3x2000_p50`` and ``calendar_slots_none_p50``: GET slots (one week) for a
  host with 3 calendars × 2,000 cached busy events, and for the same link of a host with no
  calendar, in the same run; ``calendar_slots_ratio`` is their quotient (goal ≤ 1.3);
- ``caldav_initial_sync_5000`` and ``caldav_incremental_sync_5000``: connecting a
  5,000-event CalDAV calendar (discovery, full listing, expansion, cache), then syncing it
  after 10 events changed;
- ``booking_with_caldav_check_p50``: a booking whose host's calendar (a typical one: 300
  events over 10 weeks) is asked at commit (goal ≤ 150 ms), beside ``booking_no_calendar_p50``
  (the same booking for a host without a calendar) in the same run;
- ``booking_with_caldav_check_5000_p50`` and ``radicale_commit_check_report_5000_p50``: the
  same for the 5,000-event calendar, and what Radicale alone takes to answer that one
  question (it reads every item of the collection for any report: the server's cost, not ours);
- ``calendar_slots_3x2000_first_after_sync_p50``: the first GET slots after a sync changed
  the calendars (each process reads a calendar's rows once per change, then from memory).

Everything runs in-process on SQLite with Flask's test client, and Radicale on 127.0.0.1.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: make ``server`` and ``tests`` importable
    sys.path.insert(0, str(ROOT))

from server import create_app  # noqa: E402
from server.accounts.models import User  # noqa: E402
from server.accounts.signup import sign_up  # noqa: E402
from server.calendars.busy import forget_cached_busy  # noqa: E402
from server.calendars.caldav import CalDavProvider  # noqa: E402
from server.calendars.fetch import FetchLimits  # noqa: E402
from server.calendars.models import Calendar, CalendarBusy, CalendarConnection  # noqa: E402
from server.calendars.services import connect_caldav, sync_calendar  # noqa: E402
from server.clock import set_now  # noqa: E402
from server.db import get_session, transaction  # noqa: E402
from server.links.schemas import LinkSchema  # noqa: E402
from server.links.services import create_link  # noqa: E402
from server.migrate import upgrade  # noqa: E402
from tests.radicale import running_radicale  # noqa: E402

NOW = datetime(2027, 3, 1, 8, tzinfo=UTC)
WEEK = (date(2027, 3, 8), date(2027, 3, 14))
RUNS = 200
BOOKINGS = 30
EVENTS = 5000
TYPICAL_EVENTS = 300


def report(name: str, median: float, unit: str = "ms", **extra: object) -> None:
    print(json.dumps({"name": name, "median": round(median, 3), "unit": unit, **extra}), flush=True)


def timed_ms(run) -> float:
    began = time.perf_counter()
    run()
    return (time.perf_counter() - began) * 1000


def make_app(scratch: Path):
    url = f"sqlite:///{scratch / 'bench.sqlite3'}"
    upgrade(url)
    return create_app(
        {
            "RENDEZVOUS_DATABASE_URL": url,
            "RENDEZVOUS_INSTANCE_PATH": str(scratch / "instance"),
            "RENDEZVOUS_BASE_URL": "http://rendezvous.test",
            "RENDEZVOUS_RATELIMIT_ENABLED": False,
            "RENDEZVOUS_CALENDAR_ALLOW_PRIVATE_HOSTS": True,
        }
    )


def host_with_link(app, email: str) -> tuple[int, str]:
    """A host and a Mon–Fri 09:00–17:00 UTC link of 30 minutes: (user id, slug)."""
    with app.app_context():
        session = get_session()
        user = sign_up(
            session,
            email=email,
            password="bench-password",
            name=email.split("@")[0],
            timezone="UTC",
            with_preset_links=False,
        )
        fields = {
            "name": "Bench",
            "durations": [30],
            "timezone": "UTC",
            "minimum_notice_minutes": 0,
            "window": {"rolling_weeks": 10},
        }
        link = create_link(session, user, LinkSchema().load(fields))
        return user.id, link.slug


def fill_cache(app, user_id: int, per_calendar: int, calendars: int) -> None:
    """``calendars`` checked calendars of ``per_calendar`` busy events each, over 10 weeks."""
    rng = random.Random(20270301)
    with app.app_context():
        session = get_session()
        with transaction(session):
            user = session.get(User, user_id)
            connection = CalendarConnection(
                account_id=user.account_id, user_id=user.id, provider="ics", url="https://x/y.ics"
            )
            session.add(connection)
            for n in range(calendars):
                calendar = Calendar(user_id=user.id, remote_id=f"c{n}", name=f"Calendar {n}")
                connection.calendars.append(calendar)
            session.flush()
            for calendar in connection.calendars:
                for _ in range(per_calendar):
                    start = NOW + timedelta(minutes=15 * rng.randrange(10 * 7 * 96))
                    session.add(
                        CalendarBusy(
                            calendar_id=calendar.id,
                            user_id=user.id,
                            start_at=start,
                            end_at=start + timedelta(minutes=rng.choice((30, 45, 60))),
                            summary="Busy",
                        )
                    )


def slots_p50(client, slug: str) -> float:
    query = {"start": WEEK[0].isoformat(), "end": WEEK[1].isoformat(), "timezone": "UTC"}
    path = f"/api/v1/public/links/{slug}/slots"
    for _ in range(20):
        assert client.get(path, query_string=query).status_code == 200
    return statistics.median(
        timed_ms(lambda: client.get(path, query_string=query)) for _ in range(RUNS)
    )


def first_slots_after_sync_p50(client, slug: str, runs: int = 30) -> float:
    """The first GET slots after a sync changed the calendars: the rows are read again."""
    query = {"start": WEEK[0].isoformat(), "end": WEEK[1].isoformat(), "timezone": "UTC"}
    path = f"/api/v1/public/links/{slug}/slots"
    times = []
    for _ in range(runs):
        forget_cached_busy()
        times.append(timed_ms(lambda: client.get(path, query_string=query)))
    return statistics.median(times)


def bench_slots(scratch: Path) -> None:
    app = make_app(scratch)
    busy_host, busy_slug = host_with_link(app, "busy@example.com")
    _, free_slug = host_with_link(app, "free@example.com")
    fill_cache(app, busy_host, 2000, 3)
    client = app.test_client()
    with_calendars, without = slots_p50(client, busy_slug), slots_p50(client, free_slug)
    report("calendar_slots_3x2000_p50", with_calendars, runs=RUNS)
    report("calendar_slots_none_p50", without, runs=RUNS)
    report("calendar_slots_ratio", with_calendars / without, unit="x", goal=1.3)
    after_sync = first_slots_after_sync_p50(client, busy_slug)
    report("calendar_slots_3x2000_first_after_sync_p50", after_sync, runs=30)


def _vevent(n: int, start: datetime) -> str:
    end = start + timedelta(minutes=45)
    return (
        f"BEGIN:VEVENT\r\nUID:bench-{n}@example.com\r\nDTSTAMP:20270101T000000Z\r\n"
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDTEND:{end:%Y%m%dT%H%M%SZ}\r\n"
        f"SUMMARY:Event {n}\r\nEND:VEVENT\r\n"
    )


def _calendar(events: str) -> bytes:
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n"
    return (head + events + "END:VCALENDAR\r\n").encode()


def _book(client, slug: str, start: datetime, n: int) -> float:
    body = {
        "start": start.isoformat(),
        "duration": 30,
        "timezone": "UTC",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": f"ada{n}@example.com",
    }
    began = time.perf_counter()
    response = client.post(f"/api/v1/public/links/{slug}/bookings", json=body)
    elapsed = (time.perf_counter() - began) * 1000
    assert response.status_code in (201, 409), response.json
    return elapsed


def _seed(radicale, user: str, url: str, count: int, seed: int) -> None:
    """``count`` 45-minute events over 10 weeks from NOW; seeding, not measured: one PUT of
    the whole calendar (Radicale splits it by UID)."""
    rng = random.Random(seed)
    starts = [NOW + timedelta(minutes=15 * rng.randrange(10 * 7 * 96)) for _ in range(count)]
    whole = _calendar("".join(_vevent(n, start) for n, start in enumerate(starts)))
    status, text = radicale.request(
        user, "PUT", urlsplit(url).path, whole, "text/calendar", timeout=300
    )
    assert status in (201, 204), (status, text)


def _connect(app, radicale, host_id: int, user: str, password: str) -> tuple[int, float]:
    """Connect the host's CalDAV account: (connection id, milliseconds it took)."""
    with app.app_context():
        session = get_session()
        began = time.perf_counter()
        connection = connect_caldav(
            session,
            session.get(User, host_id),
            url=radicale.base_url + "/",
            username=user,
            password=password,
            now=NOW,
        )
        return connection.id, (time.perf_counter() - began) * 1000


def _bookings_p50(client, slug: str, first: int) -> float:
    monday = datetime(2027, 3, 8, 9, tzinfo=UTC)
    latencies = [
        _book(
            client, slug, monday + timedelta(days=7 * (n // 16), minutes=30 * (n % 16)), first + n
        )
        for n in range(BOOKINGS)
    ]
    return statistics.median(latencies)


def _report_p50(radicale, user: str, url: str, token: str | None) -> float:
    """What the calendar server alone takes to answer the commit-time question."""
    limits = FetchLimits(allow_private=True)
    start = datetime(2027, 3, 8, 9, tzinfo=UTC)
    end = start + timedelta(minutes=30)
    password = radicale.passwords[user]
    with CalDavProvider(radicale.base_url + "/", user, password, limits=limits) as provider:
        return statistics.median(
            timed_ms(lambda: provider.changes(url, token, start, end)) for _ in range(BOOKINGS)
        )


def bench_caldav(scratch: Path) -> None:
    (scratch / "app").mkdir()
    (scratch / "radicale").mkdir()
    app = make_app(scratch / "app")
    client = app.test_client()
    set_now(NOW)
    with running_radicale(scratch / "radicale") as radicale:
        # a large calendar: years of history in one collection
        user, password = radicale.new_user("bench")
        url = radicale.make_calendar(user, "work", "Work")
        _seed(radicale, user, url, EVENTS, seed=5000)
        host_id, slug = host_with_link(app, "caldav@example.com")
        connection_id, initial = _connect(app, radicale, host_id, user, password)
        report("caldav_initial_sync_5000", initial, events=EVENTS)
        for n in range(EVENTS, EVENTS + 10):  # ten new events since the first sync
            event = _calendar(_vevent(n, NOW + timedelta(days=3, hours=n - EVENTS)))
            radicale.put(user, url, f"new-{n}.ics", event)
        with app.app_context():
            session = get_session()
            (calendar,) = session.get(CalendarConnection, connection_id).calendars
            later = NOW + timedelta(minutes=5)
            incremental = timed_ms(lambda: sync_calendar(session, calendar, later))
            token = calendar.sync_token
        report("caldav_incremental_sync_5000", incremental, events=EVENTS, changed=10)
        large = _bookings_p50(client, slug, 0)
        server_alone = _report_p50(radicale, user, url, token)

        # a typical working calendar: 30 meetings a week
        user, password = radicale.new_user("typical")
        url = radicale.make_calendar(user, "work", "Work")
        _seed(radicale, user, url, TYPICAL_EVENTS, seed=300)
        typical_host, typical_slug = host_with_link(app, "typical@example.com")
        _connect(app, radicale, typical_host, user, password)
        typical = _bookings_p50(client, typical_slug, 1000)

        _, free_slug = host_with_link(app, "nocalendar@example.com")
        none = _bookings_p50(client, free_slug, 2000)
    report("booking_no_calendar_p50", none, runs=BOOKINGS)
    report(
        "booking_with_caldav_check_p50",
        typical,
        runs=BOOKINGS,
        events=TYPICAL_EVENTS,
        goal=150,
    )
    report("booking_with_caldav_check_5000_p50", large, runs=BOOKINGS, events=EVENTS)
    report("radicale_commit_check_report_5000_p50", server_alone, runs=BOOKINGS, events=EVENTS)


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "slots").mkdir()
        (Path(scratch) / "caldav").mkdir()
        bench_slots(Path(scratch) / "slots")
        bench_caldav(Path(scratch) / "caldav")


if __name__ == "__main__":
    main()
