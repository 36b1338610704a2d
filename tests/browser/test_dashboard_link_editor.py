"""A link built through the editor's four steps, then booked in the widget with its new
settings in force (issue 5)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.browser.dashboard_steps import share_url, sign_up
from tests.browser.widget_steps import confirm, fill_details, record_events, wait_ready


def test_build_a_link_in_four_steps_and_book_it(page, live_app):
    sign_up(page, live_app, name="Katherine Johnson")
    page.get_by_role("link", name="Create a meeting link").click()

    # 1. Details
    page.get_by_label("Public title").fill("Orbit review")
    page.get_by_label("Internal name").fill("Orbit review (internal)")
    page.get_by_label("URL").fill("orbit")
    page.get_by_label("30 min").uncheck()
    page.get_by_label("45 min").check()
    page.get_by_role("button", name="Create link").click()
    page.wait_for_url("**/edit/configuration")

    # 2. Configuration
    page.get_by_label("Location").fill("Building 1244, Hampton")
    page.get_by_label("Date and number format").select_option("en-GB")
    page.get_by_label("Reminder 1", exact=True).fill("1")
    page.get_by_label("Unit of reminder 1").select_option("days")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/edit/availability")

    # 3. Availability: Monday 10:00–12:00 and 14:00–15:00, copied to every day, no notice
    page.locator("#f-hours-mon-0-start").fill("10:00")
    page.locator("#f-hours-mon-0-end").fill("12:00")
    page.get_by_role("button", name="Add an interval on Monday").click()
    page.locator("#f-hours-mon-1-start").fill("14:00")
    page.locator("#f-hours-mon-1-end").fill("15:00")
    monday = page.locator("#day-mon")
    monday.locator("summary").click()
    for day in ("Tue", "Wed", "Thu", "Fri", "Sat", "Sun"):
        monday.get_by_label(day, exact=True).check()
    monday.get_by_role("button", name="Copy Monday's hours").click()
    assert page.locator("#f-hours-sun-1-start").input_value() == "14:00"
    page.locator("#f-notice_amount").fill("0")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/edit/questions")

    # 4. Form questions: the company, required
    page.get_by_label("Contact property").select_option("company")
    page.get_by_role("button", name="Add", exact=True).click()
    page.locator('.question:has(input[value="company"]) input[type=checkbox]').check()
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/edit/gdpr")

    # booked in the widget, on the share link
    page.goto(f"{live_app.url}/app/links")
    url = share_url(page, "Orbit review")
    assert url.endswith("/meetings/katherine-johnson/orbit")
    record_events(page)
    page.goto(url)
    wait_ready(page)
    widget = page.locator(".rendezvous-embed")
    assert "45" in widget.locator(".rdv-dur").inner_text()
    assert "Building 1244" in widget.locator(".rdv-loc").inner_text()
    widget.locator(".rdv-day.rdv-open").first.click()
    slots = widget.locator(".rdv-slot")
    slots.first.wait_for(timeout=15_000)
    labels = slots.all_inner_texts()
    assert labels[0] in ("10:00", "10:45", "11:30", "14:00"), labels  # en-GB, 24-hour
    assert set(labels) <= {"10:00", "10:45", "14:00"}, labels  # 45 minutes inside the hours
    slots.first.click()
    fill_details(widget, email="orbit@example.com")
    widget.get_by_role("button", name="Confirm booking").click()
    expect(widget.get_by_text("This field is required.").first).to_be_visible()  # company
    widget.get_by_label("Company").fill("NASA")
    confirm(widget)

    booked = page.evaluate("window.__events.filter(e => e.name === 'rendezvous:booked')")
    start = datetime.fromisoformat(booked[0]["detail"]["start"])
    end = datetime.fromisoformat(booked[0]["detail"]["end"])
    assert (end - start).total_seconds() == 45 * 60
    local = start.astimezone(ZoneInfo("Europe/Paris"))
    assert local.strftime("%H:%M") in ("10:00", "10:45", "14:00")
    page.goto(f"{live_app.url}/app/contacts")
    page.get_by_role("link", name="Ada Lovelace").click()
    expect(page.locator(".facts")).to_contain_text("NASA")
    assert page.js_errors == []
