"""The host API's webhooks (SPEC §10): CRUD, the secret shown once, the outbound-address
rule on the URL, tenancy, the list convention, the delivery log and the test event."""

from __future__ import annotations

import pytest

from tests.webhooks.conftest import EVENTS, SECRET, create_webhook

pytestmark = pytest.mark.db

PUBLIC_URL = "https://hooks.example.com/rendezvous"


def post(client, host, **body):
    return client.post("/api/v1/webhooks", json=body, headers=host.headers)


def test_creating_a_webhook_answers_201_with_its_location(client, host):
    response = post(client, host, url=PUBLIC_URL, events=["booking.created"])
    assert response.status_code == 201, response.json
    location = response.headers["Location"]
    assert location.endswith(f"/api/v1/webhooks/{response.json['id']}")
    shown = client.get(location, headers=host.headers)
    assert shown.status_code == 200
    assert shown.json["url"] == PUBLIC_URL
    assert shown.json["events"] == ["booking.created"]
    assert shown.json["active"] is True


def test_a_secret_the_server_makes_is_shown_once(client, host):
    created = post(client, host, url=PUBLIC_URL, events=EVENTS).json
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 30
    one = client.get(f"/api/v1/webhooks/{created['id']}", headers=host.headers).json
    listed = client.get("/api/v1/webhooks", headers=host.headers).json["items"]
    assert "secret" not in one
    assert all("secret" not in item for item in listed)


def test_a_secret_given_is_kept_and_shown_back_once(client, host):
    created = post(client, host, url=PUBLIC_URL, events=EVENTS, secret=SECRET).json
    assert created["secret"] == SECRET


def test_the_secret_and_url_are_encrypted_at_rest(app, client, host):
    from sqlalchemy import text

    from server.db import get_session

    post(client, host, url=PUBLIC_URL, events=EVENTS, secret=SECRET)
    with app.app_context():
        url, secret = get_session().execute(text("SELECT url, secret FROM webhooks")).one()
    assert PUBLIC_URL not in url and SECRET not in secret
    assert url.startswith("gAAAA") and secret.startswith("gAAAA")  # Fernet tokens


def test_a_get_of_one_webhook_carries_an_etag_and_answers_304(client, host):
    created = create_webhook(client, host, PUBLIC_URL)
    first = client.get(f"/api/v1/webhooks/{created['id']}", headers=host.headers)
    again = client.get(
        f"/api/v1/webhooks/{created['id']}",
        headers={**host.headers, "If-None-Match": first.headers["ETag"]},
    )
    assert first.headers["ETag"]
    assert again.status_code == 304


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://10.1.2.3/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data",
    ],
)
def test_a_private_address_is_422_on_url(client, host, url):
    response = post(client, host, url=url, events=EVENTS)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"url"}
    assert "private or local" in response.json["error"]["fields"]["url"][0]


def test_a_private_address_is_accepted_when_the_operator_allows_them(lan_app, client, host):
    response = post(client, host, url="http://127.0.0.1:8080/hook", events=EVENTS)
    assert response.status_code == 201, response.json


@pytest.mark.parametrize(
    "url", ["ftp://hooks.example.com/x", "webcal://hooks.example.com/x", "hooks.example.com"]
)
def test_an_address_that_is_not_http_is_422_on_url(client, host, url):
    response = post(client, host, url=url, events=EVENTS)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"url"}


def test_an_unknown_event_is_422_on_events(client, host):
    response = post(client, host, url=PUBLIC_URL, events=["booking.created", "booking.eaten"])
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert "booking.eaten" in response.json["error"]["fields"]["events"][0]


def test_no_event_at_all_is_422_on_events(client, host):
    response = post(client, host, url=PUBLIC_URL, events=[])
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"events"}


def test_patch_changes_only_the_fields_sent(client, host):
    created = create_webhook(client, host, PUBLIC_URL)
    response = client.patch(
        f"/api/v1/webhooks/{created['id']}", json={"active": False}, headers=host.headers
    )
    assert response.status_code == 200
    assert response.json["active"] is False
    assert response.json["url"] == PUBLIC_URL and response.json["events"] == EVENTS


def test_patch_checks_a_new_url_like_a_new_webhook(client, host):
    created = create_webhook(client, host, PUBLIC_URL)
    response = client.patch(
        f"/api/v1/webhooks/{created['id']}",
        json={"url": "http://192.168.1.1/"},
        headers=host.headers,
    )
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"url"}
    shown = client.get(f"/api/v1/webhooks/{created['id']}", headers=host.headers).json
    assert shown["url"] == PUBLIC_URL


def test_delete_answers_204_and_the_webhook_is_gone(client, host):
    created = create_webhook(client, host, PUBLIC_URL)
    response = client.delete(f"/api/v1/webhooks/{created['id']}", headers=host.headers)
    assert response.status_code == 204
    gone = client.get(f"/api/v1/webhooks/{created['id']}", headers=host.headers)
    assert gone.status_code == 404
    assert gone.json["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("patch", "", {"active": False}),
        ("delete", "", None),
        ("get", "/deliveries", None),
        ("post", "/test", None),
    ],
)
def test_another_account_s_webhook_is_404(client, host, make_host, method, suffix, body):
    created = create_webhook(client, host, PUBLIC_URL)
    stranger = make_host(name="Eve Other")
    response = getattr(client, method)(
        f"/api/v1/webhooks/{created['id']}{suffix}", json=body, headers=stranger.headers
    )
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    still = client.get(f"/api/v1/webhooks/{created['id']}", headers=host.headers).json
    assert still["active"] is True


def test_another_account_s_list_does_not_show_the_webhook(client, host, make_host):
    create_webhook(client, host, PUBLIC_URL)
    stranger = make_host(name="Eve Other")
    listed = client.get("/api/v1/webhooks", headers=stranger.headers).json
    assert listed == {"items": [], "next_cursor": None}


def test_a_member_who_is_not_an_admin_gets_403(client, host, make_host):
    member = make_host(name="Bob Member", same_account_as=host)
    response = post(client, member, url=PUBLIC_URL, events=EVENTS)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_without_a_token_the_list_is_401(client):
    response = client.get("/api/v1/webhooks")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_the_list_is_paginated_with_items_and_next_cursor(client, host):
    ids = [create_webhook(client, host, f"{PUBLIC_URL}/{n}")["id"] for n in range(5)]
    first = client.get("/api/v1/webhooks", query_string={"limit": 2}, headers=host.headers).json
    seen = [item["id"] for item in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get(
            "/api/v1/webhooks", query_string={"limit": 2, "cursor": cursor}, headers=host.headers
        ).json
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
    assert len(first["items"]) == 2 and first["next_cursor"]
    assert seen == ids  # oldest first, each once


def test_a_bad_cursor_is_422_on_cursor(client, host):
    response = client.get(
        "/api/v1/webhooks", query_string={"cursor": "not-a-cursor"}, headers=host.headers
    )
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"cursor"}


def test_a_limit_over_500_is_422(client, host):
    response = client.get("/api/v1/webhooks", query_string={"limit": 501}, headers=host.headers)
    assert response.status_code == 422
    assert "limit" in response.json["error"]["fields"]


def test_the_test_event_is_queued_as_a_pending_ping(client, host):
    created = create_webhook(client, host, PUBLIC_URL)
    response = client.post(f"/api/v1/webhooks/{created['id']}/test", headers=host.headers)
    assert response.status_code == 202
    delivery = response.json
    assert delivery["event"] == "ping" and delivery["status"] == "pending"
    assert delivery["attempts"] == 0 and delivery["delivered_at"] is None
    log = client.get(f"/api/v1/webhooks/{created['id']}/deliveries", headers=host.headers).json
    assert log == {"items": [delivery], "next_cursor": None}


def test_the_delivery_log_is_newest_first_and_paginated(client, host):
    created = create_webhook(client, host, PUBLIC_URL)
    made = [
        client.post(f"/api/v1/webhooks/{created['id']}/test", headers=host.headers).json["id"]
        for _ in range(3)
    ]
    path = f"/api/v1/webhooks/{created['id']}/deliveries"
    first = client.get(path, query_string={"limit": 2}, headers=host.headers).json
    second = client.get(
        path, query_string={"limit": 2, "cursor": first["next_cursor"]}, headers=host.headers
    ).json
    assert [d["id"] for d in first["items"] + second["items"]] == made[::-1]
    assert second["next_cursor"] is None


def test_the_openapi_document_lists_the_webhook_operations(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert set(paths["/api/v1/webhooks"]) == {"get", "post"}
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/webhooks/{webhook_id}"])
    assert "get" in paths["/api/v1/webhooks/{webhook_id}/deliveries"]
    assert "202" in paths["/api/v1/webhooks/{webhook_id}/test"]["post"]["responses"]
    assert "403" in paths["/api/v1/webhooks"]["post"]["responses"]
