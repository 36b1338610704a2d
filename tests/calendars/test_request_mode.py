"""C6, never booked blind: a disconnected calendar connection puts the links that need its
host into request mode (SPEC §5 "How it works"): no slots, the widget's request form, and
the host told by email: once when the connection disconnects, and with each request."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from server.accounts.models import User
from server.calendars.models import Calendar, CalendarBusy, CalendarConnection
from server.calendars.services import disconnected_host_ids, sync_calendar
from server.db import get_session, transaction
from server.notifications.models import OutboxMessage
from tests.calendars.test_ics_feeds import Feed
from tests.conftest import NOW, next_weekday

pytestmark = pytest.mark.db

PARIS = ZoneInfo("Europe/Paris")
#: a Monday two weeks on: Paris is UTC+1 until 2027-03-28
MONDAY = next_weekday(0)
FEED_SAYS = "The calendar server refused our login (401)."
REQUEST = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "preferred_times": "Tuesday afternoon",
}


#: the feed the host subscribes to: a "Work" calendar with nothing in it
WORK = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//feed//EN\r\nX-WR-CALNAME:Work\r\n"
    b"END:VCALENDAR\r\n"
)


@pytest.fixture
def feed() -> Iterator[Feed]:
    """A real feed server (test_ics_feeds.Feed) serving :data:`WORK`; ``status`` breaks it."""
    served = Feed()
    served.body = WORK
    yield served
    served.server.shutdown()
    served.server.server_close()


def add_connection(
    app,
    host,
    status: str = "connected",
    *,
    url: str = "https://calendar.invalid/work.ics",
    check_conflicts: bool = False,
    busy: list[tuple[datetime, datetime]] = (),
    synced_at: datetime = NOW,
) -> int:
    """A connection of ``host`` written straight to the database (test data), with one
    calendar and its cached ``busy`` time. Calendars don't check conflicts unless asked, so
    the commit-time check never reaches for the fake address."""
    with app.app_context():
        session = get_session()
        user = session.get(User, host.id)
        with transaction(session):
            connection = CalendarConnection(
                account_id=user.account_id,
                user_id=user.id,
                provider="ics",
                url=url,
                status=status,
                status_message="" if status == "connected" else FEED_SAYS,
                last_synced_at=synced_at,
            )
            calendar = Calendar(
                user_id=user.id,
                remote_id=f"work-{status}",
                name="Work",
                check_conflicts=check_conflicts,
                last_synced_at=synced_at,
                next_sync_at=synced_at + timedelta(minutes=15),
            )
            connection.calendars.append(calendar)
            session.add(connection)
            session.flush()
            session.add_all(
                CalendarBusy(
                    calendar_id=calendar.id,
                    user_id=user.id,
                    start_at=start,
                    end_at=end,
                    summary="Busy",
                )
                for start, end in busy
            )
        return connection.id


def paris(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), PARIS)


def config(client, link) -> dict:
    response = client.get(f"/api/v1/public/links/{link['slug']}")
    assert response.status_code == 200
    return response.json


def slots(client, link, day=MONDAY):
    response = client.get(
        f"/api/v1/public/links/{link['slug']}/slots",
        query_string={"start": day.isoformat(), "end": day.isoformat()},
    )
    assert response.status_code == 200, response.json
    return response.json


def hours(answer) -> list[str]:
    return [datetime.fromisoformat(s).astimezone(PARIS).strftime("%H:%M") for s in answer["slots"]]


def every_half_hour(first: int, last: int) -> list[str]:
    return [f"{h:02d}:{m:02d}" for h in range(first, last) for m in (0, 30)]


def book(client, link, start: datetime):
    return client.post(
        f"/api/v1/public/links/{link['slug']}/bookings",
        json={
            "start": start.isoformat(),
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
        },
    )


def outbox(app, kind: str) -> list[OutboxMessage]:
    with app.app_context():
        session = get_session()
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        ).all()
        session.expunge_all()
        return list(rows)


def text_of(message: OutboxMessage) -> str:
    parsed = email.message_from_string(message.mime, policy=email.policy.default)
    return parsed.get_body(preferencelist=("plain",)).get_content()


# -- which links switch ------------------------------------------------------------------


def test_a_one_on_one_link_of_a_disconnected_host_takes_requests_and_offers_no_slots(
    app, client, make_link, host
):
    link = make_link()
    assert config(client, link)["mode"] == "book"
    booked_mode = slots(client, link)
    assert hours(booked_mode) == every_half_hour(9, 17)

    add_connection(app, host, "disconnected")

    assert config(client, link)["mode"] == "request"
    answer = slots(client, link)
    assert answer["slots"] == []
    assert answer.keys() == booked_mode.keys()  # the same shape, only empty


def test_a_transient_error_keeps_the_link_bookable(app, client, make_link, host):
    link = make_link()
    add_connection(app, host, "error")
    assert config(client, link)["mode"] == "book"
    assert hours(slots(client, link)) == every_half_hour(9, 17)


def test_a_group_link_takes_requests_when_any_host_is_disconnected(
    app, client, make_link, host, make_host
):
    bob = make_host(name="Bob", same_account_as=host)
    link = make_link(type="group", host_ids=[host.id, bob.id])
    add_connection(app, bob, "disconnected")
    assert config(client, link)["mode"] == "request"
    assert slots(client, link)["slots"] == []


def test_a_round_robin_link_drops_the_disconnected_host_and_books_with_the_other(
    app, client, make_link, host, make_host
):
    bob = make_host(name="Bob", same_account_as=host)
    link = make_link(type="round_robin", host_ids=[host.id, bob.id])
    # Alice's mornings are busy in her (connected) calendar; Bob is free all day
    add_connection(app, host, busy=[(paris(MONDAY, 9), paris(MONDAY, 12))], check_conflicts=True)
    assert hours(slots(client, link)) == every_half_hour(9, 17)  # Bob covers the morning

    add_connection(app, bob, "disconnected")

    assert config(client, link)["mode"] == "book"
    assert hours(slots(client, link)) == every_half_hour(12, 17)  # Alice's times only


def test_a_round_robin_link_takes_requests_once_every_host_is_disconnected(
    app, client, make_link, host, make_host
):
    bob = make_host(name="Bob", same_account_as=host)
    link = make_link(type="round_robin", host_ids=[host.id, bob.id])
    add_connection(app, bob, "disconnected")
    add_connection(app, host, "disconnected")
    assert config(client, link)["mode"] == "request"
    assert slots(client, link)["slots"] == []


def test_one_disconnected_connection_among_several_is_enough(app, client, make_link, host):
    link = make_link()
    add_connection(app, host, "connected")
    add_connection(app, host, "disconnected")
    assert config(client, link)["mode"] == "request"


def test_reconnecting_makes_the_link_bookable_again(app, client, make_link, host):
    link = make_link()
    connection_id = add_connection(app, host, "disconnected")
    with app.app_context():
        session = get_session()
        with transaction(session):
            connection = session.get(CalendarConnection, connection_id)
            connection.status, connection.status_message = "connected", ""
    assert config(client, link)["mode"] == "book"
    assert hours(slots(client, link)) == every_half_hour(9, 17)


def test_disconnected_host_ids_names_only_the_hosts_with_a_disconnected_connection(
    app, host, make_host
):
    bob, carol = make_host(name="Bob"), make_host(name="Carol")
    add_connection(app, host, "connected")
    add_connection(app, bob, "error")
    add_connection(app, carol, "connected")
    add_connection(app, carol, "disconnected")
    with app.app_context():
        session = get_session()
        assert disconnected_host_ids(session, [host.id, bob.id, carol.id]) == {carol.id}
        assert disconnected_host_ids(session, []) == set()


def test_the_troubleshooter_names_the_disconnected_calendar(
    app, client, make_link, host, make_host
):
    bob = make_host(name="Bob", same_account_as=host)
    link = make_link(type="round_robin", host_ids=[host.id, bob.id])
    add_connection(app, bob, "disconnected")
    response = client.get(
        f"/api/v1/links/{link['id']}/troubleshoot",
        query_string={"start": paris(MONDAY, 10).isoformat()},
        headers=host.headers,
    )
    assert response.status_code == 200
    verdicts = {h["name"]: h for h in response.json["hosts"]}
    assert verdicts["Alice Martin"]["bookable"] is True
    assert verdicts["Bob"]["bookable"] is False
    assert [r["code"] for r in verdicts["Bob"]["reasons"]] == ["calendar_disconnected"]
    assert response.json["bookable"] is True


# -- the host is told ----------------------------------------------------------------------


def connect_feed(app, host, feed) -> int:
    from server.calendars.services import connect_ics

    with app.app_context():
        session = get_session()
        return connect_ics(session, session.get(User, host.id), feed.url, NOW).id


def sync(app, connection_id: int, now: datetime) -> str:
    with app.app_context():
        session = get_session()
        connection = session.get(CalendarConnection, connection_id)
        sync_calendar(session, connection.calendars[0], now)
        return connection.status


def test_the_host_is_emailed_once_when_the_connection_disconnects(lan_app, host, feed):
    connection_id = connect_feed(lan_app, host, feed)
    feed.status = 401
    assert sync(lan_app, connection_id, NOW + timedelta(minutes=15)) == "disconnected"
    assert sync(lan_app, connection_id, NOW + timedelta(minutes=30)) == "disconnected"
    assert sync(lan_app, connection_id, NOW + timedelta(hours=2)) == "disconnected"

    notices = outbox(lan_app, "calendar_disconnected")
    assert [m.recipient for m in notices] == [host.email]
    text = text_of(notices[0])
    assert "“Work”" in text
    assert "request a meeting" in text
    assert "http://rendezvous.test/app/calendars" in text
    assert feed.url not in text  # a feed URL is a secret of its own


def test_a_connection_that_disconnects_again_after_a_reconnect_emails_again(lan_app, host, feed):
    connection_id = connect_feed(lan_app, host, feed)
    feed.status = 401
    sync(lan_app, connection_id, NOW + timedelta(minutes=15))
    feed.status = 200
    assert sync(lan_app, connection_id, NOW + timedelta(minutes=30)) == "connected"
    feed.status = 401
    sync(lan_app, connection_id, NOW + timedelta(minutes=45))
    assert len(outbox(lan_app, "calendar_disconnected")) == 2


def test_a_transient_error_emails_only_when_it_lasts_past_the_stale_limit(lan_app, host, feed):
    connection_id = connect_feed(lan_app, host, feed)
    feed.status = 503
    assert sync(lan_app, connection_id, NOW + timedelta(minutes=15)) == "error"
    assert sync(lan_app, connection_id, NOW + timedelta(minutes=30)) == "error"
    assert outbox(lan_app, "calendar_disconnected") == []
    assert sync(lan_app, connection_id, NOW + timedelta(minutes=45)) == "disconnected"
    assert sync(lan_app, connection_id, NOW + timedelta(minutes=60)) == "disconnected"
    assert len(outbox(lan_app, "calendar_disconnected")) == 1


def test_each_request_sent_while_disconnected_tells_the_host_so(app, client, make_link, host):
    link = make_link()
    add_connection(app, host, "disconnected")
    for _ in range(2):
        response = client.post(f"/api/v1/public/links/{link['slug']}/requests", json=REQUEST)
        assert response.status_code == 201
    notices = outbox(app, "request_notice")
    assert [m.recipient for m in notices] == [host.email, host.email]
    assert all("Your calendar is disconnected" in text_of(m) for m in notices)


def test_on_a_group_link_only_the_disconnected_host_is_told_their_calendar_is(
    app, client, make_link, host, make_host
):
    bob = make_host(name="Bob", same_account_as=host)
    link = make_link(type="group", host_ids=[host.id, bob.id])
    add_connection(app, bob, "disconnected")
    response = client.post(f"/api/v1/public/links/{link['slug']}/requests", json=REQUEST)
    assert response.status_code == 201
    told = {
        m.recipient: "Your calendar is disconnected" in text_of(m)
        for m in outbox(app, "request_notice")
    }
    assert told == {bob.email: True, host.email: False}


def test_a_request_while_connected_doesnt_say_the_calendar_is_disconnected(
    app, client, make_link, host
):
    link = make_link()
    add_connection(app, host, "connected")
    client.post(f"/api/v1/public/links/{link['slug']}/requests", json=REQUEST)
    [notice] = outbox(app, "request_notice")
    assert "disconnected" not in text_of(notice)


# -- bookings refused --------------------------------------------------------------------


def test_booking_a_link_in_request_mode_is_refused_with_409(app, client, make_link, host):
    link = make_link()
    add_connection(app, host, "disconnected")
    response = book(client, link, paris(MONDAY, 10))
    assert response.status_code == 409
    assert response.json["error"]["code"] == "calendar_disconnected"


def test_rescheduling_on_a_link_in_request_mode_is_refused_with_409(app, client, make_link, host):
    link = make_link()
    created = book(client, link, paris(MONDAY, 10))
    assert created.status_code == 201, created.json
    add_connection(app, host, "disconnected")
    response = client.post(
        f"/api/v1/public/bookings/{created.json['manage_token']}/reschedule",
        json={"start": paris(MONDAY, 11).isoformat()},
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "calendar_disconnected"


def test_a_round_robin_books_only_its_connected_hosts(
    lan_app, client, make_link, host, make_host, feed
):
    """Bob's calendar refuses us (a real feed answering 401), so he is out of the pool: the
    commit-time check doesn't ask his calendar, and fairness never hands him a meeting."""
    app = lan_app
    bob = make_host(name="Bob", same_account_as=host)
    link = make_link(type="round_robin", host_ids=[host.id, bob.id])
    add_connection(app, host, busy=[(paris(MONDAY, 9), paris(MONDAY, 12))], check_conflicts=True)
    feed.status = 401
    add_connection(app, bob, "disconnected", url=feed.url, check_conflicts=True)

    morning = book(client, link, paris(MONDAY, 10))
    assert morning.status_code == 409
    assert morning.json["error"]["code"] == "slot_unavailable"
    hosts = [book(client, link, paris(MONDAY, 13 + n)).json["host"]["name"] for n in range(2)]
    assert hosts == ["Alice Martin", "Alice Martin"]
