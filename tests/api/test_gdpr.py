"""GDPR for a contact (SPEC A6, issue 12.14): an admin exports everything held about a person
as JSON, or erases it (bookings anonymised, consent records kept), in the API and the
dashboard; members can't; each leaves an audit line of who did it."""

from __future__ import annotations

import json

import pytest

from server.db import get_session
from tests.api.test_public_bookings import book, first_slot
from tests.dashboard.conftest import Dashboard

pytestmark = pytest.mark.db

CONSENT = {
    "enabled": True,
    "mode": "consent",
    "processing_text": "OK to process?",
    "subscription_types": [{"id": "news", "label": "Newsletter"}],
}


@pytest.fixture
def booked(client, make_link, host):
    """Grace booked with a phone number and consent; (contact id, booking id)."""
    form = [
        {"key": "first_name", "label": "First name", "type": "text", "required": True},
        {"key": "last_name", "label": "Last name", "type": "text", "required": True},
        {"key": "email", "label": "Email", "type": "email", "required": True},
        {"key": "phone", "label": "Phone", "type": "phone", "property": "phone"},
    ]
    link = make_link(form=form, consent=CONSENT)
    response = book(
        client,
        link,
        first_slot(client, link)[0],
        first_name="Grace",
        last_name="Hopper",
        email="grace@example.com",
        answers={"phone": "+1 555 0100"},
        consent={"processing": True, "subscriptions": {"news": True}},
    )
    assert response.status_code == 201, response.json
    [contact] = client.get("/api/v1/contacts", headers=host.headers).json["items"]
    return contact["id"], response.json["id"]


def audit(app) -> list[tuple[str, str, str]]:
    from sqlalchemy import text

    with app.app_context():
        rows = get_session().execute(text("SELECT actor, action, subject FROM audit_records"))
        return [tuple(row) for row in rows]


def test_an_admin_exports_everything_held_about_the_contact(app, client, host, booked):
    contact_id, booking_id = booked
    response = client.get(f"/api/v1/contacts/{contact_id}/export", headers=host.headers)
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["contact"]["email"] == "grace@example.com"
    assert data["contact"]["properties"] == {"phone": "+1 555 0100"}
    (booking,) = data["bookings"]
    assert booking["id"] == booking_id and booking["name_typed"] == "Grace Hopper"
    assert booking["consent"]["processing"] is True
    assert audit(app) == [(host.email, "contact.exported", f"contact {contact_id}")]


def test_erasing_anonymises_the_bookings_and_keeps_the_consent(app, client, host, booked):
    contact_id, booking_id = booked
    response = client.delete(f"/api/v1/contacts/{contact_id}", headers=host.headers)
    assert response.status_code == 204
    record = client.get(f"/api/v1/contacts/{contact_id}", headers=host.headers).json
    assert "grace" not in json.dumps(record).lower()
    assert record["properties"] == {}
    booking = client.get(f"/api/v1/bookings/{booking_id}", headers=host.headers).json
    assert "grace" not in json.dumps(booking).lower() and "555" not in json.dumps(booking)
    assert booking["status"] == "confirmed"  # the meeting itself is still on the books
    exported = json.loads(
        client.get(f"/api/v1/contacts/{contact_id}/export", headers=host.headers).data
    )
    assert exported["bookings"][0]["consent"]["processing"] is True  # the proof is kept
    assert ("contact.erased", f"contact {contact_id}") in [(a, s) for _, a, s in audit(app)]


def test_a_member_may_neither_export_nor_erase(client, make_host, host, booked):
    contact_id, _ = booked
    member = make_host(name="Mia Member", same_account_as=host)
    export = client.get(f"/api/v1/contacts/{contact_id}/export", headers=member.headers)
    assert (export.status_code, export.json["error"]["code"]) == (403, "forbidden")
    erase = client.delete(f"/api/v1/contacts/{contact_id}", headers=member.headers)
    assert erase.status_code == 403


def test_another_accounts_contact_is_404(client, make_host, booked):
    contact_id, _ = booked
    stranger = make_host(name="Sam Elsewhere")
    assert (
        client.delete(f"/api/v1/contacts/{contact_id}", headers=stranger.headers).status_code == 404
    )


def test_the_dashboard_exports_and_erases_for_an_admin(app, client, host, booked):
    contact_id, _ = booked
    dash = Dashboard(app.test_client())
    dash.sign_in(host.email)
    exported = dash.get(f"/app/contacts/{contact_id}/export")
    assert exported.status_code == 200
    assert json.loads(exported.data)["contact"]["email"] == "grace@example.com"
    token = dash.csrf_token(f"/app/contacts/{contact_id}")
    erased = dash.client.post(
        f"/app/contacts/{contact_id}/erase", data={"csrf_token": token, "confirm": "yes"}
    )
    assert erased.status_code == 302
    page = dash.get(f"/app/contacts/{contact_id}").get_data(as_text=True)
    assert "personal data is erased" in page and "grace@example.com" not in page
