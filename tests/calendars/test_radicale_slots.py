"""What a host's real CalDAV calendars do to the slots a visitor sees, end to end: events put
in a real Radicale, the account connected through the host API, the answer read from GET
slots (SPEC §5, C2, C3).

The link is Mon–Fri 09:00–17:00 in New York; the days below are after the clocks went
forward on Sunday 2027-03-14, so 10:00 in New York is 14:00 UTC.
"""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest

from server import clock
from tests.calendars.conftest import Radicale
from tests.calendars.test_caldav import ics
from tests.calendars.test_calendars_api import add_caldav
from tests.calendars.test_request_mode import outbox, text_of
from tests.servers import BIN, ROOT, server_env

pytestmark = pytest.mark.db

#: every Monday 10:00–11:00 in New York since 2027-03-01 (before the change), except 22 March,
#: and the 29 March meeting moved to Tuesday 30 March 14:00–15:00
SERIES = ics(
    "BEGIN:VEVENT\nUID:series@test\nDTSTAMP:20270101T000000Z\n"
    "DTSTART;TZID=America/New_York:20270301T100000\n"
    "DTEND;TZID=America/New_York:20270301T110000\n"
    "RRULE:FREQ=WEEKLY;BYDAY=MO\n"
    "EXDATE;TZID=America/New_York:20270322T100000\n"
    "SUMMARY:Team sync\nEND:VEVENT\n"
    "BEGIN:VEVENT\nUID:series@test\nDTSTAMP:20270101T000000Z\n"
    "RECURRENCE-ID;TZID=America/New_York:20270329T100000\n"
    "DTSTART;TZID=America/New_York:20270330T140000\n"
    "DTEND;TZID=America/New_York:20270330T150000\n"
    "SUMMARY:Team sync (moved)\nEND:VEVENT\n",
    zone=True,
)

#: Wednesday 17 March, New York time
WEDNESDAY = "2027-03-17"


def timed(uid: str, hour: int, summary: str, extra: str = "") -> bytes:
    """A one-hour event on Wednesday 17 March at ``hour`` in New York."""
    return ics(
        f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20270101T000000Z\n"
        f"DTSTART;TZID=America/New_York:20270317T{hour:02d}0000\n"
        f"DTEND;TZID=America/New_York:20270317T{hour + 1:02d}0000\n"
        f"SUMMARY:{summary}\n{extra}END:VEVENT\n",
        zone=True,
    )


@pytest.fixture
def account(radicale: Radicale, host) -> tuple[str, str, dict[str, str]]:
    """A Radicale user with "Work" (the series and the C3 cases on Wednesday), "Personal"
    (one event at 15:00) and "Holidays" (all of Thursday 18 March): (user, password, urls)."""
    user, password = radicale.new_user()
    urls = {
        "Work": radicale.make_calendar(user, "work", "Work"),
        "Personal": radicale.make_calendar(user, "personal", "Personal"),
        "Holidays": radicale.make_calendar(user, "holidays", "Holidays"),
    }
    work = urls["Work"]
    radicale.put(user, work, "series.ics", SERIES)
    radicale.put(
        user, work, "transparent.ics", timed("free@test", 9, "Focus", "TRANSP:TRANSPARENT\n")
    )
    radicale.put(
        user, work, "cancelled.ics", timed("off@test", 10, "Call off", "STATUS:CANCELLED\n")
    )
    declined = f"ATTENDEE;PARTSTAT=DECLINED:mailto:{host.email.upper()}\n"
    radicale.put(user, work, "declined.ics", timed("no@test", 11, "Declined", declined))
    radicale.put(
        user, work, "tentative.ics", timed("maybe@test", 13, "Maybe", "STATUS:TENTATIVE\n")
    )
    radicale.put(user, urls["Personal"], "gym.ics", timed("gym@test", 15, "Gym"))
    holiday = ics(
        "BEGIN:VEVENT\nUID:holiday@test\nDTSTAMP:20270101T000000Z\n"
        "DTSTART;VALUE=DATE:20270318\nDTEND;VALUE=DATE:20270319\n"
        "SUMMARY:Holiday\nEND:VEVENT\n"
    )
    radicale.put(user, urls["Holidays"], "holiday.ics", holiday)
    return user, password, urls


@pytest.fixture
def link(make_link):
    return make_link(timezone="America/New_York", window={"rolling_weeks": 4})


@pytest.fixture
def connection(lan_app, client, host, radicale, account) -> dict:
    user, password, _ = account
    response = add_caldav(client, host, radicale, user, password)
    assert response.status_code == 201, response.json
    return response.json


def offered(client, link, day: str, zone: str) -> list[str]:
    response = client.get(
        f"/api/v1/public/links/{link['slug']}/slots",
        query_string={"start": day, "end": day, "timezone": zone},
    )
    assert response.status_code == 200, response.json
    return [slot[11:16] for slot in response.json["slots"]]


def day_in_utc(hours: range) -> list[str]:
    """Every half hour of ``hours`` (UTC), as the slots answer shows them."""
    return [f"{h:02d}:{m:02d}" for h in hours for m in (0, 30)]


def calendar_id(connection: dict, name: str) -> int:
    return next(c["id"] for c in connection["calendars"] if c["name"] == name)


def choose(client, host, connection: dict, **options) -> None:
    """PATCH one calendar's options, then Refresh, as the host does in the dashboard."""
    path = f"/api/v1/calendars/{connection['id']}"
    calendars = [{"id": calendar_id(connection, name), **o} for name, o in options.items()]
    response = client.patch(path, json={"calendars": calendars}, headers=host.headers)
    assert response.status_code == 200, response.json
    assert client.post(f"{path}/refresh", headers=host.headers).status_code == 200


# -- the weekly series across the clock change ------------------------------------------------


def test_the_series_blocks_ten_to_eleven_new_york_time_after_the_change(client, link, connection):
    # 09:00–17:00 EDT is 13:00–21:00 UTC; the meeting is 14:00–15:00 UTC, not 15:00–16:00
    assert offered(client, link, "2027-03-15", "UTC") == day_in_utc(range(13, 14)) + day_in_utc(
        range(15, 21)
    )


def test_the_excluded_monday_is_free_all_day(client, link, connection):
    assert offered(client, link, "2027-03-22", "UTC") == day_in_utc(range(13, 21))


def test_the_moved_occurrence_frees_its_monday_and_blocks_its_tuesday(client, link, connection):
    assert offered(client, link, "2027-03-29", "UTC") == day_in_utc(range(13, 21))
    assert offered(client, link, "2027-03-30", "UTC") == day_in_utc(range(13, 18)) + day_in_utc(
        range(19, 21)
    )


# -- what counts as busy (C3) and which calendars (C2) ------------------------------------------


def test_transparent_cancelled_and_declined_events_are_free(client, link, connection):
    times = offered(client, link, WEDNESDAY, "America/New_York")
    assert {"09:00", "09:30", "10:00", "10:30", "11:00", "11:30"} <= set(times)


def test_a_tentative_event_blocks_its_hour(client, link, connection):
    times = offered(client, link, WEDNESDAY, "America/New_York")
    assert {"13:00", "13:30"} & set(times) == set()
    assert {"12:30", "14:00"} <= set(times)


def test_a_tentative_event_is_free_once_the_calendar_says_so(client, host, link, connection):
    offered(client, link, WEDNESDAY, "America/New_York")  # what this process keeps in memory
    choose(client, host, connection, Work={"tentative_busy": False})
    assert {"13:00", "13:30"} <= set(offered(client, link, WEDNESDAY, "America/New_York"))


def test_an_event_of_a_second_calendar_blocks_too(client, link, connection):
    times = offered(client, link, WEDNESDAY, "America/New_York")
    assert {"15:00", "15:30"} & set(times) == set()
    assert "16:00" in times


def test_an_all_day_event_blocks_the_whole_day(client, link, connection):
    assert offered(client, link, "2027-03-18", "America/New_York") == []
    assert offered(client, link, "2027-03-19", "America/New_York") != []


def test_a_calendar_switched_off_blocks_nothing(client, host, link, connection):
    choose(client, host, connection, Holidays={"check_conflicts": False})
    times = offered(client, link, "2027-03-18", "America/New_York")
    assert times == [f"{h:02d}:{m:02d}" for h in range(9, 17) for m in (0, 30)]


def test_an_all_day_event_is_free_when_its_calendar_ignores_them(client, host, link, connection):
    choose(client, host, connection, Holidays={"ignore_all_day": True})
    assert len(offered(client, link, "2027-03-18", "America/New_York")) == 16


# -- the next request sees every sync ---------------------------------------------------------


def test_an_event_synced_after_slots_were_read_blocks_the_next_answer(
    radicale, client, host, link, connection, account
):
    user, _, urls = account
    assert "16:00" in offered(client, link, WEDNESDAY, "America/New_York")
    radicale.put(user, urls["Personal"], "late.ics", timed("late@test", 16, "Late call"))
    path = f"/api/v1/calendars/{connection['id']}/refresh"
    assert client.post(path, headers=host.headers).status_code == 200
    assert {"16:00", "16:30"} & set(offered(client, link, WEDNESDAY, "America/New_York")) == set()


def test_an_event_deleted_after_slots_were_read_frees_the_next_answer(
    radicale, client, host, link, connection, account
):
    user, _, urls = account
    assert "15:00" not in offered(client, link, WEDNESDAY, "America/New_York")
    radicale.delete(user, urls["Personal"], "gym.ics")
    path = f"/api/v1/calendars/{connection['id']}/refresh"
    assert client.post(path, headers=host.headers).status_code == 200
    assert {"15:00", "15:30"} <= set(offered(client, link, WEDNESDAY, "America/New_York"))


@pytest.mark.slow
def test_a_sync_by_a_worker_process_is_seen_by_the_servers_next_answer(
    radicale, client, link, connection, account, db_url, tmp_path
):
    """The worker runs elsewhere (here: a process of its own); this process kept the
    calendar's rows in memory and must not answer from them once the worker changed them."""
    user, _, urls = account
    assert "16:00" in offered(client, link, WEDNESDAY, "America/New_York")
    radicale.put(user, urls["Personal"], "late.ics", timed("late@test", 16, "Late call"))
    clock.set_now(clock.utcnow() + timedelta(minutes=10))  # every calendar is due again
    env = server_env(db_url, tmp_path / "instance", "http://rendezvous.test")  # its secret key
    env["RENDEZVOUS_CALENDAR_ALLOW_PRIVATE_HOSTS"] = "1"
    done = subprocess.run(
        [str(BIN / "rendezvous"), "worker", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert {"16:00", "16:30"} & set(offered(client, link, WEDNESDAY, "America/New_York")) == set()


# -- C6, end to end ----------------------------------------------------------------------------


def test_a_changed_password_takes_requests_tells_the_host_and_reconnecting_books_again(
    lan_app, radicale, client, host, link, connection, account
):
    user, _, _ = account
    path = f"/api/v1/calendars/{connection['id']}"
    public = f"/api/v1/public/links/{link['slug']}"
    radicale.set_password(user, "changed in the calendar app")

    refreshed = client.post(f"{path}/refresh", headers=host.headers).json
    assert refreshed["status"] == "disconnected" and refreshed["status_message"]
    assert client.get(public).json["mode"] == "request"
    assert offered(client, link, "2027-03-19", "America/New_York") == []
    request = {"name": "Ada Lovelace", "email": "ada@example.com", "preferred_times": "Friday"}
    assert client.post(f"{public}/requests", json=request).status_code == 201
    assert [m.recipient for m in outbox(lan_app, "calendar_disconnected")] == [host.email]
    (notice,) = outbox(lan_app, "request_notice")
    assert notice.recipient == host.email
    assert "Your calendar is disconnected" in text_of(notice)

    fixed = client.patch(
        path, json={"password": "changed in the calendar app"}, headers=host.headers
    )
    assert (fixed.status_code, fixed.json["status"]) == (200, "connected")
    assert client.get(public).json["mode"] == "book"
    booking = client.post(
        f"{public}/bookings",
        json={
            "start": "2027-03-19T10:00:00-04:00",
            "duration": 30,
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
        },
    )
    assert booking.status_code == 201, booking.json
