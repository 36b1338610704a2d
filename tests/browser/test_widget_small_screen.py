"""The widget on a 320-px-wide phone (SPEC E2): nothing sticks out sideways, booking works."""

from __future__ import annotations

import pytest

from tests.browser.widget_steps import (
    confirm,
    fill_details,
    pick_first_time,
    record_events,
    wait_ready,
)

OUTSIDE = """() => {
  const root = document.querySelector('.rendezvous-embed').shadowRoot;
  return [...root.querySelectorAll('*')].filter((el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && (r.left < -0.5 || r.right > window.innerWidth + 0.5);
  }).map((el) => el.tagName + '.' + el.className);
}"""


@pytest.fixture
def context_options():
    return {
        "viewport": {"width": 320, "height": 640},
        "locale": "en-US",
        "timezone_id": "Europe/Paris",
        "is_mobile": True,
        "has_touch": True,
    }


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert page.evaluate(OUTSIDE) == []


def test_booking_on_a_320_px_screen(page, examples_origin, make_live_link, live_app, live_host):
    link = make_live_link(durations=[15, 30, 60], location="Video call")
    record_events(page)
    page.goto(f"{examples_origin}/plain.html?slug={link['slug']}")
    wait_ready(page)
    scope = page.locator(".rendezvous-embed")
    _fits(page)
    days = scope.locator(".rdv-day")
    assert days.first.bounding_box()["height"] >= 36
    pick_first_time(scope)
    _fits(page)
    fill_details(scope, email="phone@example.com")
    confirm(scope)
    _fits(page)
    booked = live_app.api("GET", f"/api/v1/bookings?link_id={link['id']}", live_host["token"]).json[
        "items"
    ]
    assert [b["contact"]["email"] for b in booked] == ["phone@example.com"]
    assert page.js_errors == []
