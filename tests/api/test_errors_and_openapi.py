"""One error shape everywhere (SPEC §10), rate limits (A4), and the OpenAPI document."""

from __future__ import annotations

import re

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


def _resolve(document: dict, node: dict) -> dict:
    while "$ref" in node:
        *_, kind, name = node["$ref"].split("/")
        node = document["components"][kind][name]
    return node


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield path, method, operation


def test_the_documented_404_is_the_error_shape_the_api_sends(client):
    document = client.get("/api/v1/openapi.json").json
    operation = document["paths"]["/api/v1/public/links/{slug}"]["get"]
    response = _resolve(document, operation["responses"]["404"])
    schema = _resolve(document, response["content"]["application/json"]["schema"])
    assert schema["required"] == ["error"]
    error = _resolve(document, schema["properties"]["error"])
    assert {"code", "message"} <= set(error["required"])
    assert set(error["properties"]) == {"code", "message", "fields"}
    sent = client.get("/api/v1/public/links/nobody/nothing")
    assert sent.status_code == 404
    assert set(sent.json) == {"error"} and set(sent.json["error"]) <= set(error["properties"])


def test_every_operation_has_its_own_operation_id(client):
    document = client.get("/api/v1/openapi.json").json
    ids = [operation.get("operationId") for _, _, operation in _operations(document)]
    assert all(ids)
    assert len(ids) == len(set(ids))


def test_every_operation_lists_its_error_statuses_and_no_default(client):
    document = client.get("/api/v1/openapi.json").json
    for path, method, operation in _operations(document):
        responses = operation["responses"]
        assert "default" not in responses, (method, path)
        assert "503" in responses, (method, path)
        if operation.get("security"):
            assert "401" in responses, (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
        if "requestBody" in operation:
            assert {"400", "413", "422"} <= set(responses), (method, path)
        assert ("429" in responses) == (
            path.startswith("/api/v1/public/") or (path, method) == ("/api/v1/auth/tokens", "post")
        ), (method, path)
    erase = document["paths"]["/api/v1/contacts/{contact_id}"]["delete"]["responses"]
    assert "403" in erase
    book = document["paths"]["/api/v1/public/links/{slug}/bookings"]["post"]["responses"]
    assert "409" in book
    limited = _resolve(document, book["429"])
    assert limited["headers"]["Retry-After"]["required"] is True


def test_a_link_s_slug_is_documented_as_it_is_sent(client, make_link):
    document = client.get("/api/v1/openapi.json").json
    link = make_link()
    create = document["paths"]["/api/v1/links"]["post"]
    sent_schema = _resolve(document, create["requestBody"]["content"]["application/json"]["schema"])
    answer_schema = _resolve(
        document, create["responses"]["201"]["content"]["application/json"]["schema"]
    )
    assert "/" not in sent_schema["properties"]["slug"]["pattern"]
    assert re.fullmatch(answer_schema["properties"]["slug"]["pattern"], link["slug"])
