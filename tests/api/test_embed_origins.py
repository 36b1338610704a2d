"""Allowed embed origins (P5, A5): a site the account didn't allow can't book, and one rule for
what an origin is (issue 8 item 11)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.api.test_meeting_requests import REQUEST
from tests.api.test_public_bookings import book, first_slot

pytestmark = pytest.mark.db

ALLOWED = "https://www.example.com"
EVIL = {"Origin": "https://evil.example"}


@pytest.fixture
def count(app):
    """``count("bookings")``: how many rows a table holds now."""
    from server.db import get_session

    def rows(table: str) -> int:
        with app.app_context():
            return get_session().scalar(text(f"SELECT count(*) FROM {table}"))

    return rows


@pytest.fixture
def restricted(client, host, make_link):
    """A link of an account that allows only ``ALLOWED`` to embed it."""
    link = make_link()
    response = client.patch(
        "/api/v1/account", json={"allowed_origins": [ALLOWED]}, headers=host.headers
    )
    assert response.status_code == 200, response.json
    return link


def _book(client, link, headers):
    start = first_slot(client, link)[0]
    return client.post(
        f"/api/v1/public/links/{link['slug']}/bookings",
        json={
            "start": start,
            "duration": 30,
            "timezone": "Europe/Paris",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
        },
        headers=headers,
    )


def test_a_booking_from_a_disallowed_origin_is_refused_and_nothing_is_made(
    client, restricted, count
):
    response = _book(client, restricted, EVIL)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in response.headers
    assert (count("bookings"), count("contacts"), count("outbox_messages")) == (0, 0, 0)


def test_a_disallowed_origin_is_refused_even_as_a_form_post(client, restricted, count):
    """A cross-site form post needs no preflight: it must be refused all the same."""
    response = client.post(
        f"/api/v1/public/links/{restricted['slug']}/bookings",
        data="start=x",
        headers={**EVIL, "Content-Type": "text/plain"},
    )
    assert response.status_code == 403
    assert count("bookings") == 0


def test_the_preflight_from_a_disallowed_origin_is_refused(client, restricted):
    response = client.options(
        f"/api/v1/public/links/{restricted['slug']}/bookings",
        headers={
            **EVIL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 403
    assert response.json["error"]["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in response.headers


def test_the_preflight_from_an_allowed_origin_is_granted(client, restricted):
    response = client.options(
        f"/api/v1/public/links/{restricted['slug']}/bookings",
        headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_a_meeting_request_from_a_disallowed_origin_is_refused(client, restricted, count):
    response = client.post(
        f"/api/v1/public/links/{restricted['slug']}/requests", json=REQUEST, headers=EVIL
    )
    assert response.status_code == 403
    assert (count("meeting_requests"), count("contacts")) == (0, 0)


def test_a_disallowed_origin_cannot_cancel_a_booking(client, restricted):
    token = _book(client, restricted, {}).json["manage_token"]
    refused = client.post(f"/api/v1/public/bookings/{token}/cancel", headers=EVIL)
    assert refused.status_code == 403
    assert client.get(f"/api/v1/public/bookings/{token}").json["status"] == "confirmed"


def test_a_disallowed_origin_cannot_read_the_link(client, restricted):
    response = client.get(f"/api/v1/public/links/{restricted['slug']}", headers=EVIL)
    assert response.status_code == 403


def test_an_allowed_origin_books_and_gets_the_grant(client, restricted, count):
    response = _book(client, restricted, {"Origin": ALLOWED})
    assert response.status_code == 201, response.json
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Origin" in response.headers["Vary"]
    assert count("bookings") == 1


@pytest.mark.parametrize(
    "headers",
    [{}, {"Origin": "http://rendezvous.test"}, {"Origin": "http://localhost"}],
    ids=["no-origin", "the-apps-base-url", "the-address-it-was-sent-to"],
)
def test_servers_and_the_apps_own_pages_still_book(client, restricted, headers):
    assert _book(client, restricted, headers).status_code == 201


def test_the_accounts_verified_domain_may_book(app, client, host, restricted):
    from server.clock import utcnow
    from server.db import get_session
    from server.domains.models import CustomDomain

    with app.app_context():
        session = get_session()
        session.add(
            CustomDomain(
                account_id=host.account_id, hostname="book.acme.test", verified_at=utcnow()
            )
        )
        session.commit()
    assert _book(client, restricted, {"Origin": "https://book.acme.test"}).status_code == 201


def test_without_allowed_origins_any_site_may_book(client, make_link):
    link = make_link()
    response = book(client, link, first_slot(client, link)[0])
    assert response.status_code == 201
    anywhere = _book(client, link, {"Origin": "https://shop.example"})
    assert anywhere.status_code == 201
    assert anywhere.headers["Access-Control-Allow-Origin"] == "https://shop.example"


# -- one rule for what an origin is ------------------------------------------------------------


def test_the_api_stores_origins_as_browsers_send_them(client, host):
    response = client.patch(
        "/api/v1/account",
        json={
            "allowed_origins": [
                "HTTPS://WWW.Example.com:443/",
                "https://www.example.com",
                "http://LocalHost:8000",
                "http://shop.example:80",
                "https://bücher.example",
            ]
        },
        headers=host.headers,
    )
    assert response.status_code == 200, response.json
    assert response.json["account"]["allowed_origins"] == [
        "http://localhost:8000",
        "http://shop.example",
        "https://www.example.com",
        "https://xn--bcher-kva.example",
    ]


@pytest.mark.parametrize(
    "value",
    [
        "https://WWW.Example.com/landing/",
        "https://www.example.com?utm=1",
        "https://www.example.com#top",
        "https://user:secret@www.example.com",
        "ftp://www.example.com",
        "www.example.com",
        "https://",
        "https://www.example.com:99999",
        "null",
    ],
)
def test_the_api_refuses_what_is_not_an_origin(client, host, value):
    response = client.patch(
        "/api/v1/account", json={"allowed_origins": [value]}, headers=host.headers
    )
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["allowed_origins"]
    assert "is not an origin" in response.json["error"]["fields"]["allowed_origins"][0]
    assert (
        client.get("/api/v1/account", headers=host.headers).json["account"]["allowed_origins"] == []
    )


def test_an_answer_refused_before_the_origin_check_grants_no_foreign_origin(client, restricted):
    """A 400 from the input guards runs before the public API's origin check: the answer still
    withholds the grant from a site the account didn't allow (issue 12.11)."""
    response = client.get(
        f"/api/v1/public/links/{restricted['slug']}/slots?timezone=%00", headers=EVIL
    )
    assert response.status_code == 400
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_rate_limited_answer_grants_only_an_allowed_origin(db_url, tmp_path, restricted):
    from server import create_app

    limited = create_app(
        {
            "RENDEZVOUS_DATABASE_URL": db_url,
            "RENDEZVOUS_INSTANCE_PATH": str(tmp_path / "limited"),
            "RENDEZVOUS_PUBLIC_RATE_LIMIT": "2 per minute",
        }
    ).test_client()
    path = f"/api/v1/public/links/{restricted['slug']}"
    answers = [limited.get(path, headers={"Origin": ALLOWED}) for _ in range(3)]
    evil = limited.get(path, headers=EVIL)
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].headers["Access-Control-Allow-Origin"] == ALLOWED
    assert evil.status_code == 429
    assert "Access-Control-Allow-Origin" not in evil.headers
