"""Connecting Google Calendar and Microsoft 365 in a real browser (issue 11, SPEC §10): from
/app/calendars through the provider's consent page (the stand-ins of tests/standins) back to
the callback, which lands on the calendars page with the account's calendars."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.dashboard_steps import sign_up
from tests.standins.google import GoogleStandIn
from tests.standins.microsoft import MicrosoftStandIn

ACCOUNT = {"google": "grace.google@example.com", "microsoft": "grace.ms@example.com"}
LABEL = {"google": "Google Calendar", "microsoft": "Microsoft 365"}
ALLOW = {"google": "Allow", "microsoft": "Accept"}
DEFAULT = {"google": ACCOUNT["google"], "microsoft": "Calendar"}


@pytest.fixture(params=["google", "microsoft"])
def provider(request: pytest.FixtureRequest, live_app: Any) -> Iterator[tuple[str, Any]]:
    """A provider's stand-in, offered by the live app for the length of one test."""
    name = request.param
    stand_in = GoogleStandIn() if name == "google" else MicrosoftStandIn()
    with stand_in as server:
        if name == "google":
            server.add_user(ACCOUNT[name])
        else:
            server.add_user(ACCOUNT[name], "Grace Hopper")
        saved = {key: live_app.app.config.get(key) for key in server.settings()}
        live_app.app.config.update(server.settings())
        yield name, server
        live_app.app.config.update(saved)


def test_connect_through_the_consent_page_back_to_the_calendars_page(page, live_app, provider):
    name, server = provider
    sign_up(page, live_app)
    page.goto(f"{live_app.url}/app/calendars")
    page.get_by_role("link", name=f"Connect {LABEL[name]}").click()

    expect(page.get_by_text(ACCOUNT[name]).first).to_be_visible()  # the provider's page
    assert page.url.startswith(server.base_url)
    page.get_by_role("button", name=ALLOW[name]).click()

    page.wait_for_url(f"{live_app.url}/app/calendars**")
    expect(page.locator(".flash")).to_contain_text(f"Connected {ACCOUNT[name]}")
    expect(page.locator(".flash")).to_contain_text(f"“{DEFAULT[name]}”, your default calendar")
    section = page.locator("section[id^=connection-]")
    expect(section).to_have_count(1)
    expect(section).to_contain_text(LABEL[name])
    expect(section).to_contain_text("Connected")
    assert server.requests_to("/token", "POST")
    assert page.js_errors == []


def test_cancelling_on_the_consent_page_connects_nothing(page, live_app, provider):
    name, _ = provider
    sign_up(page, live_app)
    page.goto(f"{live_app.url}/app/calendars")
    page.get_by_role("link", name=f"Connect {LABEL[name]}").click()
    page.get_by_role("button", name="Cancel").click()

    page.wait_for_url(f"{live_app.url}/app/calendars**")
    expect(page.locator(".flash")).to_contain_text("access was not granted")
    expect(page.locator("section[id^=connection-]")).to_have_count(0)
