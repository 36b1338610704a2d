"""Times show in the visitor's zone, detected and switchable; the booking is stored right in
UTC, and so is the .ics file the confirmation links to (SPEC B1, B2). The link's hours are
09:00–17:00 in Paris; the visitor is in New York."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.widget_steps import confirm, fill_details, record_events, wait_ready

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")


@pytest.fixture
def context_options():
    return {
        "viewport": {"width": 1024, "height": 800},
        "locale": "en-US",
        "timezone_id": "America/New_York",
    }


def _starts(day: date, zone: str) -> list[datetime]:
    """Every 30-minute start of Paris's 09:00–17:00 whose date in ``zone`` is ``day``."""
    here = ZoneInfo(zone)
    starts = []
    for paris_day in (day - timedelta(days=1), day, day + timedelta(days=1)):
        moment = datetime.combine(paris_day, time(9), PARIS)
        while moment.time() <= time(16, 30):
            starts.append(moment.astimezone(here))
            moment += timedelta(minutes=30)
    return [s for s in starts if s.date() == day]


def _label(moment: datetime) -> str:
    return f"{moment.hour % 12 or 12}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def _texts(locator) -> list[str]:
    return [t.replace("\u202f", " ") for t in locator.all_inner_texts()]


def test_switching_zone_moves_the_times_and_the_booking_is_right_in_utc(
    page, examples_origin, make_live_link, live_app, live_host, now
):
    link = make_live_link()
    record_events(page)
    page.goto(f"{examples_origin}/plain.html?slug={link['slug']}")
    wait_ready(page)
    scope = page.locator(".rendezvous-embed")
    zone = scope.get_by_label("Time zone")
    assert zone.input_value() == "America/New_York"

    day = now.astimezone(ZoneInfo("America/New_York")).date() + timedelta(days=3)
    cell = scope.locator(f".rdv-day[data-date='{day.isoformat()}']")
    if not cell.count():
        scope.get_by_role("button", name="Next month").click()
    cell.click()
    expect(scope.locator(".rdv-slot").first).to_be_focused()
    new_york = _starts(day, "America/New_York")
    assert _texts(scope.locator(".rdv-slot")) == [_label(s) for s in new_york]

    zone.select_option("Asia/Tokyo")
    tokyo = _starts(day, "Asia/Tokyo")
    expect(scope.locator(".rdv-slot").first).to_have_text(_label(tokyo[0]).replace(" ", "\u202f"))
    assert _texts(scope.locator(".rdv-slot")) == [_label(s) for s in tokyo]

    scope.locator(".rdv-slot").first.click()
    fill_details(scope, email="tokyo@example.com")
    confirm(scope)
    (booking,) = live_app.api(
        "GET", f"/api/v1/bookings?link_id={link['id']}", live_host["token"]
    ).json["items"]
    assert datetime.fromisoformat(booking["start"]).astimezone(UTC) == tokyo[0].astimezone(UTC)
    assert booking["timezone"] == "Asia/Tokyo"
    href = scope.get_by_role("link", name="Add to calendar").get_attribute("href")
    ics = live_app.api("GET", urlparse(href).path).get_data(as_text=True)
    lines = ics.replace("\r\n ", "").split("\r\n")
    utc = tokyo[0].astimezone(UTC)
    assert f"DTSTART:{utc:%Y%m%dT%H%M%S}Z" in lines
    assert f"DTEND:{utc + timedelta(minutes=30):%Y%m%dT%H%M%S}Z" in lines
    assert page.js_errors == []
