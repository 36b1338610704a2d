"""axe-core (from the npm registry, injected by the test) finds no violation (issue 3)."""

from __future__ import annotations

import pytest

from tests.browser.widget_steps import axe_violations, pick_first_time, record_events, wait_ready


@pytest.fixture
def context_options():
    # axe is injected as an inline script, which the hosted page's own CSP would refuse.
    return {
        "viewport": {"width": 1024, "height": 800},
        "locale": "en-US",
        "timezone_id": "Europe/Paris",
        "bypass_csp": True,
    }


def test_hosted_page_calendar_has_no_axe_violations(page, live_app, make_live_link):
    link = make_live_link()
    record_events(page)
    page.goto(f"{live_app.url}/meetings/{link['slug']}")
    wait_ready(page)
    assert axe_violations(page) == []


def test_widget_times_and_form_have_no_axe_violations(page, examples_origin, make_live_link):
    link = make_live_link(durations=[30, 60])
    record_events(page)
    page.goto(f"{examples_origin}/plain.html?slug={link['slug']}")
    wait_ready(page)
    page.locator(".rdv-day.rdv-open").first.click()
    page.locator(".rdv-slot").first.wait_for()
    assert axe_violations(page) == []
    pick_first_time(page.locator(".rendezvous-embed"))
    page.get_by_label("Email").wait_for()
    assert axe_violations(page) == []
