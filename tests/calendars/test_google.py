"""A host's Google Calendar, end to end through the Google stand-in (tests/standins/google.py):
connected from /app/calendars through the consent page back to the callback, its events in
the busy cache as C3 says, kept fresh with the sync token (a 410 re-syncs), the commit-time
check, write-back, token refresh and C6 (SPEC §5, §10).

Production code reaches the stand-in only through the RENDEZVOUS_GOOGLE_* settings.
"""

from __future__ import annotations

import re
import subprocess
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import select, text

from server import clock
from server.calendars.models import CalendarBusy, CalendarConnection
from server.db import get_session
from tests.api.test_public_bookings import book
from tests.calendars.conftest import GOOGLE_ACCOUNT
from tests.calendars.oauth_flow import connect, connection, consent, offered, sync
from tests.calendars.test_request_mode import outbox
from tests.calendars.test_writeback import DOMAIN, booked, calendar_event, cancel, reschedule, run
from tests.conftest import NOW
from tests.servers import BIN, ROOT, server_env

pytestmark = pytest.mark.db

ALICE = GOOGLE_ACCOUNT
#: Monday 15 March 2027, Paris time (UTC+1)
DAY = "2027-03-15"


def timed(summary: str, hour: int, minutes: int = 60, **fields) -> dict:
    start = f"{DAY}T{hour:02d}:00:00+01:00"
    end_hour, end_minute = divmod(hour * 60 + minutes, 60)
    end = f"{DAY}T{end_hour:02d}:{end_minute:02d}:00+01:00"
    return {"summary": summary, "start": {"dateTime": start}, "end": {"dateTime": end}, **fields}


# -- connecting -------------------------------------------------------------------------------


def test_connecting_lands_on_the_calendars_page_with_the_primary_as_default(
    google_app, google, signed_in
):
    google.add_calendar(ALICE, "team@group.calendar.google.com", "Team", access_role="reader")
    body = connect(signed_in)
    assert f"Connected {ALICE}" in body
    found = connection(google_app)
    assert (found.provider, found.status, found.username) == ("google", "connected", ALICE)
    calendars = {c.name: c for c in found.calendars}
    primary, team = calendars[ALICE], calendars["Team"]
    assert (primary.is_default, primary.writable, primary.check_conflicts) == (True, True, True)
    assert (team.is_default, team.writable, team.check_conflicts) == (False, False, False)


def test_a_provider_without_a_client_id_is_not_offered(app, signed_in):
    assert "Connect Google Calendar" not in signed_in.get("/app/calendars").get_data(as_text=True)
    assert signed_in.get("/app/calendars/connect/google").status_code == 404


def test_the_consent_page_is_asked_with_pkce_and_a_state(google_app, google, signed_in):
    location = signed_in.get("/app/calendars/connect/google").headers["Location"]
    query = dict(parse_qsl(urlsplit(location).query))
    assert query["code_challenge_method"] == "S256" and query["code_challenge"]
    assert query["state"] and query["access_type"] == "offline"
    assert query["redirect_uri"] == "http://rendezvous.test/app/calendars/oauth/google/callback"


def test_a_callback_with_another_state_connects_nothing(google_app, google, signed_in):
    back = urlsplit(consent(signed_in))
    forged = re.sub(r"state=[^&]+", "state=forged", back.query)
    landed = signed_in.get(f"{back.path}?{forged}")
    assert landed.status_code == 302
    with google_app.app_context():
        assert get_session().scalars(select(CalendarConnection)).all() == []


def test_no_token_is_stored_in_clear(google_app, google, signed_in):
    connect(signed_in)
    with google_app.app_context():
        (secret,) = get_session().execute(text("SELECT secret FROM calendar_connections")).one()
    assert google.issued_access_tokens
    assert all(token not in secret for token in google.issued_access_tokens)
    assert "refresh_token" not in secret


# -- what blocks a time (C3), from the cache only ------------------------------------------------


def test_busy_free_declined_and_all_day_events_block_as_c3_says(
    google_app, google, signed_in, client, make_link
):
    link = make_link()
    google.put_event(ALICE, ALICE, timed("Busy", 9))
    google.put_event(ALICE, ALICE, timed("Free", 11, transparency="transparent"))
    declined = [{"email": ALICE, "responseStatus": "declined"}, {"email": "bob@example.com"}]
    google.put_event(ALICE, ALICE, timed("Declined", 13, attendees=declined))
    google.put_event(ALICE, ALICE, timed("Maybe", 15, status="tentative"))
    holiday = {"summary": "Holiday", "start": {"date": "2027-03-16"}, "end": {"date": "2027-03-17"}}
    google.put_event(ALICE, ALICE, holiday)
    connect(signed_in)

    times = offered(client, link, DAY)
    assert {"09:00", "09:30", "15:00", "15:30"} & times == set()
    assert {"10:00", "11:00", "11:30", "13:00", "13:30", "16:00"} <= times
    assert offered(client, link, "2027-03-16") == set()


def test_serving_slots_asks_google_nothing(google_app, google, signed_in, client, make_link):
    link = make_link()
    google.put_event(ALICE, ALICE, timed("Busy", 9))
    connect(signed_in)
    google.forget_requests()
    for _ in range(3):
        assert "09:00" not in offered(client, link, DAY)
    assert google.log == []


# -- keeping the cache fresh ----------------------------------------------------------------


def test_an_incremental_sync_sends_the_sync_token_and_catches_a_change(
    google_app, google, signed_in, client, make_link
):
    link = make_link()
    meeting = google.put_event(ALICE, ALICE, timed("Busy", 9))
    connect(signed_in)
    google.put_event(ALICE, ALICE, timed("Lunch", 12))
    google.delete_event(ALICE, ALICE, meeting["id"])
    google.forget_requests()
    sync(google_app, 10)
    (listing,) = google.requests_to("/events", "GET")
    assert listing.query.get("syncToken") and "timeMin" not in listing.query
    times = offered(client, link, DAY)
    assert {"09:00", "09:30"} <= times and {"12:00", "12:30"} & times == set()


def test_an_expired_sync_token_re_syncs_without_losing_or_doubling_busy_time(
    google_app, google, signed_in
):
    google.put_event(ALICE, ALICE, timed("Busy", 9))
    google.put_event(ALICE, ALICE, timed("Lunch", 12))
    connect(signed_in)
    google.expire_sync_tokens()
    google.forget_requests()
    sync(google_app, 10)
    answers = [r.query for r in google.requests_to("/events", "GET")]
    assert answers[0].get("syncToken") and "timeMin" in answers[-1]  # the 410, then in full
    with google_app.app_context():
        rows = get_session().scalars(select(CalendarBusy).order_by(CalendarBusy.start_at)).all()
        assert [r.summary for r in rows] == ["Busy", "Lunch"]
    assert connection(google_app).status == "connected"


# -- the commit-time check, write-back ----------------------------------------------------------


def test_an_event_added_after_the_last_sync_is_caught_at_commit_by_free_busy(
    google_app, google, signed_in, client, make_link
):
    link = make_link()
    connect(signed_in)
    google.put_event(ALICE, ALICE, timed("Call", 10))
    refused = book(client, link, f"{DAY}T10:30:00+01:00")
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "slot_unavailable"
    (asked,) = google.requests_to("/freeBusy", "POST")
    assert asked.json["items"] == [{"id": ALICE}]
    assert book(client, link, f"{DAY}T11:00:00+01:00").status_code == 201


def test_a_booking_is_written_with_its_uid_and_without_googles_own_invitations(
    google_app, google, signed_in, client, make_link, host
):
    link = make_link()
    connect(signed_in)
    booking_id, _, _ = booked(client, link)
    assert run(google_app) == 1
    (event,) = google.events(ALICE, ALICE)
    assert event["iCalUID"] == f"booking-{booking_id}@{DOMAIN}"
    assert [a["email"] for a in event["attendees"]] == ["ada@example.com"]
    assert event["extendedProperties"]["private"]["rendezvousBooking"] == str(booking_id)
    (insert,) = google.requests_to(f"/calendars/{ALICE}/events", "POST")
    assert insert.query["sendUpdates"] == "none"
    shown = calendar_event(client, host, booking_id)
    assert shown["status"] == "written" and shown["url"] == event["htmlLink"]


def test_a_reschedule_moves_the_event_and_a_cancel_deletes_it(
    google_app, google, signed_in, client, make_link
):
    link = make_link()
    connect(signed_in)
    booking_id, token, offered = booked(client, link)
    run(google_app)
    reschedule(client, token, offered[4])
    run(google_app)
    (moved,) = google.events(ALICE, ALICE)
    assert datetime.fromisoformat(moved["start"]["dateTime"]) == datetime.fromisoformat(offered[4])
    (patch,) = google.requests_to("/events/", "PATCH")
    assert patch.query["sendUpdates"] == "none"
    cancel(client, token)
    run(google_app)
    assert google.events(ALICE, ALICE) == []
    (delete,) = google.requests_to("/events/", "DELETE")
    assert delete.query["sendUpdates"] == "none"


def test_a_reschedule_onto_its_own_time_is_not_refused_by_its_own_event(
    google_app, google, signed_in, client, make_link
):
    """Free/busy can't say whose a busy span is: the moved booking's own one is left out."""
    link = make_link(durations=[60], slot_interval_minutes=30)
    connect(signed_in)
    booking_id, token, offered = booked(client, link)
    run(google_app)
    assert google.events(ALICE, ALICE)  # its event is in the calendar, and busy there
    start, end = (datetime.fromisoformat(t) for t in (offered[0], offered[2]))
    assert end - start == timedelta(hours=1)
    reschedule(client, token, offered[1])  # 30 minutes later: overlaps its own old time
    assert google.requests_to("/freeBusy", "POST")


# -- the grant: refresh, revocation -----------------------------------------------------------


def test_an_expired_access_token_is_refreshed_stored_and_used_by_the_next_worker_process(
    google_app, google, signed_in, db_url, tmp_path
):
    connect(signed_in)
    first = google.issued_access_tokens[-1]
    google.expire_access_tokens()
    sync(google_app, 10)
    assert google.refresh_count == 1
    renewed = google.issued_access_tokens[-1]
    assert renewed != first
    google.forget_requests()

    clock.set_now(NOW + timedelta(minutes=30))  # the calendar is due again
    env = server_env(db_url, tmp_path / "instance", "http://rendezvous.test")  # its secret key
    env.update(google.settings())
    done = subprocess.run(
        [str(BIN / "rendezvous"), "worker", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "1 calendar(s) synced" in done.stdout
    assert google.refresh_count == 1  # no second refresh: the stored token was the new one
    used = {r.headers.get("Authorization") for r in google.requests_to("/calendar/v3/")}
    assert used == {f"Bearer {renewed}"}


def test_a_revoked_grant_disconnects_takes_requests_and_tells_the_host(
    google_app, google, signed_in, client, make_link, host
):
    link = make_link()
    connect(signed_in)
    google.revoke_grants(ALICE)
    sync(google_app, 10)
    found = connection(google_app)
    assert found.status == "disconnected" and found.status_message
    assert client.get(f"/api/v1/public/links/{link['slug']}").json["mode"] == "request"
    assert [m.recipient for m in outbox(google_app, "calendar_disconnected")] == [host.email]


def test_reconnecting_through_the_same_flow_replaces_the_grant(
    google_app, google, signed_in, client, make_link
):
    link = make_link()
    connect(signed_in)
    google.revoke_grants(ALICE)
    sync(google_app, 10)
    body = connect(signed_in)
    assert f"Connected {ALICE}" in body
    found = connection(google_app)
    assert (found.status, found.status_message) == ("connected", "")
    assert client.get(f"/api/v1/public/links/{link['slug']}").json["mode"] == "book"


# -- B7: scheduling from a contact's record --------------------------------------------------------


def schedule_from_record(signed_in, client, host, link) -> int:
    """The rep books the contact's first offered time from the Schedule tab: its id."""
    first = book(client, link, offered_iso(client, link)[0], email="grace@example.com")
    assert first.status_code == 201, first.json
    [contact] = client.get("/api/v1/contacts", headers=host.headers).json["items"]
    url = f"/app/contacts/{contact['id']}/schedule"
    starts = re.findall(r'name="start" value="([^"]+)"', signed_in.get(url).get_data(as_text=True))
    form = {"link": link["id"], "duration": "30", "timezone": "Europe/Paris", "start": starts[-1]}
    assert signed_in.post(url, form).status_code == 302
    bookings = client.get("/api/v1/bookings", headers=host.headers).json["items"]
    (scheduled,) = [b for b in bookings if b["id"] != first.json["id"]]
    assert datetime.fromisoformat(scheduled["start"]) == datetime.fromisoformat(starts[-1])
    return scheduled["id"]


def offered_iso(client, link) -> list[str]:
    response = client.get(
        f"/api/v1/public/links/{link['slug']}/slots",
        query_string={"start": DAY, "end": DAY, "timezone": "Europe/Paris"},
    )
    return response.json["slots"]


def test_a_meeting_scheduled_from_a_contacts_record_goes_into_the_hosts_calendar(
    google_app, google, signed_in, client, host, make_link
):
    link = make_link()
    connect(signed_in)
    booking_id = schedule_from_record(signed_in, client, host, link)
    run(google_app)
    uids = {event["iCalUID"] for event in google.events(ALICE, ALICE)}
    assert f"booking-{booking_id}@{DOMAIN}" in uids


def test_without_a_calendar_a_scheduled_meeting_is_only_logged(
    app, signed_in, client, host, make_link
):
    link = make_link()
    booking_id = schedule_from_record(signed_in, client, host, link)
    assert calendar_event(client, host, booking_id) is None  # nothing to write it to
    [contact] = client.get("/api/v1/contacts", headers=host.headers).json["items"]
    timeline = client.get(f"/api/v1/contacts/{contact['id']}", headers=host.headers).json
    assert booking_id in [item["booking_id"] for item in timeline["timeline"]]


# -- outages -------------------------------------------------------------------------------------


def test_a_rate_limited_sync_is_an_error_that_keeps_the_cache_and_recovers(
    google_app, google, signed_in, client, make_link
):
    link = make_link()
    google.put_event(ALICE, ALICE, timed("Busy", 9))
    connect(signed_in)
    google.fail_next(429, path_contains="/events", retry_after=30)
    sync(google_app, 10)
    found = connection(google_app)
    assert found.status == "error" and found.status_message
    assert "09:00" not in offered(client, link, DAY)  # the cached busy time still counts
    sync(google_app, 20)
    assert connection(google_app).status == "connected"


def test_a_failing_google_at_commit_is_forgiven_while_the_cache_is_fresh(
    google_app, google, signed_in, client, make_link
):
    link = make_link()
    connect(signed_in)
    google.fail_next(503, path_contains="/freeBusy")
    assert book(client, link, f"{DAY}T11:00:00+01:00").status_code == 201
