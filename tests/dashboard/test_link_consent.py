"""L9's one switch: "Customise for this link" decides which GDPR settings are in force, and
what the host saved is what the widget asks (``GET /api/v1/public/links/<slug>``)."""

from __future__ import annotations

import html

import pytest

from tests.dashboard.conftest import text

pytestmark = pytest.mark.db

OWN = {
    "enabled": "on",
    "mode": "consent",
    "subscription_types": "Newsletter",
    "processing_text": "I agree to the processing of my data.",
    "privacy_text": "Link privacy",
}


def public_consent(client, link):
    response = client.get(f"/api/v1/public/links/{link['slug']}")
    assert response.status_code == 200
    return response.json["consent"]


def gdpr_url(link) -> str:
    return f"/app/links/{link['id']}/edit/gdpr"


def test_consent_switched_on_for_a_customised_link_is_what_the_widget_asks(
    signed_in, client, make_link
):
    link = make_link()
    saved = signed_in.post(gdpr_url(link), {**OWN, "customized": "on"})
    assert saved.status_code == 302
    assert "Saved." in text(signed_in.get(gdpr_url(link)))
    consent = public_consent(client, link)
    assert (consent["enabled"], consent["mode"], consent["privacy_text"]) == (
        True,
        "consent",
        "Link privacy",
    )


def test_consent_switched_on_without_customising_is_refused_and_nothing_changes(
    signed_in, client, make_link
):
    link = make_link()
    response = signed_in.post(gdpr_url(link), OWN)
    assert response.status_code == 422
    page = html.unescape(text(response))
    assert "Tick “Customise for this link” to use these settings" in page
    assert "Saved." not in page
    assert public_consent(client, link)["enabled"] is False


def test_following_the_defaults_without_posting_the_fields_keeps_the_links_own(
    signed_in, client, make_link
):
    """What the browser sends when the script has greyed out the link's own settings."""
    link = make_link()
    assert signed_in.post(gdpr_url(link), {**OWN, "customized": "on"}).status_code == 302
    assert signed_in.post(gdpr_url(link), {}).status_code == 302
    assert public_consent(client, link)["enabled"] is False
    assert signed_in.post(gdpr_url(link), {"customized": "on"}).status_code == 302
    consent = public_consent(client, link)
    assert (consent["enabled"], consent["privacy_text"]) == (True, "Link privacy")


def test_a_consent_sent_through_the_host_api_stays_the_links_own(
    signed_in, client, host, make_link
):
    link = make_link()
    patched = client.patch(
        f"/api/v1/links/{link['id']}",
        json={"consent": {"enabled": True, "privacy_text": "API privacy"}},
        headers=host.headers,
    )
    assert patched.status_code == 200, patched.json
    signed_in.post("/app/account/privacy", {"mode": "consent", "privacy_text": "Defaults"})
    consent = public_consent(client, link)
    assert (consent["enabled"], consent["privacy_text"]) == (True, "API privacy")


def test_a_consent_sent_through_the_host_api_as_not_customised_follows_the_defaults(
    signed_in, client, host, make_link
):
    link = make_link()
    patched = client.patch(
        f"/api/v1/links/{link['id']}",
        json={"consent": {"enabled": True, "privacy_text": "API privacy", "customized": False}},
        headers=host.headers,
    )
    assert patched.status_code == 200, patched.json
    assert public_consent(client, link)["enabled"] is False
