"""A2: a user of account A gets 404 for everything of account B, in pages and in the API."""

from __future__ import annotations

import io

import pytest

from tests.dashboard.conftest import EVERY_DAY, Dashboard, book, first_slot, image_bytes

pytestmark = pytest.mark.db


@pytest.fixture
def victim(app, client, make_host, make_link, db):
    """Account B with one of everything: link, booking, contact, upload, token, invitation,
    domain. Built by B through the API and the dashboard, in B's own browser."""
    bea = make_host(name="Bea Victim")
    link = make_link(owner=bea, availability=EVERY_DAY)
    booking = book(client, link, email="visitor@example.com")
    [contact] = client.get("/api/v1/contacts", headers=bea.headers).json["items"]
    browser = Dashboard(app.test_client())
    browser.sign_in(bea.email)
    browser.post(
        "/app/account/branding",
        {"accent_color": "#112233", "logo": (io.BytesIO(image_bytes()), "logo.png")},
        content_type="multipart/form-data",
    )
    browser.post("/app/tokens", {"name": "B's script"})
    browser.post("/app/account/team", {"email": "newbie@example.com", "role": "member"})
    browser.post("/app/account/domains", {"hostname": "meetings.bea.example"})
    [(upload_id,)] = db("SELECT id FROM uploads")
    [(token_id,)] = db("SELECT id FROM api_tokens WHERE name = 'B''s script'")
    [(invitation_id,)] = db("SELECT id FROM invitations")
    [(domain_id,)] = db("SELECT id FROM custom_domains")
    return {
        "host": bea,
        "link": link["id"],
        "slug": link["slug"],
        "booking": booking["id"],
        "contact": contact["id"],
        "upload": upload_id,
        "token": token_id,
        "invitation": invitation_id,
        "domain": domain_id,
    }


def test_nothing_of_another_account_is_reachable(dash, client, host, make_link, victim, db):
    own_link = make_link(availability=EVERY_DAY)
    book(client, own_link, email="mine@example.com")
    [own_contact] = client.get("/api/v1/contacts", headers=host.headers).json["items"]
    dash.sign_in(host.email)
    v = victim
    pages = [
        *(
            f"/app/links/{v['link']}/edit/{step}"
            for step in ("details", "configuration", "availability", "questions", "gdpr")
        ),
        f"/app/links/{v['link']}/embed",
        f"/app/links/{v['link']}/troubleshoot",
        f"/app/links/{v['link']}/email-preview",
        f"/app/bookings/{v['booking']}",
        f"/app/contacts/{v['contact']}",
        f"/app/contacts/{v['contact']}/schedule",
        f"/app/contacts/{own_contact['id']}/schedule?link={v['link']}",
        f"/app/uploads/{v['upload']}",
    ]
    posts = [
        (f"/app/links/{v['link']}/edit/details", {"name": "taken over", "durations": "30"}),
        (f"/app/links/{v['link']}/edit/gdpr", {"customized": "on", "enabled": "on"}),
        (f"/app/links/{v['link']}/default", {}),
        (f"/app/links/{v['link']}/delete", {"confirm": "yes"}),
        (f"/app/bookings/{v['booking']}/cancel", {}),
        (f"/app/contacts/{v['contact']}/schedule", {"link": v["link"]}),
        (
            f"/app/contacts/{own_contact['id']}/schedule",
            {"link": v["link"], "start": first_slot(client, {"slug": v["slug"]})},
        ),
        (f"/app/tokens/{v['token']}/revoke", {}),
        (f"/app/account/invitations/{v['invitation']}/revoke", {}),
        (f"/app/account/domains/{v['domain']}/check", {}),
        (f"/app/account/domains/{v['domain']}/delete", {}),
        (f"/app/account/team/{v['host'].id}/role", {"role": "member"}),
    ]
    api = [
        ("GET", f"/api/v1/links/{v['link']}", None),
        ("PATCH", f"/api/v1/links/{v['link']}", {"name": "taken over"}),
        ("DELETE", f"/api/v1/links/{v['link']}", None),
        ("GET", f"/api/v1/links/{v['link']}/troubleshoot?start=2030-01-07T10:00:00%2B01:00", None),
        ("GET", f"/api/v1/bookings/{v['booking']}", None),
        ("GET", f"/api/v1/contacts/{v['contact']}", None),
    ]
    reached = [f"GET {p} → {dash.get(p).status_code}" for p in pages]
    reached += [f"POST {p} → {dash.post(p, data).status_code}" for p, data in posts]
    reached += [
        f"{m} {p} → {client.open(p, method=m, json=body, headers=host.headers).status_code}"
        for m, p, body in api
    ]
    assert [r for r in reached if not r.endswith("→ 404")] == []

    # and B's things are all still there, unchanged
    bea = v["host"]
    assert (
        client.get(f"/api/v1/links/{v['link']}", headers=bea.headers).json["name"] != "taken over"
    )
    assert (
        client.get(f"/api/v1/bookings/{v['booking']}", headers=bea.headers).json["status"]
        == "confirmed"
    )
    assert db("SELECT id FROM api_tokens WHERE id = :id", id=v["token"])
    assert db("SELECT id FROM uploads WHERE id = :id", id=v["upload"])
    assert db("SELECT id FROM invitations WHERE id = :id", id=v["invitation"])
    assert db("SELECT verified_at FROM custom_domains WHERE id = :id", id=v["domain"]) == [(None,)]
    assert db("SELECT role FROM users WHERE id = :id", id=bea.id) == [("admin",)]
    assert db("SELECT default_link_id FROM accounts WHERE id = :id", id=bea.account_id) == [(None,)]


def test_lists_show_only_the_accounts_own(dash, client, host, make_link, victim):
    dash.sign_in(host.email)
    for page in ("/app/links", "/app/bookings", "/app/contacts", "/app/tokens"):
        body = dash.get(page).get_data(as_text=True)
        assert victim["slug"] not in body
        assert "visitor@example.com" not in body
        assert "B&#39;s script" not in body and "B's script" not in body
