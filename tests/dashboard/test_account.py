"""Preferences (P1), embed origins (P5), API tokens, meeting types."""

from __future__ import annotations

import html
import re

import pytest

from tests.dashboard.conftest import text

pytestmark = pytest.mark.db


def prefs(host, prefix):
    return {"name": "Alice Martin", "timezone": "Europe/Paris", "meetings_prefix": prefix}


def test_a_new_prefix_only_shapes_links_created_afterwards(
    signed_in, client, host, make_host, make_link
):
    old = make_link()
    other = make_host(name="Bob Stone")
    taken = signed_in.post("/app/preferences", prefs(host, other.prefix))
    assert taken.status_code == 422 and "Another host uses this prefix" in text(taken)
    reserved = signed_in.post("/app/preferences", prefs(host, "api"))
    assert reserved.status_code == 422 and "reserved" in text(reserved)
    bad = signed_in.post("/app/preferences", prefs(host, "Not OK!"))
    assert bad.status_code == 422
    saved = signed_in.post("/app/preferences", prefs(host, "alice"))
    assert saved.status_code == 302
    assert "existing links keep their URL" in text(signed_in.get("/app/preferences"))
    assert (
        client.get(f"/api/v1/links/{old['id']}", headers=host.headers).json["slug"] == old["slug"]
    )
    assert client.get(f"/meetings/{old['slug']}").status_code == 200
    new = signed_in.post(
        "/app/links/new",
        {"name": "Fresh", "durations": "30", "slug": "fresh", "type": "one_on_one"},
    )
    link_id = re.search(r"/app/links/(\d+)/", new.headers["Location"]).group(1)
    assert (
        client.get(f"/api/v1/links/{link_id}", headers=host.headers).json["slug"] == "alice/fresh"
    )


def test_allowed_origins_feed_the_public_apis_cors(signed_in, client, make_link):
    link = make_link()
    bad = signed_in.post("/app/account/embedding", {"origins": "https://www.example.com/path"})
    assert bad.status_code == 422
    assert "is not an origin" in html.unescape(text(bad))
    signed_in.post(
        "/app/account/embedding", {"origins": "https://www.example.com/\nhttp://localhost:8000"}
    )
    path = f"/api/v1/public/links/{link['slug']}"
    allowed = client.get(path, headers={"Origin": "https://www.example.com"})
    refused = client.get(path, headers={"Origin": "https://evil.example"})
    assert allowed.headers.get("Access-Control-Allow-Origin") == "https://www.example.com"
    assert "Access-Control-Allow-Origin" not in refused.headers
    page = text(signed_in.get("/app/account/embedding"))
    assert "http://localhost:8000\nhttps://www.example.com" in page


def test_personal_api_tokens_are_shown_once_and_can_be_revoked(signed_in, client):
    response = signed_in.post("/app/tokens", {"name": "CRM sync"})
    token = re.search(r'value="(rdv_[^"]+)"', text(response)).group(1)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/links", headers=headers).status_code == 200
    listing = text(signed_in.get("/app/tokens"))
    assert "CRM sync" in listing and token not in listing
    token_id = re.findall(r'id="token-(\d+)"', listing)[0]
    assert signed_in.post(f"/app/tokens/{token_id}/revoke").status_code == 302
    assert client.get("/api/v1/links", headers=headers).status_code == 401
    assert signed_in.post("/app/tokens", {"name": ""}).status_code == 422


def test_meeting_types_of_the_account_are_offered_in_the_editor(signed_in, client, host, make_link):
    link = make_link()
    signed_in.post("/app/account", {"name": "Acme", "meeting_types": "Discovery call\nDemo\n"})
    page = text(signed_in.get(f"/app/links/{link['id']}/edit/details"))
    assert '<option value="Demo"' in page
    signed_in.post(
        f"/app/links/{link['id']}/edit/details",
        {
            "name": link["name"],
            "title": "Demo",
            "durations": "30",
            "type": "one_on_one",
            "host_ids": str(host.id),
            "meeting_type": "Demo",
        },
    )
    saved = client.get(f"/api/v1/links/{link['id']}", headers=host.headers).json
    assert saved["meeting_type"] == "Demo"
