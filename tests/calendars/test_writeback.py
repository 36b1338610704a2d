"""Write-back against a real Radicale (C4, SPEC §5): each booking's event lands in the host's
default calendar with the visitor as attendee and the booking's UID, moves on reschedule, goes
on cancel, waits out an unreachable server and is never cached back as busy time.

Two kinds of tests. Most call :func:`queue_calendar_write` themselves, right after the public
API booked, moved or cancelled the meeting, as the booking services do inside their own
transaction; they prove the module on its own. The section "End to end" at the bottom calls
only the public API: it holds once ``book``, ``reschedule`` and ``cancel`` queue the write.
The calendar is read back over plain HTTP (the fixture's helpers), never through our code.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar as ICalendar
from sqlalchemy import select

from server.accounts.models import User
from server.bookings.models import Booking
from server.calendars import writeback
from server.calendars.models import Calendar, CalendarBusy, CalendarConnection, CalendarJob
from server.calendars.services import (
    connect_caldav,
    reconnect_caldav,
    sync_calendar,
    update_calendars,
)
from server.calendars.writeback import (
    MAX_ATTEMPTS,
    queue_calendar_write,
    run_calendar_jobs,
)
from server.cli import worker
from server.clock import utcnow
from server.db import get_session, transaction, write_transaction
from server.notifications.settings import current_settings
from tests.api.test_public_bookings import book, first_slot
from tests.calendars.conftest import Radicale
from tests.calendars.test_request_mode import outbox
from tests.conftest import NOW
from tests.servers import free_port

pytestmark = pytest.mark.db

DOMAIN = "rendezvous.test"  # the host of RENDEZVOUS_BASE_URL in tests/conftest.py
#: when the tests queue and run jobs: a little after the bookings were made (the clock runs
#: on from NOW), so a job the booking services queued themselves is due too
AT = NOW + timedelta(minutes=10)


class Account:
    """The host's Radicale login and its empty calendars ("Work" by default), connected to
    the host; "Work" is the default calendar."""

    def __init__(self, app, host, radicale: Radicale, slugs: tuple[str, ...] = ("work",)):
        self.app, self.host, self.radicale = app, host, radicale
        self.user, self.password = radicale.new_user()
        urls = {slug: radicale.make_calendar(self.user, slug, slug.title()) for slug in slugs}
        self.url = urls["work"]
        with app.app_context():
            session = get_session()
            user = session.get(User, host.id)
            connection = connect_caldav(
                session,
                user,
                url=radicale.base_url + "/",
                username=self.user,
                password=self.password,
                now=NOW,
            )
            self.connection_id = connection.id
            self.calendar_ids = {
                c.remote_id.rstrip("/").rsplit("/", 1)[-1]: c.id for c in connection.calendars
            }
            self.calendar_id = self.calendar_ids["work"]
            self.make_default("work")

    def make_default(self, slug: str) -> None:
        with self.app.app_context():
            session = get_session()
            update_calendars(
                session,
                session.get(User, self.host.id),
                self.connection_id,
                [{"id": self.calendar_ids[slug], "is_default": True}],
                NOW,
            )

    def names(self, url: str | None = None) -> list[str]:
        return self.radicale.names(self.user, url or self.url)

    def event(self, booking_id: int, url: str | None = None):
        """The VEVENT stored for the booking (read over HTTP, parsed with icalendar)."""
        path = urlsplit(url or self.url).path + f"booking-{booking_id}@{DOMAIN}.ics"
        status, text = self.radicale.request(self.user, "GET", path)
        assert status == 200, (status, text)
        calendar = ICalendar.from_ical(text)
        assert "METHOD" not in calendar  # a calendar object, not an iTIP message
        (event,) = calendar.walk("VEVENT")
        return event


@pytest.fixture
def account(lan_app, host, radicale) -> Account:
    return Account(lan_app, host, radicale)


def booked(client, link, slot: int = 0) -> tuple[int, str, list[str]]:
    """Book the link's ``slot``-th time on the next Monday: (id, manage token, the times)."""
    offered = first_slot(client, link)
    response = book(client, link, offered[slot])
    assert response.status_code == 201, response.json
    return response.json["id"], response.json["manage_token"], offered


def queue(app, booking_id: int, action: str, at: datetime = AT) -> int | None:
    """What the booking services do in their transaction; the job's id, if one was queued."""
    with app.app_context():
        session = get_session()
        with write_transaction(session):
            job = queue_calendar_write(session, session.get(Booking, booking_id), action, at)
            return job.id if job is not None else None


def run(app, at: datetime = AT) -> int:
    with app.app_context():
        return run_calendar_jobs(get_session(), at)


def jobs(app, booking_id: int) -> list[CalendarJob]:
    with app.app_context():
        session = get_session()
        found = list(
            session.scalars(
                select(CalendarJob)
                .where(CalendarJob.booking_id == booking_id)
                .order_by(CalendarJob.id)
            )
        )
        session.expunge_all()
        return found


def calendar_event(client, host, booking_id: int):
    response = client.get(f"/api/v1/bookings/{booking_id}", headers=host.headers)
    assert response.status_code == 200, response.json
    return response.json["calendar_event"]


def reschedule(client, token: str, start: str) -> None:
    response = client.post(f"/api/v1/public/bookings/{token}/reschedule", json={"start": start})
    assert response.status_code == 200, response.json


def cancel(client, token: str) -> None:
    response = client.post(f"/api/v1/public/bookings/{token}/cancel")
    assert response.status_code == 200, response.json


def point_at(app, account: Account, base: str) -> None:
    """Move the connection and its calendar to another server address (an outage, a fix)."""
    with app.app_context():
        session = get_session()
        with transaction(session):
            connection = session.get(CalendarConnection, account.connection_id)
            calendar = session.get(Calendar, account.calendar_id)
            connection.url = base + "/"
            calendar.remote_id = base + urlsplit(calendar.remote_id).path


# -- writing, moving, removing ----------------------------------------------------------------


def test_the_booking_is_written_with_its_uid_and_the_visitor_as_attendee(
    lan_app, client, host, account, make_link
):
    link = make_link(timezone="UTC")
    booking_id, _, offered = booked(client, link)
    assert queue(lan_app, booking_id, "put") is not None
    assert calendar_event(client, host, booking_id) == {
        "status": "pending",
        "calendar_id": account.calendar_id,
        "url": None,
    }

    assert run(lan_app) == 1

    assert account.names() == [f"booking-{booking_id}@{DOMAIN}.ics"]
    event = account.event(booking_id)
    assert str(event["UID"]) == f"booking-{booking_id}@{DOMAIN}"
    assert event.decoded("DTSTART") == datetime.fromisoformat(offered[0])
    assert event.decoded("DTEND") == datetime.fromisoformat(offered[0]) + timedelta(minutes=30)
    assert int(event["SEQUENCE"]) == 0
    assert str(event["SUMMARY"]) == f"{link['title']} with Ada Lovelace"
    assert str(event["ORGANIZER"]) == f"mailto:{host.email}"
    attendee = event["ATTENDEE"]  # one: the visitor (the organiser is the only host)
    assert str(attendee) == "mailto:ada@example.com"
    assert attendee.params["CN"] == "Ada Lovelace"
    assert attendee.params["PARTSTAT"] == "ACCEPTED"
    assert attendee.params["SCHEDULE-AGENT"] == "CLIENT"  # the server sends no 2nd invitation
    assert calendar_event(client, host, booking_id) == {
        "status": "written",
        "calendar_id": account.calendar_id,
        "url": None,
    }
    (job,) = jobs(lan_app, booking_id)
    assert (job.action, job.status, job.attempts) == ("put", "done", 1)
    assert job.href == urlsplit(account.url).path + f"booking-{booking_id}@{DOMAIN}.ics"


def test_the_uid_is_the_one_of_the_emailed_ics(lan_app, client, account, make_link):
    link = make_link()
    booking_id, token, _ = booked(client, link)
    queue(lan_app, booking_id, "put")
    run(lan_app)
    emailed = client.get(f"/api/v1/public/bookings/{token}.ics")
    assert emailed.status_code == 200
    (sent,) = ICalendar.from_ical(emailed.data).walk("VEVENT")
    assert str(account.event(booking_id)["UID"]) == str(sent["UID"])


def test_a_reschedule_moves_the_one_event_with_a_higher_sequence(
    lan_app, client, account, make_link
):
    link = make_link()
    booking_id, token, offered = booked(client, link)
    queue(lan_app, booking_id, "put")
    run(lan_app)
    reschedule(client, token, offered[4])
    queue(lan_app, booking_id, "put")

    assert run(lan_app) == 1

    assert account.names() == [f"booking-{booking_id}@{DOMAIN}.ics"]
    event = account.event(booking_id)
    assert event.decoded("DTSTART") == datetime.fromisoformat(offered[4])
    assert int(event["SEQUENCE"]) == 1


def test_a_reschedule_before_the_worker_ran_is_a_single_put(lan_app, client, account, make_link):
    link = make_link()
    booking_id, token, offered = booked(client, link)
    queue(lan_app, booking_id, "put")
    reschedule(client, token, offered[2])
    queue(lan_app, booking_id, "put")
    assert [(j.action, j.status) for j in jobs(lan_app, booking_id)] == [("put", "pending")]

    assert run(lan_app) == 1

    assert account.event(booking_id).decoded("DTSTART") == datetime.fromisoformat(offered[2])


def test_a_cancel_deletes_the_event(lan_app, client, host, account, make_link):
    link = make_link()
    booking_id, token, _ = booked(client, link)
    queue(lan_app, booking_id, "put")
    run(lan_app)
    cancel(client, token)
    assert queue(lan_app, booking_id, "delete") is not None

    assert run(lan_app) == 1

    assert account.names() == []
    assert [(j.action, j.status) for j in jobs(lan_app, booking_id)] == [("delete", "done")]
    assert calendar_event(client, host, booking_id)["status"] == "written"


def test_a_cancel_before_the_first_put_writes_nothing(lan_app, client, host, account, make_link):
    link = make_link()
    booking_id, token, _ = booked(client, link)
    queue(lan_app, booking_id, "put")
    cancel(client, token)

    assert queue(lan_app, booking_id, "delete") is None

    assert jobs(lan_app, booking_id) == []
    assert run(lan_app) == 0
    assert account.names() == []
    assert calendar_event(client, host, booking_id) is None


def test_without_a_default_calendar_nothing_is_queued(lan_app, client, host, make_link):
    link = make_link()
    booking_id, _, _ = booked(client, link)
    assert queue(lan_app, booking_id, "put") is None
    assert jobs(lan_app, booking_id) == []
    assert calendar_event(client, host, booking_id) is None


def test_a_new_default_calendar_takes_the_event_at_the_next_change(
    lan_app, client, host, radicale, make_link
):
    account = Account(lan_app, host, radicale, slugs=("work", "home"))
    home = account.url.replace("/work/", "/home/")
    link = make_link()
    booking_id, token, offered = booked(client, link)
    queue(lan_app, booking_id, "put")
    run(lan_app)
    assert account.names() == [f"booking-{booking_id}@{DOMAIN}.ics"]
    account.make_default("home")
    reschedule(client, token, offered[3])
    queue(lan_app, booking_id, "put")

    assert run(lan_app) == 2  # a delete in Work, a put in Home

    assert account.names() == []
    assert account.names(home) == [f"booking-{booking_id}@{DOMAIN}.ics"]
    assert account.event(booking_id, home).decoded("DTSTART") == datetime.fromisoformat(offered[3])
    assert calendar_event(client, host, booking_id) == {
        "status": "written",
        "calendar_id": account.calendar_ids["home"],
        "url": None,
    }


# -- failures: retried, never lost ---------------------------------------------------------------


def test_an_unreachable_server_is_retried_later_and_the_event_arrives(
    lan_app, client, host, account, radicale, make_link
):
    link = make_link()
    booking_id, _, offered = booked(client, link)
    queue(lan_app, booking_id, "put")
    point_at(lan_app, account, f"http://127.0.0.1:{free_port()}")  # nobody listens there

    assert run(lan_app) == 1
    (job,) = jobs(lan_app, booking_id)
    assert (job.status, job.attempts) == ("pending", 1)
    assert job.next_attempt_at == AT + timedelta(minutes=1)
    assert job.last_error
    assert run(lan_app, AT + timedelta(seconds=30)) == 0  # not due yet

    assert run(lan_app, AT + timedelta(minutes=1)) == 1
    (job,) = jobs(lan_app, booking_id)
    assert (job.status, job.attempts) == ("pending", 2)
    assert job.next_attempt_at == AT + timedelta(minutes=1) + timedelta(minutes=2)
    assert calendar_event(client, host, booking_id)["status"] == "pending"

    point_at(lan_app, account, radicale.base_url)  # the server is back
    assert run(lan_app, AT + timedelta(minutes=3)) == 1
    assert account.event(booking_id).decoded("DTSTART") == datetime.fromisoformat(offered[0])
    assert calendar_event(client, host, booking_id)["status"] == "written"


def test_an_event_the_server_never_takes_fails_after_the_last_attempt(
    lan_app, client, host, account, make_link
):
    link = make_link()
    booking_id, _, _ = booked(client, link)
    queue(lan_app, booking_id, "put")
    point_at(lan_app, account, f"http://127.0.0.1:{free_port()}")
    at = AT
    for _ in range(MAX_ATTEMPTS):
        assert run(lan_app, at) == 1
        (job,) = jobs(lan_app, booking_id)
        at = job.next_attempt_at or at

    assert (job.status, job.attempts, job.next_attempt_at) == ("failed", MAX_ATTEMPTS, None)
    assert job.last_error
    assert run(lan_app, at + timedelta(days=1)) == 0
    assert calendar_event(client, host, booking_id)["status"] == "failed"


def test_the_backoff_doubles_up_to_an_hour():
    delays = [writeback.backoff(n) for n in range(1, 10)]
    assert delays[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert delays[-1] == timedelta(hours=1)
    assert delays == sorted(delays)


def test_a_refused_login_fails_for_now_and_the_event_arrives_after_reconnecting(
    lan_app, client, host, account, radicale, make_link
):
    link = make_link()
    booking_id, _, _ = booked(client, link)
    queue(lan_app, booking_id, "put")
    radicale.set_password(account.user, "changed on the server")

    assert run(lan_app) == 1
    (job,) = jobs(lan_app, booking_id)
    assert job.status == "failed" and job.next_attempt_at is not None and job.last_error
    assert calendar_event(client, host, booking_id)["status"] == "failed"
    with lan_app.app_context():  # at once, without waiting for a sync (C6)
        connection = get_session().get(CalendarConnection, account.connection_id)
        assert connection.status == "disconnected" and connection.status_message
    assert client.get(f"/api/v1/public/links/{link['slug']}").json["mode"] == "request"
    assert [m.recipient for m in outbox(lan_app, "calendar_disconnected")] == [host.email]

    later = AT + timedelta(hours=2)
    with lan_app.app_context():  # the sync finds the login refused too: still one email
        session = get_session()
        sync_calendar(session, session.get(Calendar, account.calendar_id), later)
        assert session.get(CalendarConnection, account.connection_id).status == "disconnected"
    assert len(outbox(lan_app, "calendar_disconnected")) == 1
    assert run(lan_app, later) == 0  # a disconnected calendar is not asked again

    with lan_app.app_context():
        session = get_session()
        reconnect_caldav(
            session,
            session.get(User, host.id),
            account.connection_id,
            username=None,
            password="changed on the server",
            url=None,
            now=later,
        )
    assert run(lan_app, later) == 1
    assert account.names() == [f"booking-{booking_id}@{DOMAIN}.ics"]
    assert calendar_event(client, host, booking_id)["status"] == "written"


def test_a_worker_that_wrote_an_older_revision_leaves_the_newer_one_due(
    lan_app, client, account, make_link
):
    """A reschedule while the worker is writing the first PUT: its record must not mark the
    new revision done (that reschedule would never reach the calendar)."""
    link = make_link()
    booking_id, token, offered = booked(client, link)
    queue(lan_app, booking_id, "put")
    with lan_app.app_context():
        session = get_session()
        (claimed,) = writeback._claim(session, AT, current_settings(), 10)
        reschedule(client, token, offered[5])  # meanwhile
        queue(lan_app, booking_id, "put")
        where = writeback._perform(session, claimed)
        assert not writeback._record(session, claimed, AT, **writeback._outcome(claimed, *where))
    (job,) = jobs(lan_app, booking_id)
    assert (job.status, job.next_attempt_at) == ("pending", AT)

    assert run(lan_app) == 1
    assert account.event(booking_id).decoded("DTSTART") == datetime.fromisoformat(offered[5])


def test_our_own_event_synced_back_is_not_cached_as_busy(lan_app, client, account, make_link):
    link = make_link()
    booking_id, _, _ = booked(client, link)
    queue(lan_app, booking_id, "put")
    run(lan_app)
    assert account.names() == [f"booking-{booking_id}@{DOMAIN}.ics"]
    with lan_app.app_context():
        session = get_session()
        calendar = session.get(Calendar, account.calendar_id)
        assert sync_calendar(session, calendar, AT).status == "synced"
        uids = list(session.scalars(select(CalendarBusy.uid)))
    assert f"booking-{booking_id}@{DOMAIN}" not in uids
    assert uids == []


def test_the_worker_command_writes_the_due_events(lan_app, client, account, make_link):
    link = make_link()
    booking_id, _, _ = booked(client, link)
    queue(lan_app, booking_id, "put", NOW)  # due by the worker's clock
    result = lan_app.test_cli_runner().invoke(worker, ["--once"])
    assert "1 calendar event(s) written or retried" in result.output, result.output
    assert account.names() == [f"booking-{booking_id}@{DOMAIN}.ics"]


# -- End to end: these hold once bookings/services.py queues the write -----------------------
# (``book``/``reschedule`` call queue_calendar_write(session, booking, "put", now) and ``cancel``
# calls it with "delete", inside their write_transaction). Nothing here queues by hand.


def test_end_to_end_a_booking_through_the_api_reaches_the_calendar(
    lan_app, client, host, account, make_link
):
    link = make_link()
    booking_id, _, offered = booked(client, link)
    assert calendar_event(client, host, booking_id)["status"] == "pending"

    assert run(lan_app, utcnow()) == 1

    event = account.event(booking_id)
    assert str(event["ATTENDEE"]) == "mailto:ada@example.com"
    assert event.decoded("DTSTART") == datetime.fromisoformat(offered[0])
    assert calendar_event(client, host, booking_id)["status"] == "written"


def test_end_to_end_a_reschedule_moves_and_a_cancel_removes_the_event(
    lan_app, client, host, account, make_link
):
    link = make_link()
    booking_id, token, offered = booked(client, link)
    run(lan_app, utcnow())
    reschedule(client, token, offered[6])
    assert run(lan_app, utcnow()) == 1
    assert account.names() == [f"booking-{booking_id}@{DOMAIN}.ics"]
    event = account.event(booking_id)
    assert (event.decoded("DTSTART"), int(event["SEQUENCE"])) == (
        datetime.fromisoformat(offered[6]),
        1,
    )

    cancel(client, token)
    assert run(lan_app, utcnow()) == 1
    assert account.names() == []


def test_end_to_end_a_cancel_before_the_worker_ran_writes_nothing(
    lan_app, client, host, account, make_link
):
    link = make_link()
    booking_id, token, _ = booked(client, link)
    cancel(client, token)
    assert run(lan_app, utcnow()) == 0
    assert account.names() == []
    assert calendar_event(client, host, booking_id) is None
