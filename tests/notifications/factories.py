"""A :class:`Meeting` with defaults for the pure rendering tests (``setdefault`` style)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from server.notifications.facts import Meeting, Person
from server.notifications.tokens import TokenValues

ALICE = Person("Alice Martin", "alice@example.com", "Europe/Paris")
ADA = Person("Ada Lovelace", "ada@example.com", "America/New_York")
#: Tuesday 1 December 2026, 15:00–15:30 in Paris, 09:00–09:30 in New York
START = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
STAMP = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def make_meeting(**fields: Any) -> Meeting:
    fields.setdefault("booking_id", 42)
    fields.setdefault("uid", "booking-42@rendezvous.test")
    fields.setdefault("sequence", 0)
    fields.setdefault("start", START)
    fields.setdefault("end", fields["start"] + timedelta(minutes=30))
    fields.setdefault("title", "Discovery call")
    fields.setdefault("subject", "Discovery call for {{ company.name }}")
    fields.setdefault("description", "Hi {{ contact.first_name }}, we'll look at your needs.")
    fields.setdefault("location", None)
    fields.setdefault("video_link", "https://meet.example.com/abc-defg")
    fields.setdefault("language", "en")
    fields.setdefault("locale", "en-US")
    fields.setdefault("organizer", ALICE)
    fields.setdefault("hosts", (fields["organizer"],))
    fields.setdefault("visitor", ADA)
    fields.setdefault(
        "tokens",
        TokenValues("Ada", "Lovelace", "ada@example.com", {"company": "Analytical Engines"}),
    )
    fields.setdefault("contact_url", "http://rendezvous.test/app/contacts/7")
    fields.setdefault("booking_url", "http://rendezvous.test/app/bookings/42")
    fields.setdefault("booking_page_url", "http://rendezvous.test/meetings/alice/discovery")
    fields.setdefault("manage_url", "http://rendezvous.test/meetings/manage/TOKEN")
    return Meeting(**fields)
