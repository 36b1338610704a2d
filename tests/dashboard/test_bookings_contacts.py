"""Bookings list (assigned host, tabs, cancel), contacts with their timeline, Schedule (B7)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from server.clock import utcnow
from tests.dashboard.conftest import EVERY_DAY, book, first_slot, text

pytestmark = pytest.mark.db
PARIS = ZoneInfo("Europe/Paris")


def slots(client, link):
    from datetime import timedelta

    today = utcnow().astimezone(PARIS).date()
    return client.get(
        f"/api/v1/public/links/{link['slug']}/slots",
        query_string={"start": today.isoformat(), "end": (today + timedelta(days=13)).isoformat()},
    ).json["slots"]


def test_bookings_show_who_was_assigned_by_tab_and_cancel_frees_the_time(
    signed_in, client, host, make_host, make_link, db
):
    bob = make_host(name="Bob Stone", same_account_as=host)
    link = make_link(type="round_robin", host_ids=[host.id, bob.id], availability=EVERY_DAY)
    first, second = slots(client, link)[:2]
    one = book(client, link, email="one@example.com", start=first)
    two = book(client, link, email="two@example.com", start=first)  # the other host, same time
    book(client, link, email="three@example.com", start=second)
    page = text(signed_in.get("/app/bookings"))
    assigned = re.findall(r'<td class="assigned"[^>]*>([^<]*)</td>', page)
    assert sorted(assigned[:2]) == ["Alice Martin", "Bob Stone"]
    assert "one@example.com" in page and "three@example.com" in page

    cancelled = signed_in.post(f"/app/bookings/{one['id']}/cancel")
    assert cancelled.status_code == 302
    assert "is cancelled" in text(signed_in.get("/app/bookings"))
    assert (
        client.get(f"/api/v1/bookings/{one['id']}", headers=host.headers).json["status"]
        == "cancelled"
    )
    assert first in slots(client, link)
    assert db("SELECT COUNT(*) FROM outbox_messages WHERE kind = 'cancellation'")[0][0] >= 1
    assert "one@example.com" in text(signed_in.get("/app/bookings?show=cancelled"))
    again = signed_in.post(f"/app/bookings/{one['id']}/cancel")
    assert "was cancelled" in text(signed_in.get(again.headers["Location"]))

    with signed_in.client.application.app_context():  # a meeting that took place in 2020
        from server.bookings.models import Booking
        from server.db import get_session

        session = get_session()
        moved = session.get(Booking, two["id"])
        moved.start_at = datetime(2020, 1, 6, 9, tzinfo=UTC)
        moved.end_at = datetime(2020, 1, 6, 9, 30, tzinfo=UTC)
        for held in moved.attendees:
            held.start_at, held.end_at = moved.start_at, moved.end_at
        session.commit()
    past = text(signed_in.get("/app/bookings?show=past"))
    assert "two@example.com" in past and "three@example.com" not in past
    assert "two@example.com" not in text(signed_in.get("/app/bookings"))


def test_contact_record_has_properties_and_a_timeline_with_consent(
    signed_in, client, host, make_link
):
    link = make_link(
        availability=EVERY_DAY,
        form=[
            {"key": "first_name", "label": "First name", "type": "text", "required": True},
            {"key": "last_name", "label": "Last name", "type": "text", "required": True},
            {"key": "email", "label": "Email", "type": "email", "required": True},
            {"key": "phone", "label": "Phone", "type": "phone", "property": "phone"},
        ],
        consent={
            "enabled": True,
            "mode": "consent",
            "processing_text": "OK to process?",
            "subscription_types": [{"id": "news", "label": "Newsletter"}],
        },
    )
    booking = book(
        client,
        link,
        email="grace@example.com",
        first_name="Grace",
        answers={"phone": "+33 1 23 45 67 89"},
        consent={"processing": True, "subscriptions": {"news": True}},
    )
    listing = text(signed_in.get("/app/contacts?q=grace"))
    contact_id = int(re.search(r"/app/contacts/(\d+)", listing).group(1))
    assert "grace@example.com" in listing
    assert "grace" not in text(signed_in.get("/app/contacts?q=nobody")).lower().split("<main")[1]
    record = html.unescape(text(signed_in.get(f"/app/contacts/{contact_id}")))
    assert "+33 1 23 45 67 89" in record
    assert f"Booked “{link['title']}”" in record
    assert "Consent recorded" in record and "subscribed to news" in record
    assert f"/app/bookings/{booking['id']}" in record


def test_schedule_from_a_contact_goes_through_the_booking_path(
    signed_in, client, host, make_link, db
):
    link = make_link(availability=EVERY_DAY)
    book(client, link, email="grace@example.com", first_name="Grace")
    [contact] = client.get("/api/v1/contacts", headers=host.headers).json["items"]
    url = f"/app/contacts/{contact['id']}/schedule"
    page = text(signed_in.get(url))
    starts = re.findall(r'name="start" value="([^"]+)"', page)
    assert starts
    response = signed_in.post(
        url, {"link": link["id"], "duration": "30", "timezone": "Europe/Paris", "start": starts[0]}
    )
    assert response.status_code == 302
    assert "The invitation is on its way" in text(signed_in.get(response.headers["Location"]))
    bookings = client.get("/api/v1/bookings", headers=host.headers).json["items"]
    chosen = datetime.fromisoformat(starts[0])
    scheduled = [b for b in bookings if datetime.fromisoformat(b["start"]) == chosen]
    assert [b["contact"]["email"] for b in scheduled] == ["grace@example.com"]
    assert db(
        "SELECT recipient FROM outbox_messages WHERE kind = 'invitation' AND booking_id = :id",
        id=scheduled[0]["id"],
    ) == [("grace@example.com",)]
    # the same time again: taken meanwhile, said on the form
    taken = signed_in.post(
        url, {"link": link["id"], "duration": "30", "timezone": "Europe/Paris", "start": starts[0]}
    )
    assert taken.status_code == 422
    assert "no longer available" in text(taken)


def test_schedule_asks_the_links_required_questions(signed_in, client, host, make_link):
    link = make_link(
        availability=EVERY_DAY,
        form=[
            {"key": "first_name", "label": "First name", "type": "text", "required": True},
            {"key": "email", "label": "Email", "type": "email", "required": True},
            {"key": "topic", "label": "Topic", "type": "text", "required": True},
        ],
    )
    book(client, link, email="grace@example.com", answers={"topic": "Hello"})
    [contact] = client.get("/api/v1/contacts", headers=host.headers).json["items"]
    start = first_slot(client, link)
    url = f"/app/contacts/{contact['id']}/schedule"
    assert 'name="answer-topic"' in text(signed_in.get(f"{url}?link={link['id']}"))
    missing = signed_in.post(url, {"link": link["id"], "start": start, "timezone": "Europe/Paris"})
    assert missing.status_code == 422
    assert "This field is required." in text(missing)
    done = signed_in.post(
        url,
        {"link": link["id"], "start": start, "timezone": "Europe/Paris", "answer-topic": "Renewal"},
    )
    assert done.status_code == 302
