"""Sessions that end (issue 12.3): logging out ends the session on the server (a copied
cookie opens nothing), a password reset ends every session and API token of the user, an
idle session is over, and bearer tokens expire."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server import clock
from server.accounts.models import User
from server.accounts.passwords import set_password
from server.accounts.services import TOKEN_LIFETIME
from server.accounts.sessions import IDLE_TIMEOUT
from server.db import get_session
from tests.dashboard.conftest import Dashboard

pytestmark = pytest.mark.db


def signed_in_elsewhere(app, host) -> Dashboard:
    other = Dashboard(app.test_client())
    other.sign_in(host.email)
    return other


def opens_the_dashboard(dash: Dashboard) -> bool:
    response = dash.get("/app/links")
    return response.status_code == 200


def copy_of(dash: Dashboard, app) -> Dashboard:
    """Another browser holding the same cookie (a copied or stolen one)."""
    thief = Dashboard(app.test_client())
    cookie = dash.client.get_cookie("session")
    thief.client.set_cookie("session", cookie.value)
    return thief


def test_a_copied_cookie_opens_nothing_once_its_session_logged_out(signed_in, app):
    thief = copy_of(signed_in, app)
    assert opens_the_dashboard(thief)
    assert signed_in.post("/app/logout").status_code == 302
    assert not opens_the_dashboard(thief)
    assert not opens_the_dashboard(signed_in)


def test_logging_out_ends_only_that_session(signed_in, app, host):
    other = signed_in_elsewhere(app, host)
    signed_in.post("/app/logout")
    assert opens_the_dashboard(other)


def test_a_password_reset_ends_every_session_and_api_token(signed_in, app, client, host):
    other = signed_in_elsewhere(app, host)
    assert client.get("/api/v1/links", headers=host.headers).status_code == 200
    with app.app_context():
        session = get_session()
        set_password(session, session.get(User, host.id), "a brand new password")
    assert not opens_the_dashboard(signed_in)
    assert not opens_the_dashboard(other)
    assert client.get("/api/v1/links", headers=host.headers).status_code == 401


def test_an_idle_session_is_over(signed_in):
    clock.set_now(clock.utcnow() + IDLE_TIMEOUT - timedelta(minutes=10))
    assert opens_the_dashboard(signed_in)  # used: idle from now on
    clock.set_now(clock.utcnow() + IDLE_TIMEOUT + timedelta(minutes=1))
    assert not opens_the_dashboard(signed_in)


def test_a_bearer_token_expires(client, host):
    assert client.get("/api/v1/links", headers=host.headers).status_code == 200
    clock.set_now(clock.utcnow() + TOKEN_LIFETIME + timedelta(minutes=1))
    assert client.get("/api/v1/links", headers=host.headers).status_code == 401
