"""A booking end to end on the hosted page and on every example host page (issue 3)."""

from __future__ import annotations

import pytest

from tests.browser.widget_steps import book, events, record_events, wait_ready


def _bookings(live_app, live_host, link):
    response = live_app.api("GET", f"/api/v1/bookings?link_id={link['id']}", live_host["token"])
    return response.json["items"]


@pytest.mark.parametrize("example", ["plain", "hostile", "spa", "two-widgets"])
def test_booking_end_to_end_on_an_example_host_page(
    page, examples_origin, make_live_link, live_app, live_host, example
):
    link = make_live_link()
    record_events(page)
    page.goto(f"{examples_origin}/{example}.html?slug={link['slug']}")
    if example == "spa":
        page.wait_for_function("!!window.Rendezvous", timeout=15_000)
        page.click("#go-contact")
    wait_ready(page, 2 if example == "two-widgets" else 1)
    scope = page.locator(".rendezvous-embed").first
    book(scope, email=f"{example}@example.com")
    booked = _bookings(live_app, live_host, link)
    assert [b["contact"]["email"] for b in booked] == [f"{example}@example.com"]
    fired = events(page, "booked")
    assert len(fired) == 1
    assert fired[0]["detail"]["id"] == booked[0]["id"]
    assert page.js_errors == []


def test_booking_end_to_end_on_the_hosted_page(page, live_app, make_live_link, live_host):
    link = make_live_link()
    record_events(page)
    page.goto(f"{live_app.url}/meetings/{link['slug']}")
    wait_ready(page)
    book(page.locator(".rendezvous-embed"), email="hosted@example.com")
    assert [b["contact"]["email"] for b in _bookings(live_app, live_host, link)] == [
        "hosted@example.com"
    ]
    manage = page.locator(".rendezvous-embed").get_by_role("link", name="Reschedule or cancel")
    assert "/meetings/manage/" in manage.get_attribute("href")


def test_booked_event_bubbles_out_of_the_shadow_root_with_the_booking(
    page, examples_origin, make_live_link
):
    link = make_live_link()
    record_events(page)
    page.goto(f"{examples_origin}/plain.html?slug={link['slug']}")
    wait_ready(page)
    book(page.locator(".rendezvous-embed"))
    detail = events(page, "booked")[0]["detail"]
    assert detail["status"] == "confirmed"
    assert detail["start"] and detail["manage_token"]
    assert events(page, "booked")[0]["target"] == "rendezvous-embed"
