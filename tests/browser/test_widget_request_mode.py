"""C6 in the browser: a link whose host's calendar is disconnected shows the widget's request
form instead of the calendar; the visitor sends it, the request is stored and the host is
emailed that a request came in and the calendar is disconnected.

The host is one of this module's own (another account than the session's Alice), so the
disconnected calendar never puts the other browser tests' links into request mode.
"""

from __future__ import annotations

import email
import email.policy
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.calendars.models import Calendar, CalendarConnection
from server.clock import utcnow
from server.db import get_session, transaction
from server.meeting_requests.models import VisitorRequest
from server.notifications.models import OutboxMessage
from tests.browser.widget_steps import record_events, wait_ready

EMAIL = "rosa.requests@example.com"
PASSWORD = "browser-request-mode"


@pytest.fixture(scope="module")
def disconnected_host(live_app: Any) -> dict[str, Any]:
    """Rosa, whose only calendar connection refused us: ``disconnected`` (test data written
    straight to the database, as a failed sync would leave it)."""
    from server.accounts.signup import sign_up

    with live_app.app.app_context():
        session = get_session()
        user = sign_up(
            session,
            email=EMAIL,
            password=PASSWORD,
            name="Rosa Diaz",
            timezone="Europe/Paris",
            with_preset_links=False,
        )
        session.commit()
        with transaction(session):
            connection = CalendarConnection(
                account_id=user.account_id,
                user_id=user.id,
                provider="caldav",
                url="https://dav.invalid/",
                username="rosa",
                secret="an old password",
                status="disconnected",
                status_message="The server refused the login (401).",
                last_synced_at=utcnow(),
            )
            connection.calendars.append(
                Calendar(user_id=user.id, remote_id="/rosa/work/", name="Work", writable=True)
            )
            session.add(connection)
        user_id = user.id
    token = live_app.api(
        "POST", "/api/v1/auth/tokens", json={"email": EMAIL, "password": PASSWORD}
    ).json["token"]
    return {"id": user_id, "token": token}


def make_link(live_app: Any, host: dict[str, Any]) -> dict[str, Any]:
    response = live_app.api(
        "POST",
        "/api/v1/links",
        host["token"],
        json={
            "name": "Rosa's intro",
            "title": "Intro with Rosa",
            "durations": [30],
            "timezone": "Europe/Paris",
            "availability": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        },
    )
    assert response.status_code == 201, response.json
    return response.json


def test_the_widget_shows_the_request_form_and_sends_it(
    page, examples_origin, live_app, disconnected_host
):
    link = make_link(live_app, disconnected_host)
    assert live_app.api("GET", f"/api/v1/public/links/{link['slug']}").json["mode"] == "request"

    record_events(page)
    page.goto(f"{examples_origin}/plain.html?slug={link['slug']}")
    wait_ready(page)
    scope = page.locator(".rendezvous-embed")
    expect(scope.get_by_role("heading", name="Request a meeting")).to_be_visible()
    expect(scope.get_by_text("Rosa Diaz isn't taking online bookings right now.")).to_be_visible()
    expect(scope.locator(".rdv-day")).to_have_count(0)  # no calendar of times to pick

    scope.get_by_role("button", name="Send request").click()  # empty: the client checks first
    expect(scope.locator(".rdv-formerr")).to_have_text("Please correct the marked fields.")

    scope.get_by_label("Name").fill("Ada Lovelace")
    scope.get_by_label("Email").fill("ada@example.com")
    scope.get_by_label("Preferred times").fill("Thursday morning, or Friday after 14:00")
    scope.get_by_label("Message").fill("About the analytical engine")
    scope.get_by_role("button", name="Send request").click()

    sent = scope.get_by_role("heading", name="Request sent")
    expect(sent).to_be_visible(timeout=15_000)
    expect(sent).to_be_focused()
    expect(scope.get_by_text("You'll get an answer by email at ada@example.com.")).to_be_visible()

    with live_app.app.app_context():
        session = get_session()
        stored = session.scalars(
            select(VisitorRequest).where(VisitorRequest.link_id == link["id"])
        ).one()
        assert stored.preferred_times == "Thursday morning, or Friday after 14:00"
        assert stored.message == "About the analytical engine"
        assert stored.contact.email == "ada@example.com"
        [notice] = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == "request_notice", OutboxMessage.recipient == EMAIL
            )
        ).all()
        parsed = email.message_from_string(notice.mime, policy=email.policy.default)
    text = parsed.get_body(preferencelist=("plain",)).get_content()
    assert "Thursday morning, or Friday after 14:00" in text
    assert "Your calendar is disconnected" in text
    assert page.js_errors == []
