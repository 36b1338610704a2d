"""Sign-up, login, logout, CSRF, password reset, invitations and roles (A1, A2)."""

from __future__ import annotations

import email
import re
from datetime import timedelta

import pytest

from server import clock
from tests.dashboard.conftest import PASSWORD, Dashboard, text

pytestmark = pytest.mark.db


def test_sign_up_makes_an_account_its_admin_and_the_preset_links(dash, db):
    response = dash.sign_up(name="Ada Lovelace", email="Ada@Example.com")
    assert response.status_code == 302
    assert response.headers["Location"] == "/app/links"
    page = text(dash.get("/app/links"))
    for minutes in (15, 30, 60):
        assert f"/meetings/ada-lovelace/{minutes}min" in page
    [(email, role, account_name)] = db(
        "SELECT u.email, u.role, a.name FROM users u JOIN accounts a ON a.id = u.account_id"
    )
    assert (email, role, account_name) == ("ada@example.com", "admin", "Ada Lovelace")


def test_the_share_link_of_a_new_account_serves_its_booking_page(dash):
    dash.sign_up()
    assert dash.get("/meetings/ada-lovelace/30min").status_code == 200


def test_sign_up_errors_are_shown_next_to_their_fields(dash, db):
    response = dash.post(
        "/app/signup",
        {"name": "", "email": "not-an-email", "password": "short", "timezone": "Mars/Olympus"},
    )
    assert response.status_code == 422
    page = text(response)
    assert "This field is required." in page
    assert "Enter an email address" in page
    assert "Use at least 10 characters." in page
    assert "Unknown time zone" in page
    assert db("SELECT id FROM users") == []


def test_a_taken_address_gets_the_same_answer_as_a_new_one(dash, host, db):
    """Sign-up doesn't tell who has an account (issue 12.10): both pages say "check your
    inbox" and differ only by the address; the inbox tells the truth."""
    taken = dash.ask_to_sign_up(name="X", email=host.email)
    new = dash.ask_to_sign_up(name="X", email="new@example.com")
    assert taken.status_code == new.status_code == 200
    assert text(taken).replace(host.email, "@") == text(new).replace("new@example.com", "@")
    assert "Check your inbox" in text(taken)
    assert dash.emailed_link(host.email, "signup_existing") == "/app/login"
    assert db("SELECT count(*) FROM users") == [(1,)]  # no new user; the old password works
    dash.sign_in(host.email)


def test_nothing_is_stored_until_the_emailed_link_is_followed(dash, db):
    dash.ask_to_sign_up(email="ada@example.com")
    assert db("SELECT id FROM users") == [] and db("SELECT id FROM accounts") == []
    link = dash.emailed_link("ada@example.com", "signup_link")
    assert "correct horse" not in link  # the form travels encrypted
    followed = dash.get(link)
    assert followed.status_code == 302 and followed.headers["Location"] == "/app/links"
    assert db("SELECT email FROM users") == [("ada@example.com",)]


def test_a_sign_up_link_creates_the_account_once(dash, client, app, db):
    dash.ask_to_sign_up(email="ada@example.com")
    link = dash.emailed_link("ada@example.com", "signup_link")
    dash.get(link)
    again = Dashboard(app.test_client()).get(link)
    assert again.status_code == 302 and again.headers["Location"] == "/app/login"
    assert db("SELECT count(*) FROM users") == [(1,)]


def test_a_sign_up_link_lapses_after_a_day(dash, db, now):
    dash.ask_to_sign_up(email="ada@example.com")
    link = dash.emailed_link("ada@example.com", "signup_link")
    clock.set_now(now + timedelta(hours=24, minutes=1))
    lapsed = dash.get(link)
    assert lapsed.status_code == 404
    assert "expired" in text(lapsed)
    assert db("SELECT id FROM users") == []


def test_a_made_up_sign_up_link_is_a_404(dash):
    assert dash.get("/app/signup/confirm/gAAAAABforged").status_code == 404


def test_wrong_password_gets_one_message_and_logout_ends_the_session(dash, host):
    wrong = dash.post("/app/login", {"email": host.email, "password": "nope"})
    unknown = dash.post("/app/login", {"email": "who@example.com", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 422
    assert "Wrong email or password." in text(wrong)
    assert "Wrong email or password." in text(unknown)
    dash.sign_in(host.email)
    assert dash.get("/app/links").status_code == 200
    assert dash.post("/app/logout").status_code == 302
    assert dash.get("/app/links").status_code == 302


PRIVATE_PAGES = (
    "/app/",
    "/app/links",
    "/app/links/1/edit/details",
    "/app/links/1/troubleshoot?day=2030-01-07",
    "/app/bookings",
    "/app/contacts/1",
    "/app/tokens",
    "/app/account/branding",
)


def test_a_logged_out_visitor_is_sent_to_login_and_back(dash, client, host, subtests):
    for path in PRIVATE_PAGES:
        with subtests.test(path):
            response = dash.get(path)
            assert response.status_code == 302
            assert response.headers["Location"].startswith("/app/login?next=")
            login = dash.post(
                response.headers["Location"],
                {"email": host.email, "password": PASSWORD, "next": path},
            )
            assert login.headers["Location"] == path
            dash.post("/app/logout")
    assert client.post("/app/links/1/default").status_code == 400  # no CSRF token
    assert dash.post("/app/links/1/default").headers["Location"] == "/app/login"


def test_login_never_sends_anyone_off_the_dashboard(dash, host, subtests):
    for target in ("//evil.example/app/", "https://evil.example/", "/meetings/x", "/app/\\evil"):
        with subtests.test(target):
            response = dash.post(
                "/app/login", {"email": host.email, "password": PASSWORD, "next": target}
            )
            assert response.headers["Location"] == "/app/links"
            dash.post("/app/logout")


def test_a_post_without_a_csrf_token_is_refused(dash, client, host, db):
    # logged out: sign-up and login forms
    signup = client.post(
        "/app/signup",
        data={"name": "Eve", "email": "eve@example.com", "password": PASSWORD, "timezone": "UTC"},
    )
    assert signup.status_code == 400
    assert "expired or did not come from this site" in text(signup)
    assert db("SELECT id FROM users WHERE email = 'eve@example.com'") == []
    assert (
        client.post("/app/login", data={"email": host.email, "password": PASSWORD}).status_code
        == 400
    )
    # signed in: a forged post from another site, with no token or a made-up one
    dash.sign_in(host.email)
    for token in (None, "forged"):
        data = {"name": "forged"} | ({"csrf_token": token} if token else {})
        assert client.post("/app/tokens", data=data).status_code == 400
    assert db("SELECT id FROM api_tokens WHERE name = 'forged'") == []
    # the bearer-token API is not affected
    assert client.get("/api/v1/links", headers=host.headers).status_code == 200


def _outbox_link(db, kind: str) -> str:
    """The dashboard link in the plain-text part of the one queued email of ``kind``."""
    [(mime,)] = db("SELECT mime FROM outbox_messages WHERE kind = :kind", kind=kind)
    message = email.message_from_string(mime)
    plain = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    body = plain.get_payload(decode=True).decode()
    return re.search(r"http://rendezvous\.test(/app/\S+)", body).group(1)


def test_password_reset_by_emailed_link(dash, client, app, host, db):
    other = app.test_client()  # another browser where the user is signed in
    Dashboard(other).sign_in(host.email)
    sent = dash.post("/app/password/forgot", {"email": host.email})
    assert "If an account uses this address" in text(sent)
    unknown = dash.post("/app/password/forgot", {"email": "nobody@example.com"})
    assert text(unknown).count("If an account uses this address") == 1
    link = _outbox_link(db, "password_reset")
    assert dash.get(link).status_code == 200
    done = dash.post(link, {"password": "a brand new password"})
    assert done.status_code == 302
    assert dash.get("/app/links").status_code == 200
    assert other.get("/app/links").status_code == 302  # the other session ended
    assert dash.post(link, {"password": "yet another password"}).status_code == 404  # used
    assert (
        client.post(
            "/api/v1/auth/tokens", json={"email": host.email, "password": "a brand new password"}
        ).status_code
        == 201
    )


def test_an_invitation_makes_a_member_of_the_account(dash, app, host, db):
    dash.sign_in(host.email)
    invited = dash.post("/app/account/team", {"email": "bob@example.com", "role": "member"})
    assert invited.status_code == 302
    link = _outbox_link(db, "team_invitation")
    bob = Dashboard(app.test_client())
    page = bob.get(link)
    assert "bob@example.com" in text(page)
    joined = bob.post(link, {"name": "Bob Stone", "password": PASSWORD, "timezone": "UTC"})
    assert joined.status_code == 302
    [(account_id, role)] = db("SELECT account_id, role FROM users WHERE email = 'bob@example.com'")
    assert (account_id, role) == (host.account_id, "member")
    presets = db(
        "SELECT l.slug FROM booking_links l JOIN users u ON u.id = l.owner_id "
        "WHERE u.email = 'bob@example.com'"
    )
    assert len(presets) == 3
    assert bob.get("/app/links").status_code == 200
    assert bob.get("/app/account/branding").status_code == 403  # admins only
    assert bob.get(link).status_code == 404  # used


def test_the_last_admin_stays_admin(signed_in, host, db):
    response = signed_in.post(f"/app/account/team/{host.id}/role", {"role": "member"})
    assert response.status_code == 302
    assert "at least one admin" in text(signed_in.get("/app/account/team"))
    assert db("SELECT role FROM users WHERE id = :id", id=host.id) == [("admin",)]
