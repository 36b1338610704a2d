"""The widget's dark theme, forced themes and borderless mode (issue 13).

Dark follows the visitor's ``prefers-color-scheme`` unless the placeholder says
``data-theme="light"``; ``data-theme="dark"`` forces it. axe-core checks the dark screens as
test_accessibility.py checks the light ones. Host pages with attributes are
snippets/examples/themes.html, which copies ``?theme=`` and ``&borderless`` onto its placeholder.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.widget_steps import (
    axe_violations,
    book_through_api,
    fill_details,
    pick_first_time,
    record_events,
    wait_ready,
)

WHITE = "rgb(255, 255, 255)"
DARK = "rgb(22, 27, 34)"  # widget.css's dark --rdv-bg
TRANSPARENT = "rgba(0, 0, 0, 0)"


@pytest.fixture
def context_options():
    # axe is injected as an inline script, which the hosted page's own CSP would refuse.
    return {
        "viewport": {"width": 1024, "height": 800},
        "locale": "en-US",
        "timezone_id": "Europe/Paris",
        "bypass_csp": True,
    }


@pytest.fixture(scope="module")
def branded_host(live_app) -> dict[str, Any]:
    """A second account, whose accent colour each test may set: the shared host's stays."""
    from server.accounts.signup import sign_up
    from server.db import get_session

    with live_app.app.app_context():
        session = get_session()
        sign_up(
            session,
            email="brand@example.com",
            password="browser-tests",
            name="Bea Brand",
            timezone="Europe/Paris",
            with_preset_links=False,
        )
        session.commit()
    token = live_app.api(
        "POST",
        "/api/v1/auth/tokens",
        json={"email": "brand@example.com", "password": "browser-tests"},
    ).json["token"]
    return {"token": token}


@pytest.fixture
def link_in(live_app, branded_host) -> Callable[[str], dict[str, Any]]:
    """``link_in(accent)``: a bookable link of the branded account, its accent set to ``accent``."""

    def make(accent: str) -> dict[str, Any]:
        token = branded_host["token"]
        changed = live_app.api("PATCH", "/api/v1/account", token, json={"accent_color": accent})
        assert changed.status_code == 200, changed.json
        body = {
            "name": f"Branded meeting {accent}",
            "title": "Intro call",
            "durations": [30],
            "timezone": "Europe/Paris",
            "minimum_notice_minutes": 0,
            "availability": {
                d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            },
        }
        created = live_app.api("POST", "/api/v1/links", token, json=body)
        assert created.status_code == 201, created.json
        return created.json

    return make


def _open(page, url: str, scheme: str) -> Any:
    """The page under the visitor's ``scheme`` preference, once its widget is ready."""
    page.emulate_media(color_scheme=scheme)
    record_events(page)
    page.goto(url)
    wait_ready(page)
    return page.locator(".rendezvous-embed")


def _root_style(widget, prop: str) -> str:
    return widget.locator(".rdv-root").evaluate(f"el => getComputedStyle(el)['{prop}']")


def _show_times(widget) -> None:
    widget.locator(".rdv-day.rdv-open").first.click()
    widget.locator(".rdv-slot").first.wait_for()


# -- dark mode reads: axe-core on each screen ----------------------------------------------------


def test_dark_calendar_with_times_has_no_axe_violations(page, examples_origin, make_live_link):
    link = make_live_link(durations=[30, 60])
    widget = _open(page, f"{examples_origin}/plain.html?slug={link['slug']}", "dark")
    assert _root_style(widget, "backgroundColor") == DARK
    _show_times(widget)
    assert axe_violations(page) == []


def test_dark_form_has_no_axe_violations(page, examples_origin, make_live_link):
    link = make_live_link()
    widget = _open(page, f"{examples_origin}/plain.html?slug={link['slug']}", "dark")
    pick_first_time(widget)
    widget.get_by_label("Email").wait_for()
    assert axe_violations(page) == []


def test_dark_form_errors_have_no_axe_violations(page, examples_origin, make_live_link):
    link = make_live_link()
    widget = _open(page, f"{examples_origin}/plain.html?slug={link['slug']}", "dark")
    pick_first_time(widget)
    widget.get_by_role("button", name="Confirm booking").click()
    widget.locator(".rdv-err:not(:empty)").first.wait_for()
    assert axe_violations(page) == []


def test_dark_confirmation_has_no_axe_violations(page, examples_origin, make_live_link):
    link = make_live_link()
    widget = _open(page, f"{examples_origin}/plain.html?slug={link['slug']}", "dark")
    pick_first_time(widget)
    fill_details(widget)
    widget.get_by_role("button", name="Confirm booking").click()
    widget.locator(".rdv-ok").wait_for(timeout=15_000)
    assert axe_violations(page) == []


def test_dark_manage_cancel_step_has_no_axe_violations(page, live_app, make_live_link):
    booking = book_through_api(live_app, make_live_link())
    page.emulate_media(color_scheme="dark")
    page.goto(f"{live_app.url}/meetings/manage/{booking['manage_token']}?action=cancel")
    widget = page.locator(".rendezvous-embed")
    widget.get_by_role("button", name="Yes, cancel it").wait_for(timeout=20_000)
    assert axe_violations(page) == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("accent", ["#1b1f5e", "#ffd60a", "#7a7a7a"])
def test_any_accent_reads_on_the_calendar_and_times(page, examples_origin, link_in, accent, scheme):
    # navy is too dark for the dark card, yellow too pale for the white one, and no text
    # reads on this grey by 4.5:1 as it is
    link = link_in(accent)
    widget = _open(page, f"{examples_origin}/plain.html?slug={link['slug']}", scheme)
    _show_times(widget)
    assert axe_violations(page) == []


# -- data-theme ----------------------------------------------------------------------------------


def test_a_dark_preference_darkens_the_widget(page, examples_origin, make_live_link):
    link = make_live_link()
    widget = _open(page, f"{examples_origin}/themes.html?slug={link['slug']}", "dark")
    assert _root_style(widget, "backgroundColor") == DARK


def test_data_theme_dark_forces_dark_under_a_light_preference(
    page, examples_origin, make_live_link
):
    link = make_live_link()
    widget = _open(page, f"{examples_origin}/themes.html?slug={link['slug']}&theme=dark", "light")
    assert _root_style(widget, "backgroundColor") == DARK


def test_data_theme_light_keeps_light_under_a_dark_preference(
    page, examples_origin, make_live_link
):
    link = make_live_link()
    widget = _open(page, f"{examples_origin}/themes.html?slug={link['slug']}&theme=light", "dark")
    assert _root_style(widget, "backgroundColor") == WHITE


def test_the_chosen_day_takes_the_dark_accent_in_dark(page, examples_origin, link_in):
    link = link_in("#1b1f5e")
    widget = _open(page, f"{examples_origin}/themes.html?slug={link['slug']}&theme=dark", "light")
    _show_times(widget)
    chosen = widget.locator('.rdv-day[aria-selected="true"]')
    # palette.variables("#1b1f5e"): the navy, lightened until it stands out from the dark card
    assert chosen.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(105, 108, 149)"


# -- data-borderless -----------------------------------------------------------------------------


def test_borderless_drops_the_card_frame(page, examples_origin, make_live_link):
    link = make_live_link()
    widget = _open(page, f"{examples_origin}/themes.html?slug={link['slug']}&borderless", "light")
    frame = [
        _root_style(widget, p)
        for p in ("borderTopWidth", "borderTopLeftRadius", "boxShadow", "backgroundColor")
    ]
    assert frame == ["0px", "0px", "none", TRANSPARENT]


def test_borderless_takes_the_pages_font_family(page, examples_origin, make_live_link):
    link = make_live_link()
    widget = _open(page, f"{examples_origin}/themes.html?slug={link['slug']}&borderless", "light")
    page_font = widget.evaluate("el => getComputedStyle(el).fontFamily")
    assert page_font.startswith("Georgia")
    assert _root_style(widget, "fontFamily") == page_font


def test_the_card_keeps_its_frame_and_font_without_borderless(
    page, examples_origin, make_live_link
):
    link = make_live_link()
    widget = _open(page, f"{examples_origin}/themes.html?slug={link['slug']}", "light")
    assert _root_style(widget, "borderTopWidth") == "1px"
    assert _root_style(widget, "backgroundColor") == WHITE
    assert _root_style(widget, "fontFamily").startswith("system-ui")
