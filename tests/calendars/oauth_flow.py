"""The OAuth connection flow and what the calendar tests of Google and Microsoft read back,
shared by tests/calendars/test_google.py and test_microsoft.py."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import requests
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from server.calendars.models import CalendarConnection
from server.calendars.services import sync_calendar
from server.db import get_session
from tests.conftest import NOW
from tests.dashboard.conftest import Dashboard
from tests.standins.base import ConsentForm

#: the stand-ins' consent buttons
ALLOW = {"google": "Allow", "microsoft": "Accept"}


def consent(dash: Dashboard, provider: str = "google", *, button: str | None = None) -> str:
    """From the dashboard's Connect button through the stand-in's consent page (Allow):
    the callback URL the provider sends the browser back to."""
    start = dash.get(f"/app/calendars/connect/{provider}")
    assert start.status_code == 302, start.get_data(as_text=True)
    with requests.Session() as browser:
        page = browser.get(start.headers["Location"], timeout=10)
        assert page.status_code == 200, page.text
        form = ConsentForm()
        form.feed(page.text)
        name, value = form.buttons[button or ALLOW[provider]]
        action = requests.compat.urljoin(page.url, form.action)
        answer = browser.post(
            action, data={**form.fields, name: value}, allow_redirects=False, timeout=10
        )
    assert answer.status_code in (302, 303), answer.text
    return answer.headers["Location"]


def connect(dash: Dashboard, provider: str = "google") -> str:
    """Connect through the whole flow; the page the host lands on."""
    back = urlsplit(consent(dash, provider))
    landed = dash.get(f"{back.path}?{back.query}")
    assert landed.status_code == 302, landed.get_data(as_text=True)
    return dash.get(landed.headers["Location"]).get_data(as_text=True)


def connection(app: Flask) -> CalendarConnection:
    """The host's one connection, with its calendars loaded."""
    with app.app_context():
        session = get_session()
        found = session.scalars(
            select(CalendarConnection).options(selectinload(CalendarConnection.calendars))
        ).one()
        session.expunge_all()
        return found


def offered(client, link, day: str) -> set[str]:
    response = client.get(
        f"/api/v1/public/links/{link['slug']}/slots",
        query_string={"start": day, "end": day, "timezone": "Europe/Paris"},
    )
    assert response.status_code == 200, response.json
    return {slot[11:16] for slot in response.json["slots"]}


def sync(app: Flask, minutes: int) -> None:
    """Sync the host's one calendar connection's first calendar ``minutes`` after NOW."""
    with app.app_context():
        session = get_session()
        (found,) = session.scalars(select(CalendarConnection)).one().calendars
        sync_calendar(session, found, NOW + timedelta(minutes=minutes))
