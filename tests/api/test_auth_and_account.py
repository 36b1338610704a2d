"""Host API authentication (A1) and account isolation (A2)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

pytestmark = pytest.mark.db


def test_token_for_right_password(client, host):
    response = client.post(
        "/api/v1/auth/tokens",
        json={"email": host.email.upper(), "password": "correct horse battery"},
    )
    assert response.status_code == 201
    assert response.json["user_id"] == host.id


def test_wrong_password_is_refused(client, host):
    response = client.post("/api/v1/auth/tokens", json={"email": host.email, "password": "wrong"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "invalid_credentials"


def test_an_empty_password_is_a_field_error(client, host):
    response = client.post("/api/v1/auth/tokens", json={"email": host.email, "password": ""})
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["password"]


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client, host):
    unknown = client.post("/api/v1/auth/tokens", json={"email": "x@example.com", "password": "p"})
    wrong = client.post("/api/v1/auth/tokens", json={"email": host.email, "password": "p"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json == wrong.json


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic abc"])
def test_host_api_needs_a_valid_bearer_token(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/links", headers=headers)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_account_shows_the_user_and_ids(client, host, make_host):
    colleague = make_host(name="Bob Stone", same_account_as=host)
    body = client.get("/api/v1/account", headers=host.headers).json
    assert body["user"]["id"] == host.id
    assert body["account"]["id"] == host.account_id
    assert [u["id"] for u in body["users"]] == [host.id, colleague.id]
    assert "password_hash" not in body["user"]


def test_bookings_and_contacts_of_another_account_are_invisible(client, host, make_host, make_link):
    from tests.api.test_public_bookings import book, first_slot

    link = make_link()
    booking_id = book(client, link, first_slot(client, link)[0]).json["id"]
    stranger = make_host(name="Stranger")
    assert client.get("/api/v1/bookings", headers=stranger.headers).json["items"] == []
    assert client.get("/api/v1/contacts", headers=stranger.headers).json["items"] == []
    assert client.get(f"/api/v1/bookings/{booking_id}", headers=stranger.headers).status_code == 404
    assert client.get(f"/api/v1/bookings/{booking_id}", headers=host.headers).status_code == 200


def test_allowed_origins_restrict_cors_on_the_public_api(client, host, make_link):
    link = make_link()
    url = f"/api/v1/public/links/{link['slug']}"
    anywhere = client.get(url, headers={"Origin": "https://shop.example"})
    assert anywhere.headers.get("Access-Control-Allow-Origin") == "https://shop.example"
    response = client.patch(
        "/api/v1/account",
        json={"allowed_origins": ["https://www.example.com/"]},
        headers=host.headers,
    )
    assert response.json["account"]["allowed_origins"] == ["https://www.example.com"]
    allowed = client.get(url, headers={"Origin": "https://www.example.com"})
    assert allowed.headers.get("Access-Control-Allow-Origin") == "https://www.example.com"
    refused = client.get(url, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused.headers


def _new_token(client, host, name: str) -> dict:
    response = client.post(
        "/api/v1/auth/tokens",
        json={"email": host.email, "password": "correct horse battery", "name": name},
    )
    assert response.status_code == 201, response.json
    return response.json


def test_a_new_token_says_when_it_expires(client, host):
    made = _new_token(client, host, "CRM sync")
    assert made["name"] == "CRM sync"
    created = datetime.fromisoformat(made["created_at"])
    assert datetime.fromisoformat(made["expires_at"]) - created == timedelta(days=90)


def test_tokens_are_listed_without_their_secrets(client, host):
    made = _new_token(client, host, "CRM sync")
    listed = client.get("/api/v1/auth/tokens", headers=host.headers)
    assert listed.status_code == 200
    assert [t["name"] for t in listed.json["items"]][0] == "CRM sync"
    assert made["id"] in [t["id"] for t in listed.json["items"]]
    assert made["token"] not in listed.get_data(as_text=True)
    assert all("token" not in t for t in listed.json["items"])


def test_a_revoked_token_opens_nothing(client, host):
    made = _new_token(client, host, "laptop")
    bearer = {"Authorization": f"Bearer {made['token']}"}
    assert client.get("/api/v1/account", headers=bearer).status_code == 200
    revoked = client.delete(f"/api/v1/auth/tokens/{made['id']}", headers=host.headers)
    assert revoked.status_code == 204
    assert client.get("/api/v1/account", headers=bearer).status_code == 401
    assert made["id"] not in [
        t["id"] for t in client.get("/api/v1/auth/tokens", headers=host.headers).json["items"]
    ]


def test_another_users_token_cannot_be_revoked(client, host, make_host):
    other = make_host(name="Bob Stone", same_account_as=host)
    made = _new_token(client, host, "laptop")
    refused = client.delete(f"/api/v1/auth/tokens/{made['id']}", headers=other.headers)
    assert refused.status_code == 404
    bearer = {"Authorization": f"Bearer {made['token']}"}
    assert client.get("/api/v1/account", headers=bearer).status_code == 200


def test_a_member_cannot_change_the_accounts_allowed_origins(client, host, make_host):
    member = make_host(name="Bob Stone", same_account_as=host)
    refused = client.patch(
        "/api/v1/account",
        json={"allowed_origins": ["https://evil.example"]},
        headers=member.headers,
    )
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "forbidden"
    assert (
        client.get("/api/v1/account", headers=host.headers).json["account"]["allowed_origins"] == []
    )
