"""Dashboard fixtures: a client that fills in the CSRF token like a browser would.

CSRF protection stays on in these tests: :class:`Dashboard` reads the token from a page's
form before it posts, exactly what a browser does with the hidden field.
"""

from __future__ import annotations

import email
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from server.clock import utcnow
from tests.conftest import Host

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse battery"
EVERY_DAY = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


class Dashboard:
    """Signs in, reads CSRF tokens from forms and posts them, like a browser."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def csrf_token(self, page: str | None = None) -> str:
        response = self.client.get(page or "/app/links")
        if response.status_code == 302:
            response = self.client.get("/app/login")
        match = CSRF_FIELD.search(response.get_data(as_text=True))
        assert match, f"no CSRF field on {page or '/app/links'}"
        return match.group(1)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: Any = None, **kwargs: Any) -> TestResponse:
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.client.post(path, data=data, **kwargs)

    def sign_in(self, email: str, password: str = PASSWORD) -> TestResponse:
        response = self.post("/app/login", {"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    def ask_to_sign_up(
        self, name: str = "Ada Lovelace", email: str = "ada@example.com"
    ) -> TestResponse:
        """The sign-up form, posted: it answers "check your inbox" whatever the address."""
        return self.post(
            "/app/signup",
            {"name": name, "email": email, "password": PASSWORD, "timezone": "Europe/Paris"},
        )

    def sign_up(self, name: str = "Ada Lovelace", email: str = "ada@example.com") -> TestResponse:
        """As a new host does it: the form, then the emailed link; the link's answer."""
        asked = self.ask_to_sign_up(name, email)
        assert asked.status_code == 200, asked.get_data(as_text=True)
        return self.get(self.emailed_link(email, "signup_link"))

    def emailed_link(self, to: str, kind: str) -> str:
        """The dashboard path in the newest queued email of ``kind`` to ``to``."""
        return emailed_link(self.client.application, to, kind)


def emailed_link(app: Flask, to: str, kind: str) -> str:
    """The dashboard path in the plain text of the newest queued email of ``kind`` to ``to``."""
    from sqlalchemy import select

    from server.db import get_session
    from server.notifications.models import OutboxMessage

    with app.app_context():
        mime = get_session().scalar(
            select(OutboxMessage.mime)
            .where(OutboxMessage.kind == kind, OutboxMessage.recipient.contains(to.lower()))
            .order_by(OutboxMessage.id.desc())
        )
    assert mime is not None, f"no {kind} email to {to}"
    plain = next(
        part
        for part in email.message_from_string(mime).walk()
        if part.get_content_type() == "text/plain"
    )
    body = plain.get_payload(decode=True).decode()
    found = re.search(r"https?://[^/\s]+(/app/\S+)", body)
    assert found, body
    return found.group(1)


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def dash(client: FlaskClient) -> Dashboard:
    return Dashboard(client)


@pytest.fixture
def signed_in(dash: Dashboard, host: Host) -> Dashboard:
    """The ``host`` fixture (Alice Martin, admin of her account) signed in to the dashboard."""
    dash.sign_in(host.email)
    return dash


@pytest.fixture
def db(app: Flask) -> Callable[[str], Any]:
    """``db("SELECT …")``: a query against the test database, for checking what was stored."""
    from sqlalchemy import text as sql

    from server.db import get_session

    def run(statement: str, **params: Any) -> list[Any]:
        with app.app_context():
            return list(get_session().execute(sql(statement), params).all())

    return run


def first_slot(client: FlaskClient, link: dict[str, Any]) -> str:
    """The first bookable start of ``link`` in the next two weeks."""
    today = utcnow().astimezone(ZoneInfo("Europe/Paris")).date()  # the links' zone
    response = client.get(
        f"/api/v1/public/links/{link['slug']}/slots",
        query_string={"start": today.isoformat(), "end": (today + timedelta(days=13)).isoformat()},
    )
    assert response.status_code == 200, response.json
    assert response.json["slots"], "no slot to book"
    return response.json["slots"][0]


def book(
    client: FlaskClient, link: dict[str, Any], email: str = "ada@example.com", **extra: Any
) -> dict[str, Any]:
    """A visitor's booking through the public API."""
    body = {
        "start": extra.pop("start", None) or first_slot(client, link),
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": email,
        **extra,
    }
    response = client.post(f"/api/v1/public/links/{link['slug']}/bookings", json=body)
    assert response.status_code == 201, response.json
    return response.json


def image_bytes(
    fmt: str = "PNG", size: tuple[int, int] = (40, 20), color: str = "#e4572e"
) -> bytes:
    """A real image made with Pillow, as an upload would send it."""
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()
