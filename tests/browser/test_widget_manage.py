"""Managing a booking from its link (SPEC B5): the same widget shows it, moves it on the same
calendar, and cancels it."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.widget_focus import focused
from tests.browser.widget_steps import book_through_api


def test_manage_page_moves_then_cancels_the_booking(page, live_app, make_live_link, live_host):
    link = make_live_link(title="Intro call")
    booking = book_through_api(live_app, link)
    page.goto(f"{live_app.url}/meetings/manage/{booking['manage_token']}")
    scope = page.locator(".rendezvous-embed")
    expect(scope.get_by_role("heading", name="Your meeting")).to_be_visible(timeout=20_000)
    expect(scope.locator(".rdv-details")).to_contain_text("Intro call")

    scope.get_by_role("button", name="Reschedule").click()
    scope.locator(".rdv-day.rdv-open").last.click()
    new_label = scope.locator(".rdv-slot").first.inner_text()
    scope.locator(".rdv-slot").first.click()
    expect(scope.get_by_role("heading", name="Move your meeting?")).to_be_focused()
    scope.get_by_role("button", name="Confirm new time").click()
    expect(scope.get_by_role("status")).to_have_text("Your meeting was moved.")
    expect(scope.locator(".rdv-details")).to_contain_text(new_label)
    moved = live_app.api("GET", f"/api/v1/public/bookings/{booking['manage_token']}").json
    assert moved["start"] != booking["start"] and moved["status"] == "confirmed"

    scope.get_by_role("button", name="Cancel meeting").click()
    assert focused(page)["text"] == "Cancel this meeting?"
    scope.get_by_role("button", name="Yes, cancel it").click()
    expect(scope.get_by_role("status")).to_have_text("Your meeting is cancelled.")
    expect(scope.get_by_role("link", name="Book another time")).to_have_attribute(
        "href", f"{live_app.url}/meetings/{link['slug']}"
    )
    cancelled = live_app.api("GET", f"/api/v1/public/bookings/{booking['manage_token']}").json
    assert cancelled["status"] == "cancelled"
    assert page.js_errors == []


def test_an_unknown_manage_token_says_so_without_a_retry(page, live_app):
    page.goto(f"{live_app.url}/meetings/manage/not-a-token")
    scope = page.locator(".rendezvous-embed")
    expect(scope.get_by_role("alert")).to_contain_text("doesn't exist", timeout=20_000)
    assert scope.get_by_role("button", name="Try again").count() == 0
