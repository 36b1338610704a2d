"""Rendering each message from plain data: words, language, zones, and the .ics (B4–B6, N2)."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from icalendar import Calendar

from server.i18n import LANGUAGES, catalog_messages
from server.notifications import messages
from server.notifications.facts import Change, MeetingRequest, Person
from server.notifications.mime import to_mime
from tests.notifications.factories import ADA, ALICE, STAMP, START, make_meeting

NOTIFICATIONS = Path(__file__).resolve().parents[2] / "server" / "notifications"


def event_of(ics: str):  # noqa: ANN201 - an icalendar Event
    calendar = Calendar.from_ical(ics)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


# -- the invitation (B4) -------------------------------------------------------------------


def test_invitation_subject_is_the_links_subject_with_tokens_filled() -> None:
    invitation = messages.invitation(make_meeting(), stamp=STAMP)
    assert invitation.subject == "Confirmed: Discovery call for Analytical Engines"
    assert invitation.to == ADA


def test_a_link_without_subject_gets_title_with_host() -> None:
    invitation = messages.invitation(make_meeting(subject=None), stamp=STAMP)
    assert invitation.subject == "Confirmed: Discovery call with Alice Martin"


def test_invitation_shows_the_time_in_the_visitors_zone_with_manage_links() -> None:
    text = messages.invitation(make_meeting(), stamp=STAMP).text
    assert "Tuesday, December 1, 2026, 9:00\u202fAM – 9:30\u202fAM (Eastern Standard Time)" in text
    assert "Hi Ada, we'll look at your needs." in text
    assert "http://rendezvous.test/meetings/manage/TOKEN?action=reschedule" in text
    assert "http://rendezvous.test/meetings/manage/TOKEN?action=cancel" in text
    assert "https://meet.example.com/abc-defg" in text


def test_invitation_ics_is_a_request_with_stable_uid_utc_times_organizer_and_attendee() -> None:
    meeting = make_meeting(location="12 rue de Rivoli, Paris")
    calendar, event = event_of(messages.invitation(meeting, stamp=STAMP).ics)
    assert calendar["METHOD"] == "REQUEST"
    assert event["UID"] == "booking-42@rendezvous.test"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert event.decoded("DTEND") == START + timedelta(minutes=30)
    assert event["DTSTART"].to_ical() == b"20261201T140000Z"
    assert str(event["ORGANIZER"]) == "mailto:alice@example.com"
    assert event["ORGANIZER"].params["CN"] == "Alice Martin"
    assert str(event["ATTENDEE"]) == "mailto:ada@example.com"
    assert event["LOCATION"] == "12 rue de Rivoli, Paris"
    assert event["SUMMARY"] == "Discovery call for Analytical Engines"
    assert "Hi Ada, we'll look at your needs." in event["DESCRIPTION"]
    assert "https://meet.example.com/abc-defg" in event["DESCRIPTION"]


def test_without_a_location_the_video_link_is_the_location() -> None:
    _, event = event_of(messages.invitation(make_meeting(), stamp=STAMP).ics)
    assert event["LOCATION"] == "https://meet.example.com/abc-defg"


def test_a_group_meeting_lists_every_host_as_attendee() -> None:
    bob = Person("Bob Stone", "bob@example.com", "Europe/London")
    _, event = event_of(messages.invitation(make_meeting(hosts=(ALICE, bob)), stamp=STAMP).ics)
    attendees = {str(a) for a in event["ATTENDEE"]}
    assert attendees == {"mailto:bob@example.com", "mailto:ada@example.com"}


# -- the host's notification (B4) ----------------------------------------------------------


def test_host_notification_shows_host_time_contact_and_links() -> None:
    note = messages.host_notification(make_meeting(), ALICE, stamp=STAMP)
    assert note.to == ALICE
    assert note.subject == "New meeting: Discovery call with Ada Lovelace"
    assert "Ada Lovelace booked a meeting with you: Discovery call." in note.text
    assert "3:00\u202fPM – 3:30\u202fPM (Central European Standard Time)" in note.text
    assert "http://rendezvous.test/app/contacts/7" in note.text
    assert "http://rendezvous.test/app/bookings/42" in note.text
    assert 'href="http://rendezvous.test/app/contacts/7"' in note.html
    assert "manage/TOKEN" not in note.text  # the visitor's token is theirs alone
    assert note.reply_to == ADA


def test_round_robin_notification_says_the_host_was_assigned() -> None:
    note = messages.host_notification(make_meeting(round_robin=True), ALICE, stamp=STAMP)
    assert "assigned this meeting by round robin" in note.text


def test_host_notification_lists_the_answers() -> None:
    meeting = make_meeting(answers=(("Company size", "51-200"),))
    assert "Company size: 51-200" in messages.host_notification(meeting, ALICE, stamp=STAMP).text


# -- reschedule, cancellation, reminder (B5, B6) -------------------------------------------


def test_reschedule_says_where_it_was_and_carries_the_next_sequence() -> None:
    meeting = make_meeting(sequence=1)
    notice = messages.reschedule_notice(
        meeting, ADA, previous_start=START - timedelta(days=1), stamp=STAMP
    )
    assert notice.subject.startswith("Updated: ")
    assert "It was planned for Monday, November 30, 2026, 9:00\u202fAM" in notice.text
    calendar, event = event_of(notice.ics)
    assert (calendar["METHOD"], event["SEQUENCE"]) == ("REQUEST", 1)


def test_cancellation_is_method_cancel_for_the_same_uid() -> None:
    notice = messages.cancellation(make_meeting(sequence=2), ADA, stamp=STAMP)
    calendar, event = event_of(notice.ics)
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert (event["UID"], event["SEQUENCE"]) == ("booking-42@rendezvous.test", 2)
    assert notice.subject == "Cancelled: Discovery call for Analytical Engines"
    assert "http://rendezvous.test/meetings/alice/discovery" in notice.text


def test_the_invitations_buttons_open_the_manage_page_on_their_step() -> None:
    html = messages.invitation(make_meeting(), stamp=STAMP).html
    assert 'href="http://rendezvous.test/meetings/manage/TOKEN?action=reschedule"' in html
    assert 'href="http://rendezvous.test/meetings/manage/TOKEN?action=cancel"' in html


def test_a_french_cancellation_says_in_french_who_cancelled_and_why() -> None:
    change = Change("cancelled", "visitor", "Ada Lovelace", ADA.email, "Mon vol est décalé")
    meeting = make_meeting(language="fr", locale="fr-FR", change=change)
    notice = messages.cancellation(meeting, ALICE, stamp=STAMP)
    assert "Ada Lovelace a annulé cette réunion." in notice.text
    assert "Motif : Mon vol est décalé" in notice.text


def test_the_host_who_moved_the_meeting_reads_you_and_the_visitor_reads_their_name() -> None:
    change = Change("rescheduled", "host", "Alice Martin", ALICE.email, "A conflict came up")
    meeting = make_meeting(change=change)
    previous = START - timedelta(days=1)
    to_host = messages.reschedule_notice(meeting, ALICE, previous_start=previous, stamp=STAMP)
    to_visitor = messages.reschedule_notice(meeting, ADA, previous_start=previous, stamp=STAMP)
    assert "You moved this meeting." in to_host.text
    assert "Alice Martin moved this meeting." in to_visitor.text
    assert "Reason: A conflict came up" in to_visitor.text


def test_the_calendar_file_is_the_visitors_invitation_or_its_cancel() -> None:
    meeting = make_meeting(sequence=3)
    calendar, event = event_of(messages.calendar_file(meeting, cancelled=False, stamp=STAMP))
    _, emailed = event_of(messages.invitation(meeting, stamp=STAMP).ics)
    assert calendar["METHOD"] == "REQUEST"
    assert (event["UID"], event["SEQUENCE"], event["SUMMARY"]) == (
        emailed["UID"],
        3,
        emailed["SUMMARY"],
    )
    calendar, event = event_of(messages.calendar_file(meeting, cancelled=True, stamp=STAMP))
    assert (calendar["METHOD"], event["STATUS"]) == ("CANCEL", "CANCELLED")


@pytest.mark.parametrize("include", [True, False])
def test_reminder_includes_the_description_only_when_the_link_says_so(include: bool) -> None:
    reminder = messages.reminder(make_meeting(reminder_includes_description=include), ADA)
    assert reminder.subject == "Reminder: Discovery call for Analytical Engines"
    assert ("we'll look at your needs" in reminder.text) is include
    assert reminder.ics is None


def test_a_reminder_rendered_without_the_token_points_to_the_confirmation_email() -> None:
    reminder = messages.reminder(make_meeting(manage_url=None), ADA)
    assert "use the links in your confirmation email" in reminder.text
    assert "manage" not in reminder.text


def test_request_notice_tells_the_host_why_and_when_the_visitor_can() -> None:
    request = MeetingRequest(
        link_title="Discovery call",
        language="en",
        locale="en-GB",
        visitor=ADA,
        message="Any morning works.",
        preferred_times=(START,),
        calendars_url="http://rendezvous.test/app/calendars",
    )
    notice = messages.request_notice(request, ALICE)
    assert notice.subject == "Meeting request from Ada Lovelace"
    assert "Tuesday, 1 December 2026, 15:00 (Central European Standard Time)" in notice.text
    assert "Any morning works." in notice.text
    assert "calendar is disconnected" in notice.text
    assert notice.reply_to == ADA


# -- language, locale, escaping (N2) -------------------------------------------------------


def test_a_french_link_gives_french_words_and_dates() -> None:
    meeting = make_meeting(language="fr", locale="fr-FR", subject=None)
    invitation = messages.invitation(meeting, stamp=STAMP)
    assert invitation.subject == "Confirmé : Discovery call avec Alice Martin"
    assert "Votre réunion est confirmée" in invitation.text
    assert "Quand : mardi 1 décembre 2026, 09:00 – 09:30" in invitation.text
    assert "Reprogrammer" in invitation.html and 'lang="fr"' in invitation.html
    note = messages.host_notification(meeting, ALICE, stamp=STAMP)
    assert "mardi 1 décembre 2026, 15:00 – 15:30 (heure normale d’Europe centrale)" in note.text


@pytest.mark.parametrize(
    ("language", "locale", "subject", "day"),
    [
        ("de", "de-DE", "Bestätigt: Discovery call mit Alice Martin", "Dienstag, 1. Dezember 2026"),
        ("es", "es-ES", "Confirmada: Discovery call con Alice Martin", "martes, 1 de diciembre"),
    ],
)
def test_german_and_spanish_links(language: str, locale: str, subject: str, day: str) -> None:
    meeting = make_meeting(language=language, locale=locale, subject=None)
    invitation = messages.invitation(meeting, stamp=STAMP)
    assert invitation.subject == subject
    assert day in invitation.text


def test_the_locale_picks_the_clock_and_the_language_picks_the_words() -> None:
    us = messages.reminder(make_meeting(locale="en-US"), ALICE).text
    gb = messages.reminder(make_meeting(locale="en-GB"), ALICE).text
    assert "3:00\u202fPM" in us and "Tuesday, December 1, 2026" in us
    assert "15:00" in gb and "Tuesday, 1 December 2026" in gb
    mixed = messages.reminder(make_meeting(language="fr", locale="en-US"), ALICE).text
    assert "mardi" in mixed and "Tuesday" not in mixed


def test_visitor_values_are_escaped_in_html() -> None:
    evil = Person("<img src=x onerror=alert(1)>", "ada@example.com", "UTC")
    note = messages.host_notification(make_meeting(visitor=evil), ALICE, stamp=STAMP)
    assert "<img" not in note.html
    assert "&lt;img src=x onerror=alert(1)&gt;" in note.html


def test_every_email_string_is_translated_in_every_language() -> None:
    options = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
    method_map = [
        ("**.py", "python"),
        ("templates/**.html", "jinja2.ext:babel_extract"),
        ("templates/**.txt", "jinja2.ext:babel_extract"),
    ]
    used = {
        message
        for _, _, message, _, _ in extract_from_dir(
            str(NOTIFICATIONS),
            method_map,
            {"templates/**.html": options, "templates/**.txt": options},
        )
    }
    assert len(used) > 30
    for language in LANGUAGES:
        if language == "en":
            continue
        missing = used - set(catalog_messages(language, messages.DOMAIN))
        assert not missing, f"{language} lacks {sorted(missing)}"


# -- the MIME message ----------------------------------------------------------------------


def test_mime_has_text_html_calendar_and_attachment_and_is_7bit() -> None:
    raw = to_mime(
        messages.invitation(make_meeting(), stamp=STAMP),
        sender="no-reply@rendezvous.test",
        domain="rendezvous.test",
    )
    assert raw.isascii()
    parsed = email.message_from_string(raw, policy=email.policy.default)
    assert parsed["From"].addresses[0].display_name == "Alice Martin via Rendezvous"
    assert parsed["Reply-To"] == "Alice Martin <alice@example.com>"
    assert parsed["Message-ID"].endswith("@rendezvous.test>")
    types = [part.get_content_type() for part in parsed.walk()]
    assert types == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
        "application/ics",
    ]
    calendar_part = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar")
    assert calendar_part.get_param("method") == "REQUEST"


def test_an_address_with_a_non_ascii_domain_is_sent_in_idna() -> None:
    visitor = Person("José Núñez", "jose@exämple.com", "Europe/Madrid")
    raw = to_mime(
        messages.invitation(make_meeting(visitor=visitor), stamp=STAMP),
        sender="no-reply@rendezvous.test",
        domain="rendezvous.test",
    )
    assert raw.isascii()
    assert "jose@xn--exmple-cua.com" in raw


def test_a_stamp_is_utc() -> None:
    _, event = event_of(
        messages.invitation(make_meeting(), stamp=datetime(2026, 11, 20, 13, tzinfo=UTC)).ics
    )
    assert event["DTSTAMP"].to_ical() == b"20261120T130000Z"
