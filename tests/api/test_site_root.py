"""The app's own root and icon (issue 8 item 12): a newcomer's first two requests land somewhere."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.db


def test_the_root_url_leads_to_the_dashboard(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/app/"


def test_the_dashboard_root_sends_a_visitor_to_sign_in(client):
    response = client.get("/", follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == "/app/login"


def test_favicon_ico_is_an_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    assert response.data[:4] == b"\x00\x00\x01\x00"  # the ICO file signature


def test_favicon_svg_is_an_svg_image(client):
    response = client.get("/favicon.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data
