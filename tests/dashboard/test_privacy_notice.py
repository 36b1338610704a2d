"""The privacy notice's links and emphasis (L9): rendered once by the server, the same in the
editor's preview and in the public link config the widget and the hosted page show."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import text

pytestmark = pytest.mark.db

NOTICE = "Read [our policy](https://example.com/privacy), *emphasis* included."
POLICY_LINK = (
    '<a href="https://example.com/privacy" rel="noopener noreferrer" target="_blank">our policy</a>'
)
HOSTILE = "<script>alert(1)</script> [click](javascript:alert(2)) <img src=x onerror=alert(3)>"


def own_settings(privacy_text: str) -> dict[str, str]:
    return {
        "customized": "on",
        "enabled": "on",
        "mode": "consent",
        "subscription_types": "",
        "processing_text": "",
        "privacy_text": privacy_text,
    }


def preview(page: str) -> str:
    match = re.search(r'<div class="privacy-preview" id="privacy-preview">(.*?)</div>', page, re.S)
    assert match, "no preview on the page"
    return match.group(1)


def test_the_editor_preview_shows_the_notices_link_and_emphasis(signed_in, make_link):
    link = make_link()
    url = f"/app/links/{link['id']}/edit/gdpr"
    assert signed_in.post(url, own_settings(NOTICE)).status_code == 302
    shown = preview(text(signed_in.get(url)))
    assert POLICY_LINK in shown
    assert "<em>emphasis</em>" in shown


def test_the_public_link_config_carries_the_rendered_notice(signed_in, client, make_link):
    link = make_link()
    signed_in.post(f"/app/links/{link['id']}/edit/gdpr", own_settings(NOTICE))
    consent = client.get(f"/api/v1/public/links/{link['slug']}").json["consent"]
    assert consent["privacy_text"] == NOTICE
    assert consent["notice_html"] == (f"<p>Read {POLICY_LINK}, <em>emphasis</em> included.</p>")


def test_script_tags_and_javascript_links_in_the_notice_come_out_as_text(
    signed_in, client, make_link
):
    link = make_link()
    url = f"/app/links/{link['id']}/edit/gdpr"
    signed_in.post(url, own_settings(HOSTILE))
    public = client.get(f"/api/v1/public/links/{link['slug']}").json["consent"]["notice_html"]
    for shown in (public, preview(text(signed_in.get(url)))):
        assert "<script" not in shown and "<img" not in shown and "<a " not in shown
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
        assert "[click](javascript:alert(2))" in shown


def test_the_live_preview_renders_what_is_being_typed(signed_in, make_link):
    response = signed_in.post("/app/notice-preview", {"text": NOTICE})
    assert response.status_code == 200
    assert text(response) == f"<p>Read {POLICY_LINK}, <em>emphasis</em> included.</p>"
