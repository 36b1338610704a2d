"""The embed dialog's code, copied, works on another site's page (issue 5, E2)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.dashboard_steps import sign_up


@pytest.fixture
def context_options():
    return {
        "viewport": {"width": 1024, "height": 800},
        "locale": "en-US",
        "timezone_id": "Europe/Paris",
        "permissions": ["clipboard-read", "clipboard-write"],
    }


def test_copy_the_embed_code_and_paste_it_into_a_page(page, live_app, examples_origin):
    sign_up(page, live_app, name="Hedy Lamarr")
    row = page.locator(".link-row", has=page.get_by_role("link", name="15 minute meeting"))
    row.get_by_role("link", name="Embed").click()
    dialog = page.get_by_role("dialog", name="Embed “15 minute meeting”")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Copy code").click()
    expect(dialog.get_by_role("button", name="Copied!")).to_be_visible()
    snippet = page.evaluate("navigator.clipboard.readText()")
    url = f"{live_app.url}/meetings/hedy-lamarr/15min"
    assert snippet == (
        f'<div class="rendezvous-embed" data-src="{url}"></div>\n'
        f'<script src="{live_app.url}/embed/v1/embed.js" async></script>'
    )
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()

    # pasted into a page of another site (a blank page of the examples' origin), it works
    page.goto(f"{examples_origin}/blank.html")
    page.set_content(f"<!doctype html><html><body><h1>Pasted</h1>{snippet}</body></html>")
    expect(page.locator(".rendezvous-embed .rdv-title")).to_have_text(
        "15 minute meeting", timeout=20_000
    )
    expect(page.locator(".rendezvous-embed .rdv-day.rdv-open").first).to_be_visible()
    assert page.js_errors == []


def test_copy_the_popup_code_from_the_embed_page_and_paste_it_into_a_page(
    page, live_app, examples_origin
):
    sign_up(page, live_app, name="Gladys West")
    row = page.locator(".link-row", has=page.get_by_role("link", name="15 minute meeting"))
    page.goto(live_app.url + row.get_by_role("link", name="Embed").get_attribute("href"))
    page.get_by_role("button", name="Copy popup code").click()
    expect(page.get_by_role("button", name="Copied!")).to_be_visible()
    snippet = page.evaluate("navigator.clipboard.readText()")
    assert 'data-rendezvous-popup="' in snippet and "/embed/v1/embed.js" in snippet

    page.goto(f"{examples_origin}/blank.html")
    page.set_content(f"<!doctype html><html><body><h1>Pasted</h1>{snippet}</body></html>")
    page.get_by_role("button", name="Book a meeting").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator(".rdv-title")).to_have_text("15 minute meeting", timeout=20_000)
    expect(dialog.locator(".rdv-day.rdv-open").first).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert page.js_errors == []


def test_the_embed_page_previews_the_popup_and_the_badge(page, live_app):
    sign_up(page, live_app, name="Dorothy Vaughan")
    row = page.locator(".link-row", has=page.get_by_role("link", name="30 minute meeting"))
    page.goto(live_app.url + row.get_by_role("link", name="Embed").get_attribute("href"))
    expect(page.locator(".preview-frame .rendezvous-embed .rdv-title")).to_have_text(
        "30 minute meeting", timeout=20_000
    )
    badge = page.locator("rendezvous-badge").get_by_role("button", name="Book a meeting")
    expect(badge).to_be_visible()
    page.locator(".preview-frame").get_by_role("button", name="Book a meeting").click()
    dialog = page.get_by_role("dialog", name="30 minute meeting")
    expect(dialog.locator(".rdv-title")).to_have_text("30 minute meeting")
    dialog.get_by_role("button", name="Close", exact=True).click()
    expect(dialog).to_be_hidden()
    badge.click()
    expect(dialog).to_be_visible()
    assert page.js_errors == []
