"""Bookings, cancels and reschedules reach a real SMTP server through the outbox (B4–B6, N1).

Every test books through the public API, drains the outbox with the worker over SMTP to
aiosmtpd, and reads what arrived, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from icalendar import Calendar

from server.bookings import services as bookings
from server.bookings.models import Booking
from server.clock import utcnow
from server.db import get_session
from server.links.models import BookingLink
from server.meeting_requests import notices as outbox_service
from server.notifications.facts import Person
from server.notifications.worker import MAX_ATTEMPTS, Worker
from tests.notifications.conftest import book, iso, offered, outbox
from tests.smtp import SmtpServer

pytestmark = pytest.mark.db

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


def parse_ics(ics: str):  # noqa: ANN201 - (calendar, event)
    calendar = Calendar.from_ical(ics)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def clock_12h(moment: datetime) -> str:
    return f"{moment.hour % 12 or 12}:{moment.minute:02d}\u202f{'AM' if moment.hour < 12 else 'PM'}"


# -- booking (B4) --------------------------------------------------------------------------


def test_a_booking_sends_the_invitation_with_ics_and_notifies_the_host(
    client, make_link, host, smtp: SmtpServer, worker: Worker
) -> None:
    link = make_link(subject="Intro for {{ contact.first_name }}", location="Room 4")
    start = offered(client, link)[0]
    created = book(client, link, start)

    report = worker.drain()

    assert report.sent == 2
    (invitation,) = smtp.to("ada@example.com")
    assert invitation.message["Subject"] == "Confirmed: Intro for Ada"
    assert invitation.sender == "no-reply@rendezvous.test"
    assert parsedate_to_datetime(invitation.message["Date"]).tzinfo is not None
    calendar, event = parse_ics(invitation.ics)
    assert calendar["METHOD"] == "REQUEST"
    assert event["UID"] == f"booking-{created['id']}@rendezvous.test"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == iso(start)
    assert event["DTSTART"].to_ical().endswith(b"Z")
    assert str(event["ORGANIZER"]) == f"mailto:{host.email}"
    assert str(event["ATTENDEE"]) == "mailto:ada@example.com"
    assert event["LOCATION"] == "Room 4"
    assert f"/meetings/manage/{created['manage_token']}?action=cancel" in invitation.text

    (note,) = smtp.to(host.email)
    contact_id = client.get(f"/api/v1/bookings/{created['id']}", headers=host.headers).json[
        "contact_id"
    ]
    assert note.message["Subject"] == f"New meeting: {link['title']} with Ada Lovelace"
    assert f"http://rendezvous.test/app/contacts/{contact_id}" in note.text
    assert f"http://rendezvous.test/app/bookings/{created['id']}" in note.text
    assert created["manage_token"] not in note.text


def test_the_outbox_rows_are_written_with_the_booking(client, make_link, app: Flask) -> None:
    link = make_link()
    created = book(client, link, offered(client, link)[0])
    rows = outbox(app, booking_id=created["id"])
    assert sorted(r.kind for r in rows) == [
        "host_notification",
        "invitation",
        "reminder",
        "reminder",
    ]
    assert all(r.status == "pending" and r.attempts == 0 for r in rows)


def test_a_refused_booking_writes_no_message(client, make_link, app: Flask) -> None:
    link = make_link()
    start = offered(client, link)[0]
    book(client, link, start)
    body = {
        "start": start,
        "duration": 30,
        "timezone": "Europe/Paris",
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": "grace@example.com",
    }
    taken = client.post(f"/api/v1/public/links/{link['slug']}/bookings", json=body)
    assert taken.status_code == 409
    assert len(outbox(app)) == 4
    assert all(row.recipient != "grace@example.com" for row in outbox(app))


def test_a_french_link_sends_french_text_in_each_recipients_zone(
    client, make_link, host, smtp: SmtpServer, worker: Worker
) -> None:
    link = make_link(language="fr", locale="fr-FR")
    start = iso(offered(client, link)[2])
    book(client, link, start.isoformat(), timezone="America/New_York")
    worker.drain()

    (invitation,) = smtp.to("ada@example.com")
    assert invitation.message["Subject"].startswith("Confirmé : ")
    assert "Votre réunion est confirmée" in invitation.text
    ny = start.astimezone(NEW_YORK)
    assert f"{ny:%H:%M} – {ny + timedelta(minutes=30):%H:%M} (heure" in invitation.text
    summer = bool(ny.dst())  # the meeting's own date says which name the zone has
    assert f"heure {'d’été' if summer else 'normale'} de l’Est nord-américain" in invitation.text

    (note,) = smtp.to(host.email)
    paris = start.astimezone(PARIS)
    assert f"{paris:%H:%M} – {paris + timedelta(minutes=30):%H:%M}" in note.text
    assert "Nouvelle réunion réservée" in note.text


def test_an_english_visitor_in_new_york_reads_new_york_time(
    client, make_link, smtp: SmtpServer, worker: Worker
) -> None:
    link = make_link()
    start = iso(offered(client, link)[0])
    book(client, link, start.isoformat(), timezone="America/New_York")
    worker.drain()
    (invitation,) = smtp.to("ada@example.com")
    assert f"{clock_12h(start.astimezone(NEW_YORK))} – " in invitation.text
    assert "Eastern Standard Time" in invitation.text or "Eastern Daylight Time" in invitation.text


def test_tokens_fill_subject_and_description_from_the_form(
    client, make_link, smtp: SmtpServer, worker: Worker
) -> None:
    form = [
        {"key": "first_name", "label": "First name", "type": "text", "required": True},
        {"key": "last_name", "label": "Last name", "type": "text", "required": True},
        {"key": "email", "label": "Email", "type": "email", "required": True},
        {"key": "company", "label": "Company", "type": "text", "property": "company"},
    ]
    link = make_link(
        form=form,
        subject="{{ company.name }} × Rendezvous",
        description="Hello {{ contact.first_name }} from {{ company.name }}",
    )
    book(
        client,
        link,
        offered(client, link)[0],
        first_name="{{ 7*7 }}",
        answers={"company": "<Analytical Engines>"},
    )
    worker.drain()
    (invitation,) = smtp.to("ada@example.com")
    assert invitation.message["Subject"] == "Confirmed: <Analytical Engines> × Rendezvous"
    assert "Hello {{ 7*7 }} from <Analytical Engines>" in invitation.text
    assert "Hello {{ 7*7 }} from &lt;Analytical Engines&gt;" in invitation.html
    _, event = parse_ics(invitation.ics)
    assert "Hello {{ 7*7 }} from <Analytical Engines>" in event["DESCRIPTION"]


# -- reschedule and cancel (B5) ------------------------------------------------------------


def test_reschedule_sends_sequence_plus_one_to_both(
    client, make_link, host, smtp: SmtpServer, worker: Worker
) -> None:
    link = make_link()
    starts = offered(client, link)
    created = book(client, link, starts[0])
    worker.drain()
    smtp.clear()

    moved = client.post(
        f"/api/v1/public/bookings/{created['manage_token']}/reschedule", json={"start": starts[4]}
    )
    assert moved.status_code == 200, moved.json
    worker.drain()

    assert {m.to for m in smtp.messages} == {"ada@example.com", host.email}
    for received in smtp.messages:
        calendar, event = parse_ics(received.ics)
        assert calendar["METHOD"] == "REQUEST"
        assert event["UID"] == f"booking-{created['id']}@rendezvous.test"
        assert event["SEQUENCE"] == 1
        assert event.decoded("DTSTART") == iso(starts[4])
        assert received.message["Subject"].startswith("Updated: ")
    (visitor,) = smtp.to("ada@example.com")
    assert f"{clock_12h(iso(starts[0]).astimezone(PARIS))}" in visitor.text  # where it was
    assert f"/meetings/manage/{created['manage_token']}?action=reschedule" in visitor.text


def test_cancel_sends_method_cancel_to_both(
    client, make_link, host, smtp: SmtpServer, worker: Worker
) -> None:
    link = make_link()
    created = book(client, link, offered(client, link)[0])
    worker.drain()
    smtp.clear()

    assert (
        client.post(f"/api/v1/public/bookings/{created['manage_token']}/cancel").status_code == 200
    )
    worker.drain()

    assert sorted(m.to for m in smtp.messages) == sorted(["ada@example.com", host.email])
    for received in smtp.messages:
        calendar, event = parse_ics(received.ics)
        assert calendar["METHOD"] == "CANCEL"
        assert event["UID"] == f"booking-{created['id']}@rendezvous.test"
        assert event["SEQUENCE"] == 1
        assert received.message["Subject"].startswith("Cancelled: ")


# -- reminders (B6, L5) --------------------------------------------------------------------


def test_reminders_are_scheduled_at_the_links_offsets(client, make_link, app: Flask) -> None:
    link = make_link(reminders={"enabled": True, "offsets_minutes": [60, 1440, 4320]})
    start = iso(offered(client, link)[0])
    created = book(client, link, start.isoformat())
    reminders = outbox(app, booking_id=created["id"], kind="reminder")
    assert sorted(r.send_at for r in reminders) == [
        start - timedelta(days=3),
        start - timedelta(days=1),
        start - timedelta(hours=1),
    ]
    assert {r.recipient for r in reminders} == {"ada@example.com"}
    assert all(r.expires_at == start for r in reminders)


def test_reminders_off_means_none(client, make_link, app: Flask) -> None:
    link = make_link(reminders={"enabled": False})
    created = book(client, link, offered(client, link)[0])
    assert outbox(app, booking_id=created["id"], kind="reminder") == []


def test_a_reminder_whose_time_has_passed_is_never_scheduled(
    make_link, mail_app: Flask, client
) -> None:
    link = make_link(reminders={"enabled": True, "offsets_minutes": [4320, 60]})
    start = iso(offered(client, link)[0])
    with mail_app.test_request_context():
        session = get_session()
        row = session.get(BookingLink, link["id"])
        booking, _ = bookings.book(
            session,
            row,
            bookings.BookingRequest(
                start=start,
                duration=30,
                timezone="Europe/Paris",
                first_name="Ada",
                last_name="Lovelace",
                email="ada@example.com",
            ),
            clock=lambda: start - timedelta(hours=2),  # booked two hours ahead
        )
        booking_id = booking.id
    reminders = outbox(mail_app, booking_id=booking_id, kind="reminder")
    assert [r.send_at for r in reminders] == [start - timedelta(hours=1)]


def test_a_due_reminder_is_sent_with_the_manage_links_in_the_hosts_name(
    client, make_link, host, smtp: SmtpServer, worker: Worker, app: Flask
) -> None:
    link = make_link(
        description="Bring {{ company.name }} numbers",
        reminders={"enabled": True, "offsets_minutes": [60], "include_description": True},
    )
    start = iso(offered(client, link)[0])
    created = book(client, link, start.isoformat())
    worker.drain()
    smtp.clear()

    assert worker.drain(now=start - timedelta(hours=2)).sent == 0  # not yet
    assert worker.drain(now=start - timedelta(minutes=59)).sent == 1
    (reminder,) = smtp.messages
    assert reminder.to == "ada@example.com"
    assert reminder.message["Subject"].startswith("Reminder: ")
    assert reminder.message["From"].addresses[0].display_name == "Alice Martin via Rendezvous"
    assert "Bring  numbers" in reminder.text
    assert f"/meetings/manage/{created['manage_token']}?action=reschedule" in reminder.text
    assert worker.drain(now=start - timedelta(minutes=30)).sent == 0  # never twice


def test_reschedule_moves_the_reminders(client, make_link, app: Flask) -> None:
    link = make_link(reminders={"enabled": True, "offsets_minutes": [60]})
    starts = offered(client, link)
    created = book(client, link, starts[0])
    client.post(
        f"/api/v1/public/bookings/{created['manage_token']}/reschedule", json={"start": starts[5]}
    )
    reminders = outbox(app, booking_id=created["id"], kind="reminder")
    assert [(r.status, r.send_at) for r in reminders] == [
        ("dropped", iso(starts[0]) - timedelta(hours=1)),
        ("pending", iso(starts[5]) - timedelta(hours=1)),
    ]
    assert created["manage_token"] in reminders[1].mime.replace("=\n", "")


def test_cancel_drops_the_reminders(client, make_link, app: Flask) -> None:
    link = make_link()
    created = book(client, link, offered(client, link)[0])
    client.post(f"/api/v1/public/bookings/{created['manage_token']}/cancel")
    reminders = outbox(app, booking_id=created["id"], kind="reminder")
    assert len(reminders) == 2 and {r.status for r in reminders} == {"dropped"}


def test_a_reminder_still_queued_when_the_meeting_begins_is_dropped(
    client, make_link, app: Flask, smtp: SmtpServer, worker: Worker
) -> None:
    link = make_link(reminders={"enabled": True, "offsets_minutes": [60]})
    start = iso(offered(client, link)[0])
    created = book(client, link, start.isoformat())
    worker.drain()
    report = worker.drain(now=start + timedelta(minutes=5))  # the worker was down till now
    assert (report.sent, report.dropped) == (0, 1)
    (reminder,) = outbox(app, booking_id=created["id"], kind="reminder")
    assert reminder.status == "dropped"
    assert all(m.message["Subject"].startswith("Reminder") is False for m in smtp.messages)


# -- teams ---------------------------------------------------------------------------------


def test_round_robin_notifies_and_reminds_for_the_assigned_host_only(
    client, make_link, make_host, host, smtp: SmtpServer, worker: Worker, app: Flask
) -> None:
    bob = make_host(name="Bob Stone", same_account_as=host)
    link = make_link(type="round_robin", host_ids=[host.id, bob.id])
    start = iso(offered(client, link)[0])
    created = book(client, link, start.isoformat())
    worker.drain(now=start - timedelta(minutes=30))  # invitation, notification and reminder

    assigned = client.get(f"/api/v1/bookings/{created['id']}", headers=host.headers).json
    assigned_email = host.email if assigned["host_id"] == host.id else bob.email
    other_email = bob.email if assigned_email == host.email else host.email
    assigned_name = "Alice Martin" if assigned_email == host.email else "Bob Stone"
    assert len(smtp.to(assigned_email)) == 1
    assert smtp.to(other_email) == []
    (note,) = smtp.to(assigned_email)
    assert "assigned this meeting by round robin" in note.text
    reminder = next(m for m in smtp.to("ada@example.com") if "Reminder" in m.message["Subject"])
    assert reminder.message["From"].addresses[0].display_name == f"{assigned_name} via Rendezvous"


def test_a_group_meeting_notifies_every_host(
    client, make_link, make_host, host, smtp: SmtpServer, worker: Worker
) -> None:
    bob = make_host(name="Bob Stone", same_account_as=host)
    link = make_link(type="group", host_ids=[host.id, bob.id])
    book(client, link, offered(client, link)[0])
    worker.drain()
    assert len(smtp.to(host.email)) == 1 and len(smtp.to(bob.email)) == 1
    _, event = parse_ics(smtp.to("ada@example.com")[0].ics)
    assert {str(a) for a in event["ATTENDEE"]} == {f"mailto:{bob.email}", "mailto:ada@example.com"}


def test_messages_stay_within_the_bookings_account(
    client, make_link, make_host, host, app: Flask, smtp: SmtpServer, worker: Worker
) -> None:
    stranger = make_host(name="Carol Other")
    mine = make_link()
    theirs = make_link(owner=stranger)
    book(client, mine, offered(client, mine)[0])
    book(client, theirs, offered(client, theirs)[0], email="zoe@example.com")
    worker.drain()
    theirs_to = {stranger.email, "zoe@example.com"}
    for row in outbox(app):
        expected = stranger.account_id if row.recipient in theirs_to else host.account_id
        assert row.account_id == expected
    assert all("zoe@example.com" not in m.text for m in smtp.to(host.email))
    assert all("ada@example.com" not in m.text for m in smtp.to(stranger.email))


# -- the request-a-meeting notice (C6) -----------------------------------------------------


def test_a_meeting_request_notifies_the_host(
    make_link, host, mail_app: Flask, smtp: SmtpServer, worker: Worker
) -> None:
    link = make_link()
    with mail_app.test_request_context():
        session = get_session()
        row = session.get(BookingLink, link["id"])
        outbox_service.meeting_requested(
            session,
            row,
            visitor=Person("Ada Lovelace", "ada@example.com", "Europe/London"),
            message="Mornings, please.",
            preferred_times=[utcnow() + timedelta(days=2)],
            disconnected_host_ids={host.id},
            now=utcnow(),
        )
        session.commit()
    worker.drain()
    (notice,) = smtp.to(host.email)
    assert notice.message["Subject"] == "Meeting request from Ada Lovelace"
    assert "Mornings, please." in notice.text
    assert "http://rendezvous.test/app/calendars" in notice.text
    assert notice.message["Reply-To"].addresses[0].addr_spec == "ada@example.com"


# -- delivery outcomes ---------------------------------------------------------------------


def test_without_smtp_messages_are_written_as_eml_files(client, make_link, app: Flask) -> None:
    link = make_link()
    created = book(client, link, offered(client, link)[0])
    report = Worker.from_app(app).drain()
    assert report.sent == 2
    files = sorted(Path(app.config["RENDEZVOUS_MAIL_DIR"]).glob("*.eml"))
    assert [f.name.split("-", 1)[1] for f in files] == ["invitation.eml", "host_notification.eml"]
    import email
    import email.policy

    parsed = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert parsed["To"].addresses[0].addr_spec == "ada@example.com"
    calendar = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar")
    assert f"booking-{created['id']}@rendezvous.test" in calendar.get_content()


def test_an_address_ascii_cannot_spell_goes_out_with_smtputf8(
    client, make_link, smtp: SmtpServer, worker: Worker
) -> None:
    link = make_link()
    book(client, link, offered(client, link)[0], email="josé@exämple.com", first_name="José")
    assert worker.drain().sent == 2
    (invitation,) = smtp.to("josé@xn--exmple-cua.com")
    assert invitation.message["To"].addresses[0].username == "josé"
    assert "Hello José," in invitation.text
    assert parse_ics(invitation.ics)[0]["METHOD"] == "REQUEST"


def test_a_permanently_refused_address_fails_at_once(
    client, make_link, app: Flask, smtp: SmtpServer, worker: Worker
) -> None:
    smtp.refusals["nobody@example.com"] = "550 5.1.1 No such user"
    link = make_link()
    book(client, link, offered(client, link)[0], email="nobody@example.com")
    report = worker.drain()
    assert (report.sent, report.failed) == (1, 1)
    (failed,) = outbox(app, status="failed")
    assert failed.recipient == "nobody@example.com"
    assert failed.last_error.startswith("550")


def test_a_temporary_refusal_is_retried_with_backoff_then_fails(
    client, make_link, app: Flask, smtp: SmtpServer, worker: Worker
) -> None:
    smtp.refusals["busy@example.com"] = "451 4.2.1 Mailbox busy, try later"
    link = make_link()
    book(client, link, offered(client, link)[0], email="busy@example.com")
    now = utcnow()
    worker.drain(now=now)
    (waiting,) = outbox(app, recipient="busy@example.com", kind="invitation")
    assert (waiting.status, waiting.attempts) == ("pending", 1)
    assert timedelta(seconds=25) < waiting.next_attempt_at - utcnow() < timedelta(seconds=35)

    later = now
    for _ in range(MAX_ATTEMPTS - 1):
        later += timedelta(hours=2)
        worker.drain(now=later)
    (gave_up,) = outbox(app, recipient="busy@example.com", kind="invitation")
    assert (gave_up.status, gave_up.attempts) == ("failed", MAX_ATTEMPTS)
    assert smtp.to("busy@example.com") == []


def test_a_temporary_refusal_then_success_delivers_once(
    client, make_link, app: Flask, smtp: SmtpServer, worker: Worker
) -> None:
    smtp.refusals["busy@example.com"] = "452 4.2.2 Over quota"
    link = make_link()
    book(client, link, offered(client, link)[0], email="busy@example.com")
    worker.drain()
    del smtp.refusals["busy@example.com"]
    worker.drain(now=utcnow() + timedelta(minutes=1))
    worker.drain(now=utcnow() + timedelta(minutes=30))
    assert len(smtp.to("busy@example.com")) == 1
    (sent,) = outbox(app, recipient="busy@example.com", kind="invitation")
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 2, None)


def test_the_invitation_row_for_a_booking_exists_exactly_once(
    client, make_link, app: Flask
) -> None:
    link = make_link()
    created = book(client, link, offered(client, link)[0])
    with app.app_context():
        booking = get_session().get(Booking, created["id"])
        assert booking is not None and booking.sequence == 0
    assert len(outbox(app, booking_id=created["id"], kind="invitation")) == 1
