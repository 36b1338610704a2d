"""The host's booking page and the contact's timeline (issue 8.7, 8.9): what the visitor
answered, under the questions' labels; what they consented to, to which text, when (in the
host's zone); who cancelled or moved the meeting, when and why."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.dashboard.conftest import EVERY_DAY, book, text

pytestmark = pytest.mark.db
PARIS = ZoneInfo("Europe/Paris")
IDENTITY = [
    {"key": "first_name", "label": "First name", "type": "text", "required": True},
    {"key": "last_name", "label": "Last name", "type": "text", "required": True},
    {"key": "email", "label": "Email", "type": "email", "required": True},
]


def page_of(signed_in, path: str) -> str:
    response = signed_in.get(path)
    assert response.status_code == 200, response.status_code
    return html.unescape(text(response))


def contact_id_of(signed_in, email: str) -> int:
    listing = text(signed_in.get(f"/app/contacts?q={email}"))
    return int(re.search(r"/app/contacts/(\d+)", listing).group(1))


def test_the_booking_page_shows_question_labels_not_keys(signed_in, client, make_link):
    link = make_link(
        availability=EVERY_DAY,
        form=[
            *IDENTITY,
            {"key": "decrivez_votre_projet", "label": "Décrivez votre projet", "type": "text"},
        ],
    )
    booking = book(client, link, answers={"decrivez_votre_projet": "Un toit neuf"})
    page = page_of(signed_in, f"/app/bookings/{booking['id']}")
    assert "<dt>Décrivez votre projet</dt><dd>Un toit neuf</dd>" in page
    assert "decrivez_votre_projet" not in page


def test_an_answer_to_a_question_since_removed_stays_readable(signed_in, client, host, make_link):
    link = make_link(
        availability=EVERY_DAY,
        form=[*IDENTITY, {"key": "team_size", "label": "Team size", "type": "number"}],
    )
    booking = book(client, link, answers={"team_size": 12})
    edited = client.patch(
        f"/api/v1/links/{link['id']}", json={"form": IDENTITY}, headers=host.headers
    )
    assert edited.status_code == 200, edited.json
    page = page_of(signed_in, f"/app/bookings/{booking['id']}")
    assert re.search(
        r"<dt>Team size <span[^>]*>\(question since removed\)</span></dt><dd>12</dd>", page
    )
    assert "team_size" not in page


def test_the_booking_page_shows_the_consent_text_version_subscriptions_and_local_time(
    signed_in, client, make_link, now
):
    link = make_link(
        availability=EVERY_DAY,
        consent={
            "enabled": True,
            "mode": "consent",
            "processing_text": "We keep your details to arrange the meeting.",
            "privacy_text": "Read our privacy policy.",
            "subscription_types": [
                {"id": "news", "label": "Newsletter"},
                {"id": "events", "label": "Event invitations"},
            ],
        },
    )
    booking = book(
        client,
        link,
        consent={"processing": True, "subscriptions": {"news": True, "events": False}},
    )
    page = page_of(signed_in, f"/app/bookings/{booking['id']}")
    consent = page.split("<dt>Consent</dt>", 1)[1].split("</dl>", 1)[0]
    assert "Subscriptions granted</dt><dd>Newsletter</dd>" in consent
    assert "Event invitations" not in consent
    assert re.search(r"Text version</dt><dd><code>[0-9a-f]{8}</code>", consent)
    assert "We keep your details to arrange the meeting." in consent
    assert "Read our privacy policy." in consent
    local = [(now + timedelta(minutes=m)).astimezone(PARIS) for m in (0, 1)]
    assert any(f"{t:%d %b %Y, %H:%M} (Europe/Paris)" in consent for t in local), consent
    assert not re.search(r">[^<]*\d{4}-\d\d-\d\dT\d\d:\d\d", page)  # no raw timestamp shown


def test_the_host_cancels_with_a_reason_shown_on_the_contacts_timeline(
    signed_in, client, make_link
):
    link = make_link(availability=EVERY_DAY, title="Roof check")
    booking = book(client, link, email="grace@example.com", first_name="Grace")
    response = signed_in.post(
        f"/app/bookings/{booking['id']}/cancel", {"reason": "I am out sick this week"}
    )
    assert response.status_code == 302
    record = page_of(signed_in, f"/app/contacts/{contact_id_of(signed_in, 'grace')}")
    event = record.split("Cancelled “Roof check”", 1)[1].split("</li>", 1)[0]
    assert "by Alice Martin (host)" in event
    assert "“I am out sick this week”" in event


def test_a_cancel_reason_over_500_characters_is_refused_on_the_booking_page(
    signed_in, client, host, make_link
):
    link = make_link(availability=EVERY_DAY)
    booking = book(client, link)
    response = signed_in.post(f"/app/bookings/{booking['id']}/cancel", {"reason": "x" * 501})
    assert response.status_code == 422
    assert "At most 500 characters." in text(response)
    hosted = client.get(f"/api/v1/bookings/{booking['id']}", headers=host.headers).json
    assert hosted["status"] == "confirmed"


def test_the_contacts_timeline_shows_the_visitors_reschedule_with_who_when_and_why(
    signed_in, client, make_link
):
    link = make_link(availability=EVERY_DAY, title="Roof check")
    booking = book(client, link, email="grace@example.com", first_name="Grace")
    old = datetime.fromisoformat(booking["start"])
    new = old + timedelta(hours=2)
    moved = client.post(
        f"/api/v1/public/bookings/{booking['manage_token']}/reschedule",
        json={"start": new.isoformat(), "reason": "Train is late"},
    )
    assert moved.status_code == 200, moved.json
    record = page_of(signed_in, f"/app/contacts/{contact_id_of(signed_in, 'grace')}")
    event = record.split("Rescheduled “Roof check”", 1)[1].split("</li>", 1)[0]
    assert "by Grace Lovelace (visitor)" in event
    assert f"from {old.astimezone(PARIS):%a %d %b %Y, %H:%M}" in event
    assert f"to {new.astimezone(PARIS):%a %d %b %Y, %H:%M}" in event
    assert "“Train is late”" in event
