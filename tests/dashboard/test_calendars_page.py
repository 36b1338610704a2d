"""The Calendars page (C1–C6, SPEC §10): connecting a CalDAV account against a real Radicale
and subscribing to an ICS feed served by the test, each calendar's switches, the default,
Refresh, Remove, and a disconnected calendar in red with Reconnect, announced on the links
list too."""

from __future__ import annotations

import html
import re

import pytest

from tests.calendars import conftest as calendar_fixtures
from tests.calendars.conftest import Radicale, radicale  # noqa: F401 - the module's fixture
from tests.calendars.test_ics_feeds import DENTIST, Feed, feed  # noqa: F401 - the feed fixture
from tests.dashboard.conftest import Dashboard, text

lan_app = calendar_fixtures.lan_app  # the calendar tests' fixture, shared

pytestmark = pytest.mark.db

WORK_EVENT = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//work//EN\r
BEGIN:VEVENT\r
UID:standup@example.com\r
DTSTAMP:20270301T000000Z\r
DTSTART:20270311T080000Z\r
DTEND:20270311T083000Z\r
SUMMARY:Standup\r
END:VEVENT\r
END:VCALENDAR\r
"""


@pytest.fixture
def work(radicale: Radicale) -> tuple[str, str]:  # noqa: F811 - the imported fixture
    """A Radicale user (name, password) with one calendar, "Work", holding a standup."""
    user, password = radicale.new_user("page")
    url = radicale.make_calendar(user, "work", "Work")
    radicale.put(user, url, "standup.ics", WORK_EVENT)
    return user, password


def page(dash: Dashboard) -> str:
    response = dash.get("/app/calendars")
    assert response.status_code == 200
    return html.unescape(text(response))


def connect_caldav(dash: Dashboard, radicale: Radicale, user: str, password: str):  # noqa: F811
    return dash.post(
        "/app/calendars/caldav",
        {"server_url": radicale.base_url + "/", "username": user, "password": password},
    )


def connection_ids(body: str) -> list[int]:
    return [int(i) for i in re.findall(r'id="connection-(\d+)"', body)]


def calendar_ids(body: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li id="calendar-(\d+)"', body)]


def section(body: str, connection_id: int) -> str:
    """The card of one connection."""
    start = body.rindex("<section", 0, body.index(f'id="connection-{connection_id}"'))
    return body[start : body.index("</section>", start)]


def field(body: str, field_id: str) -> str:
    """One form field's block (label, input, errors)."""
    start = body.rindex('<div class="field', 0, body.index(f'id="{field_id}"'))
    return body[start : body.index("</div>", start)]


def flashes(body: str) -> list[str]:
    return re.findall(r'<p class="flash flash-\w+">(.*?)</p>', body, re.S)


def test_the_empty_page_offers_both_ways_to_add_a_calendar(signed_in):
    body = page(signed_in)
    assert "No calendar is connected yet" in body
    assert connection_ids(body) == []
    assert "Connect a CalDAV account" in body and 'name="server_url"' in body
    assert "Subscribe to an ICS feed" in body and 'name="feed_url"' in body


def test_subscribing_to_a_feed_lists_it_with_its_calendar(lan_app, signed_in, feed):  # noqa: F811
    response = signed_in.post("/app/calendars/ics", {"feed_url": feed.url})
    assert response.status_code == 302
    body = page(signed_in)
    assert flashes(body) == [
        "Subscribed to “Family”: its events keep your links' times busy from now on."
    ]
    (connection_id,) = connection_ids(body)
    card = section(body, connection_id)
    assert "ICS feed: Family" in card and 'data-status="connected"' in card
    assert "Last synced 10 Mar 2027 10:00" in card  # NOW in the host's Europe/Paris
    assert "Read-only" in card and "Make default" not in card
    assert re.search(r'name="check_conflicts" value="on" checked', card)
    assert "Reconnect" not in card  # a feed has no login to change
    assert feed.url not in body  # the feed's address is often a secret


def test_a_feed_that_is_not_there_is_refused_next_to_its_field(
    lan_app,
    signed_in,
    feed,  # noqa: F811
):
    feed.status = 404
    response = signed_in.post("/app/calendars/ics", {"feed_url": feed.url})
    assert response.status_code == 422
    body = html.unescape(text(response))
    assert "The calendar server says there is nothing at this address." in field(body, "f-feed_url")
    assert f'value="{feed.url}"' in body  # kept to correct it
    assert connection_ids(body) == []


def test_a_feed_address_is_required(signed_in):
    response = signed_in.post("/app/calendars/ics", {"feed_url": "  "})
    assert response.status_code == 422
    assert "This field is required." in field(text(response), "f-feed_url")


def test_connecting_caldav_lists_work_as_the_default(lan_app, signed_in, radicale, work):  # noqa: F811
    response = connect_caldav(signed_in, radicale, *work)
    assert response.status_code == 302
    body = page(signed_in)
    assert flashes(body) == [
        "Connected: 1 calendar. Bookings are written to “Work”, your default calendar."
    ]
    (connection_id,) = connection_ids(body)
    card = section(body, connection_id)
    assert "CalDAV: Work" in card and 'data-status="connected"' in card
    assert f"{work[0]} at 127.0.0.1" in card
    (calendar_id,) = calendar_ids(card)
    calendar = card[card.index(f'id="calendar-{calendar_id}"') :]
    assert re.search(r"Work\s*<span class=\"badge ok\">Default</span>", calendar)
    assert "Make default" not in calendar  # it is the default already
    assert "Read-only" not in calendar


def test_a_wrong_password_is_shown_next_to_the_password_field(
    lan_app,
    signed_in,
    radicale,  # noqa: F811
    work,
):
    user, _ = work
    response = connect_caldav(signed_in, radicale, user, "not the password")
    assert response.status_code == 422
    body = html.unescape(text(response))
    assert "The server refused this user name or password." in field(body, "f-password")
    assert "not the password" not in body  # never sent back
    assert f'value="{user}"' in field(body, "f-username")
    assert connection_ids(body) == []


def test_switching_off_conflict_checking_is_saved(lan_app, signed_in, db, radicale, work):  # noqa: F811
    connect_caldav(signed_in, radicale, *work)
    (calendar_id,) = calendar_ids(page(signed_in))
    (connection_id,) = connection_ids(page(signed_in))
    response = signed_in.post(
        f"/app/calendars/{connection_id}/calendars/{calendar_id}/options",
        {"tentative_busy": "on", "ignore_all_day": "on"},  # check_conflicts left unticked
    )
    assert response.status_code == 302
    assert db("SELECT check_conflicts, tentative_busy, ignore_all_day FROM calendars") == [
        (False, True, True)
    ]
    body = page(signed_in)
    assert flashes(body) == ["Saved: “Work”."]
    assert 'name="check_conflicts" value="on" >' in body
    assert 'name="ignore_all_day" value="on" checked' in body


def test_another_calendar_of_the_account_can_be_made_the_default(
    lan_app,
    signed_in,
    db,
    radicale,  # noqa: F811
    work,
):
    user, password = work
    radicale.make_calendar(user, "home", "Home")
    connect_caldav(signed_in, radicale, user, password)
    body = page(signed_in)
    (connection_id,) = connection_ids(body)
    names = dict(db("SELECT name, id FROM calendars"))
    assert 'Make default<span class="visually-hidden">: Home' in body
    response = signed_in.post(f"/app/calendars/{connection_id}/calendars/{names['Home']}/default")
    assert response.status_code == 302
    assert sorted(db("SELECT name, is_default FROM calendars")) == [
        ("Home", True),
        ("Work", False),
    ]
    assert flashes(page(signed_in)) == [
        "“Home” is your default calendar now: new bookings are written to it."
    ]


def test_a_feed_cannot_be_made_the_default(lan_app, signed_in, db, feed):  # noqa: F811
    signed_in.post("/app/calendars/ics", {"feed_url": feed.url})
    body = page(signed_in)
    ((connection_id,), (calendar_id,)) = connection_ids(body), calendar_ids(body)
    response = signed_in.post(f"/app/calendars/{connection_id}/calendars/{calendar_id}/default")
    assert response.status_code == 302
    assert flashes(page(signed_in)) == ["“Family” is read-only: it can't be the default."]
    assert db("SELECT is_default FROM calendars") == [(False,)]


def test_remove_needs_the_confirm_box_then_removes(lan_app, signed_in, db, feed):  # noqa: F811
    signed_in.post("/app/calendars/ics", {"feed_url": feed.url})
    (connection_id,) = connection_ids(page(signed_in))
    unconfirmed = signed_in.post(f"/app/calendars/{connection_id}/remove")
    assert unconfirmed.status_code == 302
    body = page(signed_in)
    assert flashes(body) == ["Tick the box to confirm that this calendar is removed."]
    assert connection_ids(body) == [connection_id]
    removed = signed_in.post(f"/app/calendars/{connection_id}/remove", {"confirm": "yes"})
    assert removed.status_code == 302
    body = page(signed_in)
    assert connection_ids(body) == []
    assert db("SELECT count(*) FROM calendar_busy") == [(0,)]


def test_another_hosts_connection_is_not_found(
    lan_app,
    signed_in,
    make_host,
    feed,  # noqa: F811
):
    signed_in.post("/app/calendars/ics", {"feed_url": feed.url})
    (connection_id,) = connection_ids(page(signed_in))
    bob = Dashboard(lan_app.test_client())
    bob.sign_in(make_host(name="Bob Stone").email)
    assert bob.post(f"/app/calendars/{connection_id}/refresh").status_code == 404
    assert bob.post(f"/app/calendars/{connection_id}/remove", {"confirm": "yes"}).status_code == 404
    assert connection_ids(page(signed_in)) == [connection_id]


def test_a_disconnected_calendar_shows_red_until_reconnected(
    lan_app,
    signed_in,
    radicale,  # noqa: F811
    work,
):
    user, password = work
    connect_caldav(signed_in, radicale, user, password)
    (connection_id,) = connection_ids(page(signed_in))
    assert "calendar-alert" not in text(signed_in.get("/app/links"))

    radicale.set_password(user, "a new password")
    refreshed = signed_in.post(f"/app/calendars/{connection_id}/refresh")
    assert refreshed.status_code == 302
    body = page(signed_in)
    assert flashes(body) == [
        "“Work” could not be read: The server refused this user name or password."
    ]
    card = section(body, connection_id)
    assert 'class="card connection status-disconnected"' in card
    assert '<span class="badge danger" data-status="disconnected">Disconnected</span>' in card
    assert "The server refused this user name or password." in card
    assert '<details class="reconnect" open>' in card
    assert "Reconnect and refresh" in card

    links = html.unescape(text(signed_in.get("/app/links")))
    alert = re.search(r'<p class="form-alert calendar-alert" role="alert">(.*?)</p>', links, re.S)
    assert alert is not None
    assert alert.group(1).startswith(
        "Your calendar “Work” is disconnected: your links take meeting requests instead of "
        "bookings until you reconnect it."
    )
    assert 'href="/app/calendars"' in alert.group(1)

    still_wrong = signed_in.post(
        f"/app/calendars/{connection_id}/reconnect", {"username": user, "password": password}
    )
    assert still_wrong.status_code == 422
    wrong = html.unescape(text(still_wrong))
    assert "The server refused this user name or password." in field(
        wrong, f"r{connection_id}-password"
    )

    reconnected = signed_in.post(
        f"/app/calendars/{connection_id}/reconnect",
        {"username": user, "password": "a new password"},
    )
    assert reconnected.status_code == 302
    body = page(signed_in)
    assert flashes(body) == ["Reconnected and refreshed: “Work”."]
    card = section(body, connection_id)
    assert 'data-status="connected"' in card and "status-disconnected" not in card
    assert "calendar-alert" not in text(signed_in.get("/app/links"))


def test_the_reconnect_form_needs_a_password(lan_app, signed_in, radicale, work):  # noqa: F811
    user, password = work
    connect_caldav(signed_in, radicale, user, password)
    (connection_id,) = connection_ids(page(signed_in))
    response = signed_in.post(
        f"/app/calendars/{connection_id}/reconnect", {"username": user, "password": ""}
    )
    assert response.status_code == 422
    body = text(response)
    assert "This field is required." in field(body, f"r{connection_id}-password")
    assert '<details class="reconnect" open>' in section(body, connection_id)
