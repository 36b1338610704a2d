"""Changing the password when signed in (issue 12.3): every other session ends, this browser
stays signed in, API tokens keep working, and a wrong current password changes nothing."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import PASSWORD, Dashboard, text

pytestmark = pytest.mark.db

NEW = "a brand new password"


def _token_with(client, email: str, password: str) -> int:
    return client.post(
        "/api/v1/auth/tokens", json={"email": email, "password": password}
    ).status_code


def test_a_new_password_signs_out_the_other_sessions_only(signed_in, app, host, client):
    other = Dashboard(app.test_client())  # the same user in another browser
    other.sign_in(host.email)
    changed = signed_in.post("/app/password", {"current_password": PASSWORD, "password": NEW})
    assert changed.status_code == 302
    assert signed_in.get("/app/links").status_code == 200
    assert other.get("/app/links").status_code == 302  # to the sign-in page
    assert _token_with(client, host.email, NEW) == 201
    assert _token_with(client, host.email, PASSWORD) == 401


def test_a_wrong_current_password_changes_nothing(signed_in, host, client):
    refused = signed_in.post(
        "/app/password", {"current_password": "not my password", "password": NEW}
    )
    assert refused.status_code == 422
    assert "This is not your current password." in text(refused)
    assert _token_with(client, host.email, PASSWORD) == 201


def test_api_tokens_keep_working_after_a_password_change(signed_in, host, client):
    signed_in.post("/app/password", {"current_password": PASSWORD, "password": NEW})
    assert client.get("/api/v1/account", headers=host.headers).status_code == 200
