"""A time taken between picking it and confirming (SPEC B3): the widget says so, shows the
day's fresh times, and the visitor books another; no `rendezvous:booked` for the lost one."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.browser.widget_steps import confirm, events, fill_details, record_events, wait_ready


def test_a_time_taken_meanwhile_shows_the_409_message_and_fresh_times(
    page, examples_origin, make_live_link, live_app, live_host
):
    link = make_live_link()
    record_events(page)
    page.goto(f"{examples_origin}/plain.html?slug={link['slug']}")
    wait_ready(page)
    scope = page.locator(".rendezvous-embed")
    scope.locator(".rdv-day.rdv-open").nth(1).click()
    before = scope.locator(".rdv-slot").all_inner_texts()
    scope.locator(".rdv-slot").nth(1).click()
    fill_details(scope)

    def someone_else_books_it_first(route):
        start = json.loads(route.request.post_data)["start"]
        taken = live_app.api(
            "POST",
            f"/api/v1/public/links/{link['slug']}/bookings",
            json={
                "start": start,
                "first_name": "Mallory",
                "last_name": "M",
                "email": "mallory@example.com",
            },
        )
        assert taken.status_code == 201
        route.continue_()

    page.route("**/bookings", someone_else_books_it_first)
    scope.get_by_role("button", name="Confirm booking").click()
    alert = scope.get_by_role("alert")
    expect(alert).to_have_text("This time was just taken. Please pick another one.")
    expect(alert).to_be_focused()
    expect(scope.locator(".rdv-slot")).to_have_text([before[0], *before[2:]])
    assert events(page, "booked") == []

    page.unroute("**/bookings")
    scope.locator(".rdv-slot").first.click()
    fill_details(scope)
    confirm(scope)
    booked = live_app.api("GET", f"/api/v1/bookings?link_id={link['id']}", live_host["token"]).json[
        "items"
    ]
    assert sorted(b["contact"]["email"] for b in booked) == [
        "ada@example.com",
        "mallory@example.com",
    ]
    assert len(events(page, "booked")) == 1
    assert page.js_errors == []
