"""The dashboard on a 360 px phone (issue 8, item 13): the whole top bar on screen and
clickable, and no page wider than the screen."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.dashboard_steps import share_url, sign_up
from tests.conftest import today

WIDTH = 360
#: every entry of the top bar, by role and name
TOP_BAR = [
    ("link", "Rendezvous"),
    ("link", "Meetings"),
    ("link", "Bookings"),
    ("link", "Contacts"),
    ("link", "Settings"),
    ("button", "Sign out"),
]
SETTINGS = ["preferences", "tokens", "account", "account/branding", "account/embedding"]
SETTINGS += ["account/privacy", "account/team", "account/domains"]
STEPS = ["details", "configuration", "availability", "questions", "gdpr"]
ON_SCREEN = """(el) => {
  const box = el.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return box.left >= 0 && box.right <= window.innerWidth && box.top >= 0
    && box.bottom <= window.innerHeight && (hit === el || el.contains(hit));
}"""


@pytest.fixture
def context_options() -> dict[str, Any]:
    return {
        "viewport": {"width": WIDTH, "height": 740},
        "locale": "en-US",
        "timezone_id": "Europe/Paris",
        "is_mobile": True,
        "has_touch": True,
    }


def _book(live_app: Any, slug: str, email: str) -> None:
    """A visitor's booking through the public API, so the lists have a row to show."""
    start = today()
    slots = live_app.api(
        "GET",
        f"/api/v1/public/links/{slug}/slots",
        query_string={
            "start": start.isoformat(),
            "end": (start + timedelta(days=13)).isoformat(),
            "timezone": "Europe/Paris",
        },
    ).json["slots"]
    body = {
        "start": slots[0],
        "duration": 30,
        "timezone": "Europe/Paris",
        "first_name": "Bartholomew-Maximilian",
        "last_name": "Featherstonehaugh-Wolfeschlegel",
        "email": email,
    }
    response = live_app.api("POST", f"/api/v1/public/links/{slug}/bookings", json=body)
    assert response.status_code == 201, response.json


def _scroll_width(page: Any) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def test_every_top_bar_entry_is_on_screen_and_clickable(page, live_app):
    sign_up(page, live_app, name="Margaret Hamilton")
    topbar = page.locator(".topbar")
    for role, name in TOP_BAR:
        entry = topbar.get_by_role(role, name=name, exact=True)
        assert entry.evaluate(ON_SCREEN), f"{name} is not on screen"
    topbar.get_by_role("link", name="Settings", exact=True).click()
    page.wait_for_url("**/app/preferences")
    page.locator(".topbar").get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/app/login")
    assert page.js_errors == []


def test_no_dashboard_page_is_wider_than_the_screen(page, live_app):
    sign_up(page, live_app, name="Frances Elizabeth Allen-Montgomery")
    url = share_url(page, "30 minute meeting")
    slug = url.split("/meetings/", 1)[1]
    _book(live_app, slug, "bartholomew.maximilian.featherstonehaugh@example-university.org")
    link_path = page.locator(".link-row h2 a").first.get_attribute("href")
    link_id = link_path.split("/links/", 1)[1].split("/", 1)[0]
    paths = ["/app/links", "/app/bookings", "/app/contacts", "/app/links/new"]
    paths += [f"/app/links/{link_id}/edit/{step}" for step in STEPS]
    paths += [f"/app/{setting}" for setting in SETTINGS]
    wide = {}
    for path in paths:
        page.goto(live_app.url + path)
        expect(page.locator("main h1").first).to_be_visible()
        if _scroll_width(page) > WIDTH:
            wide[path] = _scroll_width(page)
    assert wide == {}
    assert page.js_errors == []
