"""What every response carries (issue 12.11): nosniff, HSTS once the app is served over
HTTPS, and a CSP on HTML error pages."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.db


def test_api_answers_say_nosniff(client, make_link):
    link = make_link()
    response = client.get(f"/api/v1/public/links/{link['slug']}")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # served over plain HTTP here


def test_an_html_error_page_has_a_content_security_policy(client):
    response = client.get("/nowhere", headers={"Accept": "text/html"})
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_hsts_once_the_base_url_is_https(app, client, make_link):
    link = make_link()
    app.config["RENDEZVOUS_BASE_URL"] = "https://rendezvous.test"
    response = client.get(f"/api/v1/public/links/{link['slug']}")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
