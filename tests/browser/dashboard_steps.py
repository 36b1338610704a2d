"""Steps a host takes in the dashboard, shared by the dashboard's browser tests."""

from __future__ import annotations

import itertools
from typing import Any

PASSWORD = "dashboard-browser-tests"
_numbers = itertools.count(1)


def sign_up(page: Any, live_app: Any, name: str = "Grace Hopper") -> str:
    """A new account through the sign-up form and the link it emails; returns its email.
    Each test gets its own account, so branding or links made in one never show in another's
    widget."""
    from tests.dashboard.conftest import emailed_link

    email = f"host{next(_numbers)}-{name.split()[0].lower()}@example.com"
    page.goto(f"{live_app.url}/app/signup")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Your time zone").select_option("Europe/Paris")
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("Check your inbox").wait_for()
    page.goto(live_app.url + emailed_link(live_app.app, email, "signup_link"))
    page.wait_for_url("**/app/links")
    return email


def share_url(page: Any, title: str) -> str:
    """The share link shown for the link called ``title`` on the meetings list."""
    row = page.locator(".link-row", has=page.get_by_role("link", name=title, exact=True))
    return row.locator(".copy-field input").input_value()
