"""Helpers for the notification tests: book through the public API, read the outbox, drain.

``mail_app`` is the ``app`` fixture pointed at the ``smtp`` fixture's real SMTP server, so
every test that drains the outbox sends over a socket, as production does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from server.notifications.models import OutboxMessage
from server.notifications.worker import Worker
from tests.conftest import next_weekday
from tests.smtp import SmtpServer


@pytest.fixture
def mail_app(app: Flask, smtp: SmtpServer) -> Flask:
    app.config["RENDEZVOUS_SMTP_URL"] = smtp.url
    return app


@pytest.fixture
def worker(mail_app: Flask) -> Worker:
    return Worker.from_app(mail_app)


def offered(
    client: FlaskClient, link: dict[str, Any], day: date | None = None, tz: str = "Europe/Paris"
) -> list[str]:
    """The link's starts on ``day`` (default: Monday in a week), as the widget would see them."""
    day = day or next_weekday(0)
    response = client.get(
        f"/api/v1/public/links/{link['slug']}/slots",
        query_string={"start": day, "end": day, "timezone": tz},
    )
    assert response.status_code == 200, response.json
    return response.json["slots"]


def book(client: FlaskClient, link: dict[str, Any], start: str, **fields: Any) -> dict[str, Any]:
    body = {
        "start": start,
        "duration": link["durations"][0],
        "timezone": "Europe/Paris",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        **fields,
    }
    response = client.post(f"/api/v1/public/links/{link['slug']}/bookings", json=body)
    assert response.status_code == 201, response.json
    return response.json


def outbox(app: Flask, **where: Any) -> list[OutboxMessage]:
    """Outbox rows, oldest first, filtered by column values (``kind="reminder"``)."""
    from server.db import get_session

    with app.app_context():
        statement = select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in where.items():
            statement = statement.where(getattr(OutboxMessage, name) == value)
        rows = list(get_session().scalars(statement))
        get_session().expunge_all()
        return rows


def iso(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


Booker = Callable[..., dict[str, Any]]
