"""A host's CalDAV account, end to end against a real Radicale: connected once, its busy
time cached and kept fresh incrementally, blocking slots, and C6 when the login breaks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from server.accounts.models import User
from server.calendars.models import CalendarBusy, CalendarConnection
from server.calendars.services import (
    connect_caldav,
    reconnect_caldav,
    sync_calendar,
    sync_due,
)
from server.db import get_session
from server.errors import ValidationFailed
from tests.calendars.conftest import Radicale
from tests.calendars.test_caldav import DENTIST, WEEKLY, event
from tests.calendars.test_ics_feeds import book
from tests.conftest import NOW

pytestmark = pytest.mark.db

LUNCH = event("lunch@test", "20270311T110000Z", "20270311T120000Z", "Lunch")


@pytest.fixture
def work(radicale: Radicale) -> tuple[str, str, str]:
    """A Radicale user with a "Work" calendar holding a weekly meeting and the dentist."""
    user, password = radicale.new_user()
    url = radicale.make_calendar(user, "work", "Work")
    radicale.put(user, url, "weekly.ics", WEEKLY)
    radicale.put(user, url, "dentist.ics", DENTIST)
    return user, password, url


def connect(app, host, radicale: Radicale, user: str, password: str) -> int:
    with app.app_context():
        session = get_session()
        return connect_caldav(
            session,
            session.get(User, host.id),
            url=radicale.base_url + "/",
            username=user,
            password=password,
            now=NOW,
        ).id


def busy_on(app, day: datetime) -> list[tuple[datetime, str]]:
    with app.app_context():
        rows = get_session().scalars(
            select(CalendarBusy)
            .where(CalendarBusy.start_at >= day, CalendarBusy.start_at < day + timedelta(days=1))
            .order_by(CalendarBusy.start_at)
        )
        return [(r.start_at, r.summary) for r in rows]


def test_connecting_caches_the_accounts_busy_time(lan_app, host, radicale, work):
    user, password, _ = work
    connect(lan_app, host, radicale, user, password)
    # the weekly 10:00 New York meeting, after the clocks went forward on 14 March
    assert busy_on(lan_app, datetime(2027, 3, 15, tzinfo=UTC)) == [
        (datetime(2027, 3, 15, 14, tzinfo=UTC), "Weekly")
    ]
    assert busy_on(lan_app, datetime(2027, 3, 10, tzinfo=UTC)) == [
        (datetime(2027, 3, 10, 13, tzinfo=UTC), "Dentist")
    ]


def test_the_writable_calendar_becomes_the_default(lan_app, host, radicale, work):
    user, password, _ = work
    connection_id = connect(lan_app, host, radicale, user, password)
    with lan_app.app_context():
        (calendar,) = get_session().get(CalendarConnection, connection_id).calendars
        assert (calendar.name, calendar.writable, calendar.is_default) == ("Work", True, True)


def test_an_event_added_later_is_cached_by_the_next_sync(lan_app, host, radicale, work):
    user, password, url = work
    connection_id = connect(lan_app, host, radicale, user, password)
    radicale.put(user, url, "lunch.ics", LUNCH)
    radicale.delete(user, url, "dentist.ics")
    with lan_app.app_context():
        session = get_session()
        (calendar,) = session.get(CalendarConnection, connection_id).calendars
        outcome = sync_calendar(session, calendar, NOW + timedelta(minutes=5))
    assert outcome.status == "synced"
    assert busy_on(lan_app, datetime(2027, 3, 11, tzinfo=UTC)) == [
        (datetime(2027, 3, 11, 11, tzinfo=UTC), "Lunch")
    ]
    assert busy_on(lan_app, datetime(2027, 3, 10, tzinfo=UTC)) == []


def test_the_worker_syncs_what_is_due(lan_app, host, radicale, work):
    user, password, url = work
    connect(lan_app, host, radicale, user, password)
    radicale.put(user, url, "lunch.ics", LUNCH)
    with lan_app.app_context():
        assert sync_due(get_session(), NOW + timedelta(minutes=1)) == []  # not due yet
        (outcome,) = sync_due(get_session(), NOW + timedelta(minutes=5))
    assert outcome.status == "synced"
    assert [s for _, s in busy_on(lan_app, datetime(2027, 3, 11, tzinfo=UTC))] == ["Lunch"]


def test_the_cached_events_block_slots(lan_app, client, host, radicale, work, make_link):
    user, password, _ = work
    link = make_link(timezone="UTC")
    connect(lan_app, host, radicale, user, password)
    response = client.get(
        f"/api/v1/public/links/{link['slug']}/slots",
        query_string={"start": "2027-03-15", "end": "2027-03-15", "timezone": "UTC"},
    )
    times = [slot[11:16] for slot in response.json["slots"]]
    assert "13:30" in times and "15:00" in times
    assert {"14:00", "14:30"} & set(times) == set()


def test_a_refused_login_is_shown_under_the_password(lan_app, host, radicale, work):
    user, _, _ = work
    with pytest.raises(ValidationFailed) as refused:
        connect(lan_app, host, radicale, user, "wrong password")
    assert list(refused.value.fields) == ["password"]


def test_a_changed_password_disconnects_and_reconnecting_syncs_again(lan_app, host, radicale, work):
    user, password, _ = work
    connection_id = connect(lan_app, host, radicale, user, password)
    radicale.set_password(user, "a new password")
    with lan_app.app_context():
        session = get_session()
        (calendar,) = session.get(CalendarConnection, connection_id).calendars
        sync_calendar(session, calendar, NOW + timedelta(minutes=5))
        connection = session.get(CalendarConnection, connection_id)
        assert connection.status == "disconnected" and connection.status_message
    with lan_app.app_context():
        session = get_session()
        connection = reconnect_caldav(
            session,
            session.get(User, host.id),
            connection_id,
            username=None,
            password="a new password",
            url=None,
            now=NOW + timedelta(minutes=10),
        )
        assert (connection.status, connection.status_message) == ("connected", "")


def test_no_password_or_address_is_stored_in_clear(lan_app, host, radicale, work):
    user, password, _ = work
    connect(lan_app, host, radicale, user, password)
    with lan_app.app_context():
        url, secret = (
            get_session().execute(text("SELECT url, secret FROM calendar_connections")).one()
        )
    assert password not in secret
    assert "127.0.0.1" not in url


def test_an_event_added_since_the_last_sync_is_caught_at_commit(
    lan_app, client, host, radicale, work, make_link
):
    user, password, url = work
    link = make_link(timezone="UTC")
    connect(lan_app, host, radicale, user, password)
    radicale.put(
        user, url, "call.ics", event("call@test", "20270316T100000Z", "20270316T110000Z", "Call")
    )
    refused = book(client, link, "2027-03-16T10:30:00+00:00")
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "slot_unavailable"
    assert book(client, link, "2027-03-16T11:00:00+00:00").status_code == 201


def test_a_calendar_that_refuses_us_at_commit_refuses_the_booking(
    lan_app, client, host, radicale, work, make_link
):
    user, password, _ = work
    link = make_link(timezone="UTC")
    connect(lan_app, host, radicale, user, password)
    radicale.set_password(user, "changed behind our back")
    refused = book(client, link, "2027-03-16T10:30:00+00:00")
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "calendar_disconnected"


def version_after_sync(app, connection_id: int, now: datetime) -> str:
    with app.app_context():
        session = get_session()
        (calendar,) = session.get(CalendarConnection, connection_id).calendars
        sync_calendar(session, calendar, now)
        return calendar.busy_version


def test_a_sync_that_finds_nothing_new_keeps_the_busy_version_and_a_change_renews_it(
    lan_app, host, radicale, work
):
    """What processes keep in memory stays valid until the calendar really changed."""
    user, password, url = work
    connection_id = connect(lan_app, host, radicale, user, password)
    first = version_after_sync(lan_app, connection_id, NOW + timedelta(minutes=5))
    assert version_after_sync(lan_app, connection_id, NOW + timedelta(minutes=10)) == first
    radicale.put(user, url, "lunch.ics", LUNCH)
    assert version_after_sync(lan_app, connection_id, NOW + timedelta(minutes=15)) != first
