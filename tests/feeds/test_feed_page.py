"""The subscription address on the Calendars page: made, shown, replaced, turned off."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest

from tests.dashboard.conftest import Dashboard, text

pytestmark = pytest.mark.db

ADDRESS = re.compile(r'id="feed-url" type="text" readonly value="([^"]+)"')


@pytest.fixture
def signed_in(client, host) -> Dashboard:
    dash = Dashboard(client)
    dash.sign_in(host.email)
    return dash


def _address(dash: Dashboard) -> str | None:
    match = ADDRESS.search(text(dash.get("/app/calendars")))
    return html.unescape(match.group(1)) if match else None


def _post(dash: Dashboard, path: str):
    response = dash.post(path, {"csrf_token": dash.csrf_token("/app/calendars")})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).fragment == "subscription"
    return response


def test_the_page_offers_an_address_when_none_is_on(signed_in):
    page = text(signed_in.get("/app/calendars"))
    assert "Make a subscription address" in page
    assert _address(signed_in) is None


def test_making_an_address_shows_one_that_calendar_apps_can_read(signed_in, client):
    _post(signed_in, "/app/calendars/feed")
    address = _address(signed_in)
    assert address is not None
    assert client.get(urlsplit(address).path).status_code == 200


def test_a_new_address_from_the_page_ends_the_old_one(signed_in, client):
    _post(signed_in, "/app/calendars/feed")
    old = _address(signed_in)
    _post(signed_in, "/app/calendars/feed")
    new = _address(signed_in)
    assert new != old
    assert client.get(urlsplit(old).path).status_code == 404


def test_turning_it_off_from_the_page_ends_the_address(signed_in, client):
    _post(signed_in, "/app/calendars/feed")
    address = _address(signed_in)
    _post(signed_in, "/app/calendars/feed/off")
    assert _address(signed_in) is None
    assert client.get(urlsplit(address).path).status_code == 404
