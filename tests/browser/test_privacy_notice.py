"""The GDPR step in a browser (L9): the one "Customise" switch, and a privacy notice whose
links and emphasis show as real links in the editor's preview and in the widget."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.dashboard_steps import sign_up
from tests.browser.widget_steps import pick_first_time, record_events, wait_ready

NOTICE = "Read [our policy](https://example.com/privacy), *emphasis* included."
HOSTILE = " <script>window.__pwned = 1</script> [click](javascript:window.__pwned=2)"


def _gdpr_step(page, app_url: str) -> None:
    """The GDPR step of the new account's first preset link."""
    page.goto(f"{app_url}/app/links")
    page.locator(".link-row h2 a").first.click()
    page.get_by_role("link", name="Privacy & consent").click()
    page.wait_for_url("**/edit/gdpr")


def test_the_link_settings_are_greyed_out_until_customise_is_ticked(page, live_app):
    sign_up(page, live_app, name="Mary Jackson")
    _gdpr_step(page, live_app.url)
    ask = page.get_by_label("Ask for consent / show the privacy notice")
    expect(ask).to_be_disabled()
    page.get_by_label("Customise for this link").check()
    expect(ask).to_be_enabled()
    ask.check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("Saved. This link uses its own settings")
    expect(page.get_by_label("Ask for consent / show the privacy notice")).to_be_checked()
    page.get_by_label("Customise for this link").uncheck()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("Saved. This link follows the account defaults")
    expect(page.get_by_label("Ask for consent / show the privacy notice")).to_be_checked()
    expect(page.get_by_label("Ask for consent / show the privacy notice")).to_be_disabled()
    assert page.js_errors == []


def test_the_editor_preview_shows_the_notices_link_while_typing(page, live_app):
    sign_up(page, live_app, name="Dorothy Vaughan")
    _gdpr_step(page, live_app.url)
    page.get_by_label("Customise for this link").check()
    page.get_by_label("Privacy text").fill(NOTICE + HOSTILE)
    preview = page.locator("#privacy-preview")
    link = preview.get_by_role("link", name="our policy")
    expect(link).to_have_attribute("href", "https://example.com/privacy")
    expect(preview.locator("em")).to_have_text("emphasis")
    expect(preview).to_contain_text("[click](javascript:window.__pwned=2)")
    assert preview.locator("a").count() == 1
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("Saved.")
    expect(page.locator("#privacy-preview").get_by_role("link", name="our policy")).to_be_visible()
    assert page.evaluate("window.__pwned") is None
    assert page.js_errors == []


def test_the_widget_shows_the_notice_with_a_real_link_and_nothing_that_runs(
    page, live_app, make_live_link
):
    link = make_live_link(
        consent={"enabled": True, "mode": "consent", "privacy_text": NOTICE + HOSTILE}
    )
    record_events(page)
    page.goto(f"{live_app.url}/meetings/{link['slug']}")  # the hosted page
    wait_ready(page)
    scope = page.locator(".rendezvous-embed")
    pick_first_time(scope)
    notice = scope.locator(".rdv-consent .rdv-note")
    policy = notice.get_by_role("link", name="our policy")
    expect(policy).to_have_attribute("href", "https://example.com/privacy")
    expect(policy).to_have_attribute("target", "_blank")
    expect(policy).to_have_attribute("rel", "noopener noreferrer")
    expect(notice.locator("em")).to_have_text("emphasis")
    expect(notice).to_contain_text("<script>window.__pwned = 1</script>")
    assert notice.locator("a").count() == 1
    assert notice.locator("script").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert page.js_errors == []
