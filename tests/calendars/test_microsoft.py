"""A host's Microsoft 365 calendar, end to end through the Graph stand-in
(tests/standins/microsoft.py): connected from /app/calendars through the consent page, its
events cached by C3 as Graph says them, kept fresh with the delta link (a 410 re-syncs), the
commit-time check by calendarView, write-back with a transactionId (the visitor gets exactly
one invitation: Graph's), rotating refresh tokens never raced, and C6 (SPEC §5, §10).

Production code reaches the stand-in only through the RENDEZVOUS_MICROSOFT_* settings.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text

from server.calendars.models import CalendarBusy, CalendarConnection
from server.calendars.oauth import TokenKeeper, oauth_app
from server.clock import utcnow
from server.db import get_session
from tests.api.test_public_bookings import book
from tests.calendars.conftest import MICROSOFT_ACCOUNT
from tests.calendars.oauth_flow import connect, connection, consent, offered, sync
from tests.calendars.test_request_mode import outbox, text_of
from tests.calendars.test_writeback import DOMAIN, booked, calendar_event, cancel, reschedule, run

pytestmark = pytest.mark.db

ALICE = MICROSOFT_ACCOUNT
#: Monday 15 March 2027, Paris time (UTC+1)
DAY = "2027-03-15"


def timed(subject: str, hour: int, minutes: int = 60, **fields) -> dict:
    """An event on DAY at ``hour`` Paris time, as Outlook would store it."""
    start = datetime.fromisoformat(f"{DAY}T{hour:02d}:00:00")
    end = start + timedelta(minutes=minutes)
    return {
        "subject": subject,
        "start": {"dateTime": start.isoformat(), "timeZone": "Europe/Paris"},
        "end": {"dateTime": end.isoformat(), "timeZone": "Europe/Paris"},
        **fields,
    }


def hosted(signed_in) -> str:
    return connect(signed_in, "microsoft")


# -- connecting -------------------------------------------------------------------------------


def test_connecting_finds_the_default_calendar_and_leaves_a_shared_one_off(
    ms_app, microsoft, signed_in
):
    microsoft.add_calendar(ALICE, "Team", can_edit=False, owner="boss@example.com")
    body = hosted(signed_in)
    assert f"Connected {ALICE}" in body
    found = connection(ms_app)
    assert (found.provider, found.status, found.username) == ("microsoft", "connected", ALICE)
    calendars = {c.name: c for c in found.calendars}
    mine, team = calendars["Calendar"], calendars["Team"]
    assert (mine.is_default, mine.writable, mine.check_conflicts) == (True, True, True)
    assert (team.is_default, team.writable, team.check_conflicts) == (False, False, False)


def test_a_refusal_on_the_consent_page_connects_nothing(ms_app, microsoft, signed_in):
    location = consent(signed_in, "microsoft", button="Cancel")
    assert "error=access_denied" in location
    path, _, query = location.partition("?")
    landed = signed_in.get(f"/app/calendars/oauth/microsoft/callback?{query}")
    assert landed.status_code == 302
    page = signed_in.get("/app/calendars").get_data(as_text=True)
    assert "access was not granted" in page
    with ms_app.app_context():
        assert get_session().scalars(select(CalendarConnection)).all() == []


def test_no_token_is_stored_in_clear(ms_app, microsoft, signed_in):
    hosted(signed_in)
    with ms_app.app_context():
        (secret,) = get_session().execute(text("SELECT secret FROM calendar_connections")).one()
    assert microsoft.issued_access_tokens
    assert all(token not in secret for token in microsoft.issued_access_tokens)


# -- what blocks a time (C3), from the cache only ------------------------------------------------


def test_busy_free_declined_tentative_and_all_day_events_block_as_c3_says(
    ms_app, microsoft, signed_in, client, make_link
):
    link = make_link()
    calendar = microsoft.calendar_id
    microsoft.put_event(ALICE, calendar, timed("Busy", 9))
    microsoft.put_event(ALICE, calendar, timed("Free", 10, showAs="free"))
    microsoft.put_event(ALICE, calendar, timed("Elsewhere", 11, showAs="workingElsewhere"))
    declined = {"response": "declined", "time": "2027-03-01T00:00:00Z"}
    microsoft.put_event(ALICE, calendar, timed("Declined", 13, responseStatus=declined))
    microsoft.put_event(ALICE, calendar, timed("Maybe", 15, showAs="tentative"))
    microsoft.put_event(ALICE, calendar, timed("Off", 16, isCancelled=True))
    holiday = {
        "subject": "Holiday",
        "isAllDay": True,
        "start": {"dateTime": "2027-03-16T00:00:00", "timeZone": "Europe/Paris"},
        "end": {"dateTime": "2027-03-17T00:00:00", "timeZone": "Europe/Paris"},
    }
    microsoft.put_event(ALICE, calendar, holiday)
    hosted(signed_in)

    times = offered(client, link, DAY)
    assert {"09:00", "09:30", "15:00", "15:30"} & times == set()
    assert {"10:00", "11:00", "13:00", "13:30", "16:00", "16:30"} <= times
    assert offered(client, link, "2027-03-16") == set()  # the whole Paris day
    assert offered(client, link, "2027-03-17") != set()


def test_serving_slots_asks_graph_nothing(ms_app, microsoft, signed_in, client, make_link):
    link = make_link()
    microsoft.put_event(ALICE, microsoft.calendar_id, timed("Busy", 9))
    hosted(signed_in)
    microsoft.forget_requests()
    for _ in range(3):
        assert "09:00" not in offered(client, link, DAY)
    assert microsoft.log == []


# -- keeping the cache fresh ----------------------------------------------------------------


def test_an_incremental_sync_follows_the_delta_link_and_catches_a_change(
    ms_app, microsoft, signed_in, client, make_link
):
    link = make_link()
    meeting = microsoft.put_event(ALICE, microsoft.calendar_id, timed("Busy", 9))
    hosted(signed_in)
    microsoft.put_event(ALICE, microsoft.calendar_id, timed("Lunch", 12))
    microsoft.delete_event(ALICE, meeting["id"])
    microsoft.forget_requests()
    sync(ms_app, 10)
    first = microsoft.requests_to("/calendarView/delta", "GET")[0]
    assert "$deltatoken" in first.query and "startDateTime" not in first.query
    times = offered(client, link, DAY)
    assert {"09:00", "09:30"} <= times and {"12:00", "12:30"} & times == set()


def test_an_expired_delta_token_re_syncs_without_losing_or_doubling_busy_time(
    ms_app, microsoft, signed_in
):
    microsoft.put_event(ALICE, microsoft.calendar_id, timed("Busy", 9))
    microsoft.put_event(ALICE, microsoft.calendar_id, timed("Lunch", 12))
    hosted(signed_in)
    microsoft.expire_delta_tokens()
    microsoft.forget_requests()
    sync(ms_app, 10)
    asked = [r.query for r in microsoft.requests_to("/calendarView/delta", "GET")]
    assert "$deltatoken" in asked[0] and "startDateTime" in asked[-1]  # the 410, then in full
    with ms_app.app_context():
        rows = get_session().scalars(select(CalendarBusy).order_by(CalendarBusy.start_at)).all()
        assert [r.summary for r in rows] == ["Busy", "Lunch"]
    assert connection(ms_app).status == "connected"


# -- the commit-time check, write-back, one invitation ------------------------------------------


def test_an_event_added_after_the_last_sync_is_caught_at_commit_by_calendar_view(
    ms_app, microsoft, signed_in, client, make_link
):
    link = make_link()
    hosted(signed_in)
    microsoft.put_event(ALICE, microsoft.calendar_id, timed("Call", 10))
    refused = book(client, link, f"{DAY}T10:30:00+01:00")
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "slot_unavailable"
    assert microsoft.requests_to("/calendarView", "GET")
    assert book(client, link, f"{DAY}T11:00:00+01:00").status_code == 201


def test_a_booking_is_written_once_and_graphs_invitation_is_the_only_one(
    ms_app, microsoft, signed_in, client, make_link, host
):
    link = make_link()
    hosted(signed_in)
    booking_id, _, _ = booked(client, link)
    uid = f"booking-{booking_id}@{DOMAIN}"
    assert run(ms_app) == 1
    (event,) = microsoft.events(ALICE, microsoft.calendar_id)
    assert event["transactionId"] == uid
    assert [a["emailAddress"]["address"] for a in event["attendees"]] == ["ada@example.com"]
    assert microsoft.sent_invitations == [(event["id"], "ada@example.com")]
    (invitation,) = outbox(ms_app, "invitation")
    assert "METHOD:REQUEST" not in invitation.mime and "text/calendar" not in invitation.mime
    assert "comes in its own email" in text_of(invitation)
    shown = calendar_event(client, host, booking_id)
    assert shown["status"] == "written" and shown["url"] == event["webLink"]


def test_a_lost_answer_and_a_retry_make_no_second_event(
    ms_app, microsoft, signed_in, client, make_link
):
    link = make_link()
    hosted(signed_in)
    booking_id, _, _ = booked(client, link)
    microsoft.fail_next(503, path_contains="/events")  # Graph made nothing; retried later
    run(ms_app)
    run(ms_app, utcnow() + timedelta(hours=1))
    assert len(microsoft.events(ALICE, microsoft.calendar_id)) == 1


def test_a_reschedule_moves_the_event_and_a_cancel_deletes_it(
    ms_app, microsoft, signed_in, client, make_link
):
    link = make_link()
    hosted(signed_in)
    booking_id, token, offered_times = booked(client, link)
    run(ms_app)
    reschedule(client, token, offered_times[4])
    run(ms_app)
    (moved,) = microsoft.events(ALICE, microsoft.calendar_id)
    start = datetime.fromisoformat(moved["start"]["dateTime"][:19] + "+00:00")
    assert start == datetime.fromisoformat(offered_times[4])
    assert len(microsoft.requests_to("/me/events/", "PATCH")) == 1
    cancel(client, token)
    run(ms_app)
    assert microsoft.events(ALICE, microsoft.calendar_id) == []


# -- the grant: rotation, revocation ------------------------------------------------------------


def test_an_expired_token_is_refreshed_once_and_the_rotated_grant_is_kept(
    ms_app, microsoft, signed_in
):
    hosted(signed_in)
    microsoft.expire_access_tokens()
    sync(ms_app, 10)
    sync(ms_app, 20)  # with the stored, rotated refresh token: no invalid_grant
    assert microsoft.refresh_count == 1
    assert connection(ms_app).status == "connected"


def test_two_processes_refreshing_at_once_spend_the_rotating_token_only_once(
    ms_app, microsoft, signed_in
):
    """Both find the token expired; one refreshes, the other waits and takes the new one."""
    hosted(signed_in)
    microsoft.expire_access_tokens()
    app = oauth_app(ms_app.config, "microsoft")
    got: list[str] = []
    failures: list[BaseException] = []

    def worker() -> None:
        with ms_app.app_context():
            session = get_session()
            found = session.scalars(select(CalendarConnection)).one()
            keeper = TokenKeeper(session, found, app, utcnow)
            try:
                got.append(keeper.rejected(keeper.token["access_token"]))
            except BaseException as exc:  # noqa: BLE001 - reported below
                failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert microsoft.refresh_count == 1
    assert len(set(got)) == 1 and got[0] == microsoft.issued_access_tokens[-1]


def test_a_revoked_grant_disconnects_takes_requests_and_tells_the_host(
    ms_app, microsoft, signed_in, client, make_link, host
):
    link = make_link()
    hosted(signed_in)
    microsoft.revoke_grants(ALICE)
    sync(ms_app, 10)
    found = connection(ms_app)
    assert found.status == "disconnected" and found.status_message
    assert client.get(f"/api/v1/public/links/{link['slug']}").json["mode"] == "request"
    assert [m.recipient for m in outbox(ms_app, "calendar_disconnected")] == [host.email]


# -- outages -------------------------------------------------------------------------------------


def test_a_throttled_write_back_is_retried_after_the_time_graph_asked(
    ms_app, microsoft, signed_in, client, make_link
):
    link = make_link()
    hosted(signed_in)
    booking_id, _, _ = booked(client, link)
    microsoft.fail_next(429, path_contains="/events", retry_after=120)
    at = utcnow()
    run(ms_app, at)
    assert microsoft.events(ALICE, microsoft.calendar_id) == []
    assert run(ms_app, at + timedelta(seconds=90)) == 0  # our own backoff says 1 min: not yet
    assert run(ms_app, at + timedelta(seconds=121)) == 1
    assert len(microsoft.events(ALICE, microsoft.calendar_id)) == 1
