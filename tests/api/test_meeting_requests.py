"""POST /api/v1/public/links/<slug>/requests: request a meeting (SPEC §10, C6)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

pytestmark = pytest.mark.db

REQUEST = {
    "name": "Ada Lovelace",
    "email": "Ada@Example.com",
    "preferred_times": "Tuesday afternoon, or any morning next week",
    "message": "About the analytical engine",
    "timezone": "Europe/London",
}


def post(client, link, **fields):
    return client.post(f"/api/v1/public/links/{link['slug']}/requests", json={**REQUEST, **fields})


def test_a_request_is_stored_with_its_contact(app, client, make_link):
    from server.db import get_session
    from server.meeting_requests.models import VisitorRequest

    link = make_link()
    response = post(client, link)
    assert response.status_code == 201
    assert response.json["status"] == "received"
    with app.app_context():
        stored = get_session().scalars(select(VisitorRequest)).one()
        assert stored.preferred_times == REQUEST["preferred_times"]
        assert (stored.contact.email, stored.contact.first_name, stored.contact.last_name) == (
            "ada@example.com",
            "Ada",
            "Lovelace",
        )


def test_the_hosts_are_told_by_email_in_the_same_transaction(app, client, make_link, host):
    from server.db import get_session
    from server.notifications.models import OutboxMessage

    link = make_link()
    post(client, link)
    with app.app_context():
        queued = get_session().scalars(select(OutboxMessage)).all()
    assert [m.recipient for m in queued] == [host.email]
    assert "Tuesday afternoon" in queued[0].mime or "Tuesday afternoon" in queued[0].subject


def test_a_request_shows_on_the_contacts_timeline(app, client, make_link):
    from server.contacts.models import Contact
    from server.dashboard.contacts import timeline
    from server.db import get_session

    link = make_link(title="Intro call")
    post(client, link)
    with app.app_context():
        session = get_session()
        contact = session.scalars(select(Contact)).one()
        events = timeline(session, contact)
    assert [(e.kind, e.title) for e in events] == [("requested", "Asked for “Intro call”")]
    assert "Tuesday afternoon" in events[0].detail


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "  "}, "name"),
        ({"email": "nope"}, "email"),
        ({"preferred_times": ""}, "preferred_times"),
        ({"preferred_times": "x" * 3000}, "preferred_times"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_bad_request_fields_are_422(client, make_link, fields, field):
    response = post(client, make_link(), **fields)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


def test_requests_to_an_unknown_link_are_404(client):
    response = client.post("/api/v1/public/links/nobody/nothing/requests", json=REQUEST)
    assert response.status_code == 404
