"""The embedding settings page keeps origins by the same rule as the API (issue 8 item 11)."""

from __future__ import annotations

import html
import json

import pytest

from tests.dashboard.conftest import text

pytestmark = pytest.mark.db


def _stored(db) -> list[str]:
    [(value,)] = db("SELECT allowed_origins FROM accounts")
    return value if isinstance(value, list) else json.loads(value)


def test_origins_are_stored_as_browsers_send_them(signed_in, db):
    response = signed_in.post(
        "/app/account/embedding",
        {
            "origins": "HTTPS://WWW.Example.com:443/\nhttp://LocalHost:8000\n\nhttp://shop.example:80"
        },
    )
    assert response.status_code == 302
    assert _stored(db) == [
        "http://localhost:8000",
        "http://shop.example",
        "https://www.example.com",
    ]


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("https://WWW.Example.com/landing/", "leave out what follows the host name"),
        ("https://user:secret@www.example.com", "leave out the user name and password"),
        ("ftp://www.example.com", "must start with https:// or http://"),
        ("https://www.example.com?utm=1", "leave out what follows the host name"),
    ],
)
def test_what_is_not_an_origin_is_refused_next_to_the_field(signed_in, db, line, why):
    response = signed_in.post("/app/account/embedding", {"origins": f"https://ok.example\n{line}"})
    assert response.status_code == 422
    assert why in html.unescape(text(response))
    assert _stored(db) == []
