"""A rep schedules a meeting from a contact's record (issue 5, B7)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.dashboard_steps import share_url, sign_up
from tests.browser.widget_steps import book, record_events, wait_ready


def test_schedule_from_a_contact_record(page, live_app):
    sign_up(page, live_app, name="Mary Jackson")
    url = share_url(page, "60 minute meeting")
    record_events(page)
    page.goto(url)
    wait_ready(page)
    book(page.locator(".rendezvous-embed"), email="dorothy@example.com")

    page.goto(f"{live_app.url}/app/contacts")
    page.get_by_role("link", name="Ada Lovelace").click()
    assert page.locator(".timeline li").count() == 1
    page.get_by_role("link", name="Schedule").click()
    page.get_by_label("Meeting link").select_option(label="30 minute meeting")
    page.get_by_role("button", name="Show times").click()
    page.locator(".day-chip").nth(1).click()
    choice = page.locator('input[name="start"]').first
    chosen = choice.get_attribute("value")
    page.locator(".pills.times .pill").first.click()
    page.get_by_role("button", name="Book this time").click()

    expect(page.locator(".flash")).to_contain_text("The invitation is on its way")
    events = page.locator(".timeline li")
    assert events.count() == 2
    assert "Booked “30 minute meeting”" in events.first.inner_text()
    page.goto(f"{live_app.url}/app/bookings")
    rows = page.locator("tbody tr", has_text="dorothy@example.com")
    assert rows.count() == 2
    assert chosen  # the time chosen, as an ISO instant in the contact's zone
    assert page.js_errors == []
