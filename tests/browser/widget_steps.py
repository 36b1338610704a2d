"""Steps a visitor takes in the widget, shared by the browser tests.

Playwright's CSS and role locators pierce open shadow roots, so these work on the hosted
page and on any host page alike; ``scope`` narrows them to one placeholder.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from server.clock import utcnow


def book_through_api(live_app: Any, link: dict[str, Any]) -> dict[str, Any]:
    """Ada books the fourth time offered in the next three weeks; returns the 201's body."""
    today = utcnow().astimezone(ZoneInfo(link["timezone"])).date()
    slots = live_app.api(
        "GET",
        f"/api/v1/public/links/{link['slug']}/slots",
        query_string={"start": today.isoformat(), "end": (today + timedelta(days=20)).isoformat()},
    ).json["slots"]
    created = live_app.api(
        "POST",
        f"/api/v1/public/links/{link['slug']}/bookings",
        json={"start": slots[3], "first_name": "Ada", "last_name": "L", "email": "ada@example.com"},
    )
    assert created.status_code == 201, created.json
    return created.json


def pick_first_time(scope: Any) -> str:
    """Open the first bookable day, choose its first time; returns the time's label."""
    scope.locator(".rdv-day.rdv-open").first.click()
    slot = scope.locator(".rdv-slot").first
    slot.wait_for(timeout=15_000)
    label = slot.inner_text()
    slot.click()
    return label


def fill_details(
    scope: Any, first: str = "Ada", last: str = "Lovelace", email: str = "ada@example.com"
) -> None:
    scope.get_by_label("First name").fill(first)
    scope.get_by_label("Last name").fill(last)
    scope.get_by_label("Email").fill(email)


def confirm(scope: Any) -> None:
    scope.get_by_role("button", name="Confirm booking").click()
    scope.locator(".rdv-ok").wait_for(timeout=15_000)


def book(scope: Any, email: str = "ada@example.com") -> str:
    label = pick_first_time(scope)
    fill_details(scope, email=email)
    confirm(scope)
    return label


RECORD_EVENTS = """
window.__events = [];
for (const name of ['rendezvous:ready', 'rendezvous:booked', 'rendezvous:day-chosen',
                    'rendezvous:time-chosen', 'rendezvous:cancelled', 'rendezvous:rescheduled']) {
  document.addEventListener(name, (e) => window.__events.push(
    {name: e.type, target: e.target.id || e.target.className, detail: e.detail}));
}
"""


def record_events(page: Any) -> None:
    page.add_init_script(RECORD_EVENTS)


def events(page: Any, name: str) -> list[dict[str, Any]]:
    return page.evaluate(f"window.__events.filter(e => e.name === 'rendezvous:{name}')")


def wait_ready(page: Any, count: int = 1) -> None:
    page.wait_for_function(
        f"(window.__events || []).filter(e => e.name === 'rendezvous:ready').length >= {count}",
        timeout=20_000,
    )


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page: Any) -> list[tuple[str, str, list[Any]]]:
    """axe-core's violations on the page (inside shadow roots too): (rule, impact, 3 targets).
    The page's context needs ``bypass_csp``: axe is injected as an inline script."""
    if not AXE.is_file():
        pytest.fail("node_modules/axe-core is missing: run `npm ci` (make test does)", False)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => (await axe.run(document)).violations")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result]
