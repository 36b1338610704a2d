"""The email's buttons open the manage page on their step, the visitor may say why, and the
confirmation offers the server's calendar file (the invitation's own event) and Google and
Outlook links (issue 8.6, 8.8, 8.9)."""

from __future__ import annotations

from urllib.parse import urlparse

from icalendar import Calendar
from playwright.sync_api import expect

from tests.browser.widget_focus import focused
from tests.browser.widget_steps import book as book_in_widget
from tests.browser.widget_steps import book_through_api, record_events, wait_ready


def test_action_cancel_opens_the_cancel_step(page, live_app, make_live_link):
    booking = book_through_api(live_app, make_live_link())
    page.goto(f"{live_app.url}/meetings/manage/{booking['manage_token']}?action=cancel")
    scope = page.locator(".rendezvous-embed")
    expect(scope.get_by_text("Cancel this meeting?")).to_be_visible(timeout=20_000)
    assert focused(page)["text"] == "Cancel this meeting?"
    expect(scope.get_by_role("button", name="Yes, cancel it")).to_be_visible()
    assert page.js_errors == []


def test_action_reschedule_opens_the_time_picker(page, live_app, make_live_link):
    booking = book_through_api(live_app, make_live_link())
    page.goto(f"{live_app.url}/meetings/manage/{booking['manage_token']}?action=reschedule")
    scope = page.locator(".rendezvous-embed")
    expect(scope.locator(".rdv-day.rdv-open").first).to_be_visible(timeout=20_000)
    assert scope.get_by_role("button", name="Cancel meeting").count() == 0
    assert page.js_errors == []


def test_the_visitors_cancel_reason_from_the_manage_page_reaches_the_host(
    page, live_app, make_live_link, live_host
):
    booking = book_through_api(live_app, make_live_link())
    page.goto(f"{live_app.url}/meetings/manage/{booking['manage_token']}?action=cancel")
    scope = page.locator(".rendezvous-embed")
    scope.get_by_label("Reason (optional)").fill("My flight was moved")
    scope.get_by_role("button", name="Yes, cancel it").click()
    expect(scope.get_by_role("status")).to_have_text("Your meeting is cancelled.")
    hosted = live_app.api("GET", f"/api/v1/bookings/{booking['id']}", live_host["token"]).json
    assert [(c["kind"], c["actor"], c["reason"]) for c in hosted["changes"]] == [
        ("cancelled", "visitor", "My flight was moved")
    ]
    assert page.js_errors == []


def test_the_confirmation_offers_the_invitations_own_event_and_google_and_outlook(
    page, live_app, make_live_link
):
    link = make_live_link()
    record_events(page)
    page.goto(f"{live_app.url}/meetings/{link['slug']}")
    wait_ready(page)
    scope = page.locator(".rendezvous-embed")
    book_in_widget(scope)

    href = scope.get_by_role("link", name="Add to calendar").get_attribute("href")
    path = urlparse(href).path
    assert path.startswith("/api/v1/public/bookings/") and path.endswith(".ics")
    token = path.removeprefix("/api/v1/public/bookings/").removesuffix(".ics")
    booking = live_app.api("GET", f"/api/v1/public/bookings/{token}").json
    (event,) = Calendar.from_ical(live_app.api("GET", path).get_data(as_text=True)).walk("VEVENT")
    assert event["UID"] == f"booking-{booking['id']}@127.0.0.1"
    assert str(event["ATTENDEE"]) == "mailto:ada@example.com"
    google = scope.get_by_role("link", name="Add to Google")
    assert google.get_attribute("href").startswith(
        "https://calendar.google.com/calendar/render?action=TEMPLATE&"
    )
    outlook = scope.get_by_role("link", name="Add to Outlook")
    assert outlook.get_attribute("href").startswith(
        "https://outlook.live.com/calendar/0/deeplink/compose?"
    )
    assert page.js_errors == []
