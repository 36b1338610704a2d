"""One calendar event per meeting (issue 8.6): the widget's file is the emails' event.

``GET /api/v1/public/bookings/<manage_token>.ics`` (SPEC §10) is built by the same code as the
emailed ``.ics``: the same UID, the same SEQUENCE after a reschedule, METHOD:CANCEL once the
meeting is off. Each test compares the file with what the worker actually sent over SMTP.
"""

from __future__ import annotations

import pytest
from icalendar import Calendar

from server.notifications.worker import Worker
from tests.notifications.conftest import book, iso, offered
from tests.smtp import SmtpServer

pytestmark = pytest.mark.db


def parse(ics: str):  # noqa: ANN201 - (calendar, event)
    calendar = Calendar.from_ical(ics)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def calendar_file(client, token: str):  # noqa: ANN001, ANN201
    response = client.get(f"/api/v1/public/bookings/{token}.ics")
    assert response.status_code == 200, response.get_data(as_text=True)
    return parse(response.get_data(as_text=True))


def test_the_widgets_file_is_the_invitations_event_with_organizer_attendee_and_location(
    client, make_link, host, smtp: SmtpServer, worker: Worker
) -> None:
    link = make_link(location="Room 4")
    created = book(client, link, offered(client, link)[0])
    worker.drain()
    (invitation,) = smtp.to("ada@example.com")
    _, emailed = parse(invitation.ics)

    calendar, event = calendar_file(client, created["manage_token"])

    assert calendar["METHOD"] == "REQUEST"
    assert event["UID"] == emailed["UID"] == f"booking-{created['id']}@rendezvous.test"
    assert event["SEQUENCE"] == emailed["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == iso(created["start"])
    assert str(event["ORGANIZER"]) == f"mailto:{host.email}"
    assert str(event["ATTENDEE"]) == "mailto:ada@example.com"
    assert event["LOCATION"] == "Room 4"
    assert event["SUMMARY"] == emailed["SUMMARY"]


def test_after_a_reschedule_the_file_and_the_emails_carry_the_next_sequence(
    client, make_link, smtp: SmtpServer, worker: Worker
) -> None:
    link = make_link()
    starts = offered(client, link)
    created = book(client, link, starts[0])
    worker.drain()
    smtp.clear()
    token = created["manage_token"]
    assert (
        client.post(
            f"/api/v1/public/bookings/{token}/reschedule", json={"start": starts[3]}
        ).status_code
        == 200
    )
    worker.drain()
    (notice,) = smtp.to("ada@example.com")
    _, emailed = parse(notice.ics)

    _, event = calendar_file(client, token)

    assert event["UID"] == emailed["UID"] == f"booking-{created['id']}@rendezvous.test"
    assert event["SEQUENCE"] == emailed["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == emailed.decoded("DTSTART") == iso(starts[3])


def test_a_cancelled_bookings_file_cancels_the_same_event(
    client, make_link, smtp: SmtpServer, worker: Worker
) -> None:
    link = make_link()
    created = book(client, link, offered(client, link)[0])
    worker.drain()
    smtp.clear()
    token = created["manage_token"]
    assert client.post(f"/api/v1/public/bookings/{token}/cancel").status_code == 200
    worker.drain()
    (notice,) = smtp.to("ada@example.com")
    emailed_calendar, emailed = parse(notice.ics)

    calendar, event = calendar_file(client, token)

    assert calendar["METHOD"] == emailed_calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert event["UID"] == emailed["UID"] == f"booking-{created['id']}@rendezvous.test"
    assert event["SEQUENCE"] == emailed["SEQUENCE"] == 1
