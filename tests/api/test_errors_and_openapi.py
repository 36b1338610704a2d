"""One error shape everywhere (SPEC §10), rate limits (A4), and the OpenAPI document."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

pytestmark = pytest.mark.db


def test_openapi_document_lists_the_contract(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json["paths"]
    for path in (
        "/api/v1/public/links/{slug}",
        "/api/v1/public/links/{slug}/slots",
        "/api/v1/public/links/{slug}/bookings",
        "/api/v1/public/bookings/{token}",
        "/api/v1/public/bookings/{token}/cancel",
        "/api/v1/public/bookings/{token}/reschedule",
        "/api/v1/public/links/{slug}/requests",
        "/api/v1/auth/tokens",
        "/api/v1/links",
        "/api/v1/links/{link_id}",
        "/api/v1/bookings",
        "/api/v1/account",
    ):
        assert path in paths, path


def test_unknown_route_is_404_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert set(response.json["error"]) == {"code", "message"}


def test_wrong_method_is_405_json(client):
    response = client.delete("/api/v1/openapi.json")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"


def test_a_huge_body_is_413_json(client, make_link):
    link = make_link()
    response = client.post(
        f"/api/v1/public/links/{link['slug']}/bookings",
        data="{" + " " * (2 * 1024 * 1024) + "}",
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"


def test_database_down_is_503_not_500(app, client, make_link, monkeypatch):
    link = make_link()

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    from sqlalchemy.orm import Session

    monkeypatch.setattr(Session, "execute", down)
    response = client.get(f"/api/v1/public/links/{link['slug']}")
    assert response.status_code == 503
    assert response.json["error"]["code"] == "unavailable"


def test_public_api_is_rate_limited(db_url, tmp_path):
    from server import create_app

    app = create_app(
        {
            "RENDEZVOUS_DATABASE_URL": db_url,
            "RENDEZVOUS_INSTANCE_PATH": str(tmp_path),
            "RENDEZVOUS_PUBLIC_RATE_LIMIT": "3 per minute",
        }
    )
    client = app.test_client()
    codes = [client.get("/api/v1/public/links/nobody/nothing").status_code for _ in range(5)]
    assert codes[:3] == [404, 404, 404]
    assert codes[3:] == [429, 429]
    limited = client.get("/api/v1/public/links/nobody/nothing")
    assert limited.json["error"]["code"] == "rate_limited"
    assert "Retry-After" in limited.headers
