"""C5, two-way sync: a meeting in a host's connected calendar with a known contact among its
attendees shows on that contact's timeline (the host API's and the dashboard's), follows the
event when it moves, and shows as cancelled once it is gone. Contacts are never made from
calendar data, and our own booking events are not logged twice. Through the Google and
Graph stand-ins and a real Radicale."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.accounts.models import User
from server.contacts.models import Contact
from server.contacts.services import upsert_contact
from server.db import get_session, transaction
from tests.calendars.oauth_flow import connect, sync
from tests.calendars.test_caldav import event as ical_event
from tests.calendars.test_calendars_api import add_caldav
from tests.calendars.test_google import ALICE, DAY, timed
from tests.calendars.test_microsoft import ALICE as MS_ALICE
from tests.calendars.test_microsoft import timed as graph_timed
from tests.calendars.test_writeback import booked, run

pytestmark = pytest.mark.db

BOB = "bob.client@example.com"


def known_contact(app, host, email: str = BOB) -> int:
    with app.app_context():
        session = get_session()
        with transaction(session):
            user = session.get(User, host.id)
            contact = upsert_contact(
                session,
                user.account_id,
                email=email,
                first_name="Bob",
                last_name="Client",
                properties={},
            )
        return contact.id


def meetings(client, host, contact_id: int) -> list[dict]:
    response = client.get(f"/api/v1/contacts/{contact_id}", headers=host.headers)
    assert response.status_code == 200, response.json
    return [item for item in response.json["timeline"] if item["kind"] == "calendar_meeting"]


def contacts_count(app) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(Contact))


# -- Google -------------------------------------------------------------------------------------


def attending(*emails: str) -> list[dict]:
    return [{"email": ALICE, "responseStatus": "accepted", "self": True}] + [
        {"email": e, "responseStatus": "needsAction"} for e in emails
    ]


def test_a_google_meeting_with_a_contact_is_on_the_contacts_timeline(
    google_app, google, signed_in, client, host
):
    contact_id = known_contact(google_app, host)
    google.put_event(ALICE, ALICE, timed("Quarterly review", 10, attendees=attending(BOB)))
    connect(signed_in)
    (item,) = meetings(client, host, contact_id)
    assert (item["title"], item["status"], item["source"]) == (
        "Quarterly review",
        "scheduled",
        "google",
    )
    assert item["start"].startswith(f"{DAY}T09:00:00")  # 10:00 Paris is 09:00 UTC
    page = signed_in.get(f"/app/contacts/{contact_id}").get_data(as_text=True)
    assert "Calendar meeting: “Quarterly review”" in page


def test_a_moved_meeting_is_updated_and_a_deleted_one_shows_cancelled(
    google_app, google, signed_in, client, host
):
    contact_id = known_contact(google_app, host)
    made = google.put_event(ALICE, ALICE, timed("Review", 10, attendees=attending(BOB)))
    connect(signed_in)
    google.put_event(ALICE, ALICE, {**made, **timed("Review", 14, attendees=attending(BOB))})
    sync(google_app, 10)
    (moved,) = meetings(client, host, contact_id)
    assert moved["start"].startswith(f"{DAY}T13:00:00") and moved["status"] == "scheduled"
    google.delete_event(ALICE, ALICE, made["id"])
    sync(google_app, 20)
    (gone,) = meetings(client, host, contact_id)
    assert gone["status"] == "cancelled"


def test_attendees_who_are_not_contacts_make_no_contact(google_app, google, signed_in):
    google.put_event(ALICE, ALICE, timed("Lunch", 12, attendees=attending("stranger@example.com")))
    before = contacts_count(google_app)
    connect(signed_in)
    assert contacts_count(google_app) == before


def test_our_own_booking_event_is_not_logged_twice(
    google_app, google, signed_in, client, host, make_link
):
    connect(signed_in)
    booking_id, _, _ = booked(client, make_link())  # Ada Lovelace books: a contact
    run(google_app)  # the event is in Google, with Ada as attendee
    sync(google_app, 30)
    with google_app.app_context():
        ada = get_session().scalars(select(Contact).where(Contact.email == "ada@example.com")).one()
    assert meetings(client, host, ada.id) == []


# -- Microsoft 365 -------------------------------------------------------------------------------


def test_a_graph_meeting_with_a_contact_is_logged_then_cancelled(
    ms_app, microsoft, signed_in, client, host
):
    contact_id = known_contact(ms_app, host)
    guests = [
        {
            "type": "required",
            "emailAddress": {"address": BOB, "name": "Bob"},
            "status": {"response": "none"},
        }
    ]
    made = microsoft.put_event(
        MS_ALICE, microsoft.calendar_id, graph_timed("Kick-off", 10, attendees=guests)
    )
    connect(signed_in, "microsoft")
    (item,) = meetings(client, host, contact_id)
    assert (item["title"], item["status"], item["source"]) == ("Kick-off", "scheduled", "microsoft")
    microsoft.delete_event(MS_ALICE, made["id"])
    sync(ms_app, 10)
    (gone,) = meetings(client, host, contact_id)
    assert gone["status"] == "cancelled"


# -- CalDAV ---------------------------------------------------------------------------------------


def test_a_caldav_meeting_with_a_contact_is_logged_then_cancelled(lan_app, radicale, client, host):
    contact_id = known_contact(lan_app, host)
    user, password = radicale.new_user()
    url = radicale.make_calendar(user, "work", "Work")
    attendee = f"ATTENDEE;CN=Bob:mailto:{BOB.upper()}\n"
    radicale.put(
        user,
        url,
        "review.ics",
        ical_event("review@test", "20270315T090000Z", "20270315T100000Z", "Review", attendee),
    )
    assert add_caldav(client, host, radicale, user, password).status_code == 201
    (item,) = meetings(client, host, contact_id)
    assert (item["title"], item["status"], item["source"]) == ("Review", "scheduled", "caldav")
    radicale.delete(user, url, "review.ics")
    sync(lan_app, 10)
    (gone,) = meetings(client, host, contact_id)
    assert gone["status"] == "cancelled"
