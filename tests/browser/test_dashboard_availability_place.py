"""The availability step keeps the host's place (issue 8, item 14): "+ Interval", "Copy to…"
and "+ Date override" post the form back, and the section they changed is still on screen."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.dashboard_steps import sign_up

IN_VIEW = """(el) => {
  const box = el.getBoundingClientRect();
  return box.top >= 0 && box.bottom <= window.innerHeight && window.scrollY > 0;
}"""


@pytest.fixture
def context_options() -> dict[str, Any]:
    return {"viewport": {"width": 1024, "height": 600}, "locale": "en-US", "timezone_id": "UTC"}


def _availability_step(page: Any, app_url: str) -> None:
    page.goto(f"{app_url}/app/links")
    page.locator(".link-row h2 a").first.click()
    page.get_by_role("link", name="Availability").click()
    page.wait_for_url("**/edit/availability")


def _in_view(page: Any, selector: str) -> bool:
    return page.locator(selector).last.evaluate(IN_VIEW)


def test_adding_an_interval_keeps_the_day_on_screen(page, live_app):
    sign_up(page, live_app, name="Annie Easley")
    _availability_step(page, live_app.url)
    before = page.locator("#day-sun .interval").count()
    with page.expect_navigation():
        page.get_by_role("button", name="Add an interval on Sunday").click()
    assert page.locator("#day-sun .interval").count() == before + 1
    assert _in_view(page, "#day-sun")
    assert page.evaluate("document.activeElement.id") == f"f-hours-sun-{before}-start"
    assert page.js_errors == []


def test_copying_a_day_keeps_the_day_on_screen(page, live_app):
    sign_up(page, live_app, name="Evelyn Boyd")
    _availability_step(page, live_app.url)
    friday = page.locator("#day-fri")
    friday.locator("summary").click()
    friday.get_by_label("Sun", exact=True).check()
    with page.expect_navigation():
        friday.get_by_role("button", name="Copy Friday's hours").click()
    assert page.locator("#f-hours-sun-0-start").input_value() == "09:00"
    assert _in_view(page, "#day-fri")
    assert page.js_errors == []


def test_adding_a_date_override_keeps_the_overrides_on_screen(page, live_app):
    sign_up(page, live_app, name="Christine Darden")
    _availability_step(page, live_app.url)
    with page.expect_navigation():
        page.get_by_role("button", name="+ Date override").click()
    assert page.locator("#date-overrides .override").count() == 1
    assert _in_view(page, "#date-overrides .override")
    assert page.evaluate("document.activeElement.id") == "f-override-0-date"
    assert page.js_errors == []
