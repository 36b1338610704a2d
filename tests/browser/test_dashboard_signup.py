"""From sign-up to a working share link (issue 5)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.dashboard_steps import share_url, sign_up
from tests.browser.widget_steps import book, record_events, wait_ready


def test_sign_up_to_a_booked_meeting_on_the_share_link(page, live_app):
    sign_up(page, live_app, name="Grace Hopper")
    expect(page.locator(".flash")).to_contain_text("three meeting links ready to share")
    titles = page.locator(".link-row h2 a").all_inner_texts()
    assert titles == ["15 minute meeting", "30 minute meeting", "60 minute meeting"]
    url = share_url(page, "30 minute meeting")
    assert url.startswith(f"{live_app.url}/meetings/grace-hopper")
    record_events(page)
    page.goto(url)
    wait_ready(page)
    book(page.locator(".rendezvous-embed"), email="visitor-signup@example.com")
    page.goto(f"{live_app.url}/app/bookings")
    expect(page.get_by_text("visitor-signup@example.com")).to_be_visible()
    assert page.js_errors == []
