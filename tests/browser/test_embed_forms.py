"""The three ways to embed (SPEC §7 E4), all from the one loader and without an iframe: a popup
opened by any ``[data-rendezvous-popup]`` element, a floating badge from the loader's script
tag, and the JS API (``Rendezvous.inline/popup/close``). The example pages are
``snippets/examples/popup.html``, ``badge.html`` and ``api.html``, served from another origin
than the app's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.widget_focus import focused, tab_until
from tests.browser.widget_steps import (
    RECORD_EVENTS,
    book,
    events,
    pick_first_time,
    record_events,
    wait_ready,
)

#: how long an expectation waits: the widget's first load, on a busy machine
WAIT = 15_000
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

RECORD_POPUP = """
window.__popup = [];
for (const name of ['rendezvous:popup-opened', 'rendezvous:popup-closed', 'rendezvous:loaded']) {
  document.addEventListener(name, (e) => window.__popup.push({name: e.type, detail: e.detail}));
}
"""

#: whether the popup's dialog is open as a modal (the page behind it inert)
MODAL = """() => {
  const host = document.querySelector('rendezvous-popup');
  const dialog = host && host.shadowRoot.querySelector('dialog');
  return !!dialog && dialog.open && dialog.matches(':modal');
}"""

#: whether the focus is inside the popup (through its shadow root)
FOCUS_IN_POPUP = """() => {
  const host = document.querySelector('rendezvous-popup');
  return document.activeElement === host && host.shadowRoot.activeElement !== null
    && host.shadowRoot.querySelector('dialog').contains(host.shadowRoot.activeElement);
}"""


def _record(page: Any) -> None:
    record_events(page)
    page.add_init_script(RECORD_POPUP)


def _popup_events(page: Any, name: str) -> list[dict[str, Any]]:
    return page.evaluate(f"window.__popup.filter(e => e.name === 'rendezvous:{name}')")


def _loaded(page: Any) -> None:
    """The loader's API is there (polled with evaluate: a wait_for_function predicate would
    need eval, which some of these pages forbid)."""
    for _ in range(150):
        if page.evaluate("!!(window.Rendezvous && window.Rendezvous.popup)"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the loader never defined window.Rendezvous")


def _open_popup_page(page: Any, examples_origin: str, link: dict[str, Any]) -> None:
    _record(page)
    page.goto(f"{examples_origin}/popup.html?slug={link['slug']}")
    _loaded(page)


def _wait_open(page: Any) -> None:
    page.wait_for_function(MODAL, timeout=WAIT)


def _wait_closed(page: Any) -> None:
    page.wait_for_function(f"!({MODAL})()", timeout=WAIT)


def _popup(page: Any) -> Any:
    return page.locator("rendezvous-popup")


# -- popup ------------------------------------------------------------------------------------


def test_a_click_on_a_trigger_opens_the_widget_in_a_modal_dialog_of_its_own_shadow_root(
    page, examples_origin, make_live_link, live_app
):
    link = make_live_link(title="Demo call")
    _open_popup_page(page, examples_origin, link)
    page.click("#book")
    _wait_open(page)
    wait_ready(page)
    popup = _popup(page)
    expect(popup.locator(".rdv-title")).to_have_text("Demo call", timeout=WAIT)
    expect(page.get_by_role("dialog", name="Demo call")).to_be_visible(timeout=WAIT)
    # the widget lives in the popup's shadow root, not in the page's DOM
    assert page.evaluate("document.querySelectorAll('.rdv-root, dialog').length") == 0
    # the page's `dialog { background: red !important }` does not reach it
    background = page.evaluate(
        "getComputedStyle(document.querySelector('rendezvous-popup').shadowRoot"
        ".querySelector('dialog')).backgroundColor"
    )
    assert background == "rgba(0, 0, 0, 0)"
    opened = _popup_events(page, "popup-opened")
    assert [e["detail"] for e in opened] == [{"url": f"{live_app.url}/meetings/{link['slug']}"}]
    assert page.js_errors == []


def test_keyboard_alone_opens_the_popup_keeps_tab_inside_and_escape_returns_focus(
    page, examples_origin, make_live_link
):
    link = make_live_link()
    _open_popup_page(page, examples_origin, link)
    tab_until(page, lambda f: f["text"] == "Book a demo")
    page.keyboard.press("Enter")
    _wait_open(page)
    wait_ready(page)
    assert focused(page)["label"] == "Close"  # the dialog starts at its close button
    on_close = 0
    for _ in range(40):  # round the dialog's controls, both ways, never out to the page
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_IN_POPUP), focused(page)
        on_close += focused(page)["label"] == "Close"
    assert on_close >= 2  # it went round, back to the first control
    for _ in range(10):
        page.keyboard.press("Shift+Tab")
        assert page.evaluate(FOCUS_IN_POPUP), focused(page)
    page.keyboard.press("Escape")
    _wait_closed(page)
    assert page.evaluate("document.activeElement.id") == "book"


def test_an_element_that_is_not_a_button_opens_the_popup_with_enter_or_space(
    page, examples_origin, make_live_link
):
    link = make_live_link()
    _open_popup_page(page, examples_origin, link)
    span = page.locator("#book-span")
    assert (span.get_attribute("role"), span.get_attribute("tabindex")) == ("button", "0")
    tab_until(page, lambda f: f["text"] == "Or have us call you")
    page.keyboard.press("Space")
    _wait_open(page)
    page.keyboard.press("Escape")
    _wait_closed(page)
    assert page.evaluate("document.activeElement.id") == "book-span"
    page.keyboard.press("Enter")
    _wait_open(page)


def test_the_trigger_data_attributes_prefill_the_form(page, examples_origin, make_live_link):
    link = make_live_link()
    _open_popup_page(page, examples_origin, link)
    page.click("#book-span")
    wait_ready(page)
    popup = _popup(page)
    pick_first_time(popup)
    expect(popup.get_by_label("First name")).to_have_value("Grace", timeout=WAIT)
    expect(popup.get_by_label("Last name")).to_have_value("Hopper", timeout=WAIT)
    expect(popup.get_by_label("Email")).to_have_value("grace@example.com", timeout=WAIT)


def test_the_close_button_closes_the_popup_and_returns_focus(
    page, examples_origin, make_live_link, live_app
):
    link = make_live_link()
    _open_popup_page(page, examples_origin, link)
    page.click("#book")
    _wait_open(page)
    page.get_by_role("dialog").get_by_role("button", name="Close", exact=True).click()
    _wait_closed(page)
    assert page.evaluate("document.activeElement.id") == "book"
    page.wait_for_function("window.__popup.some(e => e.name === 'rendezvous:popup-closed')")
    closed = _popup_events(page, "popup-closed")
    assert [e["detail"] for e in closed] == [{"url": f"{live_app.url}/meetings/{link['slug']}"}]


def test_a_click_outside_the_dialog_closes_it_and_one_inside_does_not(
    page, examples_origin, make_live_link
):
    link = make_live_link()
    _open_popup_page(page, examples_origin, link)
    page.click("#book")
    wait_ready(page)
    _popup(page).locator(".rdv-title").click()
    assert page.evaluate(MODAL)
    page.mouse.click(8, 8)  # the backdrop
    _wait_closed(page)


def test_the_page_does_not_scroll_behind_the_popup_and_keeps_its_own_overflow_after(
    page, examples_origin, make_live_link
):
    link = make_live_link()
    _open_popup_page(page, examples_origin, link)
    page.evaluate("window.scrollTo(0, 120)")
    page.click("#book")
    _wait_open(page)
    assert page.evaluate("getComputedStyle(document.body).overflowY") == "hidden"
    page.mouse.wheel(0, 600)
    page.wait_for_timeout(300)
    assert page.evaluate("window.scrollY") == 120
    page.keyboard.press("Escape")
    _wait_closed(page)
    assert page.evaluate("document.body.getAttribute('style')") == "overflow: auto;"
    assert page.evaluate("document.documentElement.hasAttribute('style')") is False
    assert page.evaluate("window.scrollY") == 120


def test_reopening_shows_the_same_widget_where_the_visitor_left_it(
    page, examples_origin, make_live_link
):
    link = make_live_link()
    _open_popup_page(page, examples_origin, link)
    page.click("#book")
    wait_ready(page)
    popup = _popup(page)
    label = pick_first_time(popup)
    page.keyboard.press("Escape")
    _wait_closed(page)
    page.click("#book")
    _wait_open(page)
    assert label in popup.locator(".rdv-summary").inner_text()
    assert popup.locator(".rdv-popup-body > .rdv-root").count() == 1
    assert len(events(page, "ready")) == 1


def test_another_trigger_remounts_the_popup_with_its_own_options(
    page, examples_origin, make_live_link
):
    link = make_live_link()
    _open_popup_page(page, examples_origin, link)
    page.click("#book")
    wait_ready(page)
    page.keyboard.press("Escape")
    _wait_closed(page)
    page.click("#book-span")  # the same link, with a prefill: a new widget
    wait_ready(page, 2)
    popup = _popup(page)
    assert popup.locator(".rdv-popup-body > .rdv-root").count() == 1
    pick_first_time(popup)
    expect(popup.get_by_label("First name")).to_have_value("Grace", timeout=WAIT)


def test_a_trigger_added_after_load_opens_the_popup(page, examples_origin, make_live_link):
    link = make_live_link()
    _open_popup_page(page, examples_origin, link)
    page.click("#add")
    page.click("#book-late")  # a link: the popup, not the hosted page
    _wait_open(page)
    wait_ready(page)
    assert page.url.startswith(examples_origin)


def test_booking_inside_the_popup_fires_the_events_on_document(
    page, examples_origin, make_live_link, live_app, live_host
):
    link = make_live_link()
    _open_popup_page(page, examples_origin, link)
    page.click("#book")
    wait_ready(page)
    book(_popup(page), email="popup@example.com")
    booked = live_app.api("GET", f"/api/v1/bookings?link_id={link['id']}", live_host["token"]).json[
        "items"
    ]
    assert [b["contact"]["email"] for b in booked] == ["popup@example.com"]
    fired = events(page, "booked")
    assert [e["detail"]["id"] for e in fired] == [booked[0]["id"]]
    assert fired[0]["target"] == "rdv-popup-host"
    assert len(events(page, "day-chosen")) == 1
    assert len(events(page, "time-chosen")) == 1
    assert page.js_errors == []


@pytest.mark.parametrize(
    "context_options",
    [
        {
            "viewport": {"width": 320, "height": 640},
            "locale": "en-US",
            "timezone_id": "Europe/Paris",
            "has_touch": True,
        }
    ],
)
def test_the_popup_fills_a_320_px_screen_and_books(
    page, examples_origin, make_live_link, context_options
):
    link = make_live_link()
    _open_popup_page(page, examples_origin, link)
    page.click("#book")
    wait_ready(page)
    box = page.get_by_role("dialog").bounding_box()
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 320, 640)
    widths = page.evaluate(
        "(() => { const d = document.querySelector('rendezvous-popup').shadowRoot"
        ".querySelector('dialog'); return [d.scrollWidth, d.clientWidth]; })()"
    )
    assert widths[0] <= widths[1]  # nothing wider than the screen
    expect(
        page.get_by_role("dialog").get_by_role("button", name="Close", exact=True)
    ).to_be_in_viewport(timeout=WAIT)
    book(_popup(page), email="phone@example.com")
    assert len(events(page, "booked")) == 1


def test_without_eval_the_popup_opens_the_hosted_page_in_a_new_tab(
    page, examples_origin, make_live_link, live_app
):
    link = make_live_link()
    url = f"{live_app.url}/meetings/{link['slug']}"
    page.goto(f"{examples_origin}/blank.html")
    page.set_content(
        "<!doctype html><html><head><meta http-equiv='Content-Security-Policy' content=\""
        f'script-src {live_app.url}; style-src {live_app.url}; connect-src {live_app.url}">'
        f"</head><body><button id='book' data-rendezvous-popup='{url}'>Book</button>"
        f"<script src='{live_app.url}/embed/v1/embed.js'></script></body></html>"
    )
    _loaded(page)
    with page.context.expect_page() as opened:
        page.click("#book")
    assert opened.value.url == url
    assert page.evaluate("!!document.querySelector('rendezvous-popup')") is False


# -- badge ------------------------------------------------------------------------------------


def _badge(page: Any) -> Any:
    return page.locator("rendezvous-badge").get_by_role("button")


def _style(page: Any, prop: str) -> str:
    return page.evaluate(
        "(p) => getComputedStyle(document.querySelector('rendezvous-badge').shadowRoot"
        ".querySelector('button'))[p]",
        prop,
    )


def test_the_badge_has_the_text_and_colours_given_and_opens_the_popup(
    page, examples_origin, make_live_link
):
    link = make_live_link(title="Badge call")
    _record(page)
    page.goto(f"{examples_origin}/badge.html?slug={link['slug']}&text=Talk+to+us&color=%230b7a4b")
    badge = _badge(page)
    expect(badge).to_have_text("Talk to us", timeout=WAIT)
    expect(badge).to_be_visible(timeout=WAIT)
    assert _style(page, "backgroundColor") == "rgb(11, 122, 75)"
    assert _style(page, "color") == "rgb(255, 255, 255)"
    assert _style(page, "position") == "fixed"
    box = badge.bounding_box()
    assert box["x"] + box["width"] > 1024 - 40 and box["y"] + box["height"] > 800 - 40
    badge.click()
    _wait_open(page)
    wait_ready(page)
    expect(_popup(page).locator(".rdv-title")).to_have_text("Badge call", timeout=WAIT)
    page.keyboard.press("Escape")
    _wait_closed(page)
    assert (
        page.evaluate(
            "document.querySelector('rendezvous-badge').shadowRoot.activeElement.className"
        )
        == "rdv-badge"
    )


def test_the_badge_defaults_to_book_a_meeting_in_the_default_blue(
    page, examples_origin, make_live_link
):
    link = make_live_link()
    page.goto(f"{examples_origin}/badge.html?slug={link['slug']}")
    expect(_badge(page)).to_have_text("Book a meeting", timeout=WAIT)
    assert _style(page, "backgroundColor") == "rgb(47, 111, 237)"
    assert _style(page, "color") == "rgb(255, 255, 255)"


def test_on_a_light_badge_colour_the_text_is_near_black(page, examples_origin, make_live_link):
    link = make_live_link()
    page.goto(f"{examples_origin}/badge.html?slug={link['slug']}&color=%23ffd400")
    expect(_badge(page)).to_be_visible(timeout=WAIT)
    assert _style(page, "color") == "rgb(31, 35, 40)"
    page.goto(f"{examples_origin}/badge.html?slug={link['slug']}&color=gold&text_color=%23000")
    expect(_badge(page)).to_be_visible(timeout=WAIT)
    assert (_style(page, "backgroundColor"), _style(page, "color")) == (
        "rgb(255, 215, 0)",
        "rgb(0, 0, 0)",
    )


def test_the_badge_is_reached_with_tab_shows_its_focus_and_opens_with_enter(
    page, examples_origin, make_live_link
):
    link = make_live_link()
    page.goto(f"{examples_origin}/badge.html?slug={link['slug']}")
    expect(_badge(page)).to_be_visible(timeout=WAIT)
    tab_until(page, lambda f: f["cls"] == "rdv-badge")
    assert _style(page, "outlineStyle") == "solid"
    assert _style(page, "outlineWidth") == "3px"
    page.keyboard.press("Enter")
    _wait_open(page)


# -- JS API -----------------------------------------------------------------------------------


def test_the_api_mounts_inline_in_the_given_element_with_the_prefill(
    page, examples_origin, make_live_link
):
    link = make_live_link()
    _record(page)
    page.goto(f"{examples_origin}/api.html?slug={link['slug']}")
    page.click("#show")
    wait_ready(page)
    assert page.evaluate("!!document.querySelector('#booking').shadowRoot")
    assert events(page, "ready")[0]["target"] == "booking"
    scope = page.locator("#booking")
    pick_first_time(scope)
    expect(scope.get_by_label("First name")).to_have_value("Ada", timeout=WAIT)
    expect(scope.get_by_label("Last name")).to_have_value("Lovelace", timeout=WAIT)
    expect(scope.get_by_label("Email")).to_have_value("ada@example.com", timeout=WAIT)


def test_the_api_popup_sends_its_utm_and_close_closes_it(
    page, examples_origin, make_live_link, live_app, live_host
):
    link = make_live_link()
    _record(page)
    page.goto(f"{examples_origin}/api.html?slug={link['slug']}&utm_source=page&utm_medium=mail")
    page.click("#open")
    _wait_open(page)
    wait_ready(page)
    book(_popup(page))
    booked = live_app.api("GET", f"/api/v1/bookings?link_id={link['id']}", live_host["token"]).json[
        "items"
    ]
    assert booked[0]["utm"] == {"utm_source": "api-example", "utm_medium": "mail"}
    page.evaluate("Rendezvous.close()")
    _wait_closed(page)
    assert page.evaluate("document.activeElement.id") == "open"


def test_the_loader_says_when_the_api_is_there(page, examples_origin, make_live_link):
    link = make_live_link()
    _record(page)
    page.goto(f"{examples_origin}/api.html?slug={link['slug']}")
    page.wait_for_function("window.__popup.some(e => e.name === 'rendezvous:loaded')")
    api = page.evaluate("Object.keys(window.Rendezvous).sort()")
    assert api == ["close", "inline", "mount", "popup", "version"]


# -- accessibility ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "context_options",
    [
        {
            "viewport": {"width": 1024, "height": 800},
            "locale": "en-US",
            "timezone_id": "Europe/Paris",
            "bypass_csp": True,
        }
    ],
)
def test_the_open_popup_has_no_axe_violations(
    page, examples_origin, make_live_link, context_options
):
    if not AXE.is_file():
        pytest.fail("node_modules/axe-core is missing: run `npm ci` (make test does)", False)
    link = make_live_link(durations=[30, 60])
    _open_popup_page(page, examples_origin, link)
    page.click("#book")
    wait_ready(page)
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document)).violations")
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in found] == []
    _popup(page).locator(".rdv-day.rdv-open").first.click()
    _popup(page).locator(".rdv-slot").first.wait_for()
    found = page.evaluate("async () => (await axe.run(document)).violations")
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in found] == []


def test_the_policy_the_dashboard_gives_runs_all_three_forms_without_a_violation(
    page, examples_origin, make_live_link, live_app
):
    from server.dashboard.links import embed_csp

    link = make_live_link()
    url = f"{live_app.url}/meetings/{link['slug']}"
    given = embed_csp(live_app.url, live_app.url)
    # with default-src 'none', whatever the widget needs beyond the given list is refused
    policy = "default-src 'none'; " + "; ".join(
        f"{name} {value} 'nonce-recorders'" if name == "script-src" else f"{name} {value}"
        for name, value in given
    )
    # the recorders run in the page itself (set_content's document.open drops any listener
    # added before), allowed by a nonce: the policy is otherwise the dashboard's, as given
    recorders = (
        RECORD_EVENTS
        + RECORD_POPUP
        + (
            "window.__violations = []; document.addEventListener('securitypolicyviolation',"
            " e => window.__violations.push([e.effectiveDirective, e.blockedURI]));"
        )
    )
    page.goto(f"{examples_origin}/blank.html")
    page.set_content(
        f"<!doctype html><html><head><meta http-equiv='Content-Security-Policy'"
        f' content="{policy}">'
        "<link rel='icon' href='data:,'>"
        f"<script nonce='recorders'>{recorders}</script></head><body><main>"
        f"<div class='rendezvous-embed' id='inline' data-src='{url}'></div>"
        f"<button id='book' data-rendezvous-popup='{url}'>Book</button></main>"
        f"<script src='{live_app.url}/embed/v1/embed.js' data-rendezvous-badge='{url}'"
        " data-badge-color='#0b7a4b'></script></body></html>"
    )
    wait_ready(page)
    expect(_badge(page)).to_be_visible(timeout=WAIT)
    assert _style(page, "backgroundColor") == "rgb(11, 122, 75)"
    page.click("#book")
    wait_ready(page, 2)
    expect(_popup(page).locator(".rdv-day.rdv-open").first).to_be_visible(timeout=WAIT)
    assert page.evaluate("window.__violations") == []
    assert page.locator("a.rdv-fallback").count() == 0
