"""Branding set in the dashboard shows at once in the widget (issue 5, P3)."""

from __future__ import annotations

from io import BytesIO

from PIL import Image
from playwright.sync_api import expect

from tests.browser.dashboard_steps import share_url, sign_up
from tests.browser.widget_steps import record_events, wait_ready


def _logo() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (120, 40), "#7b2cbf").save(buffer, "PNG")
    return buffer.getvalue()


def test_logo_and_accent_colour_show_in_the_widget(page, live_app):
    sign_up(page, live_app, name="Ada Lovelace")
    page.goto(f"{live_app.url}/app/account/branding")
    page.get_by_label("Logo").set_input_files(
        {"name": "logo.svg", "mimeType": "image/svg+xml", "buffer": b"<svg onload='x()'/>"}
    )
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field-errors")).to_contain_text("SVG is not accepted")
    page.get_by_label("Logo").set_input_files(
        {"name": "logo.png", "mimeType": "image/png", "buffer": _logo()}
    )
    page.get_by_label("Accent colour").fill("#7b2cbf")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_contain_text("Booking pages and widgets show it")
    logo_url = page.get_by_role("img", name="Current logo").get_attribute("src")
    assert logo_url.startswith(f"{live_app.url}/uploads/")

    page.goto(f"{live_app.url}/app/links")
    record_events(page)
    page.goto(share_url(page, "30 minute meeting"))
    wait_ready(page)
    widget = page.locator(".rendezvous-embed")
    logo = widget.locator("img.rdv-logo")
    assert logo.get_attribute("src") == logo_url
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 120
    accent = widget.locator(".rdv-root").evaluate(
        "el => getComputedStyle(el).getPropertyValue('--rdv-accent').trim()"
    )
    assert accent == "rgb(123,44,191)"
    widget.locator(".rdv-day.rdv-open").first.click()
    selected = widget.locator('.rdv-day[aria-selected="true"]')
    assert selected.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(123, 44, 191)"
    assert page.js_errors == []
