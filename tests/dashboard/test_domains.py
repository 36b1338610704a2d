"""Custom domains (P4): DNS steps, the check, and booking pages served on the domain."""

from __future__ import annotations

import pytest

from server.domains import services as domains
from tests.dashboard.conftest import Dashboard, text

pytestmark = pytest.mark.db

DOMAIN = "meetings.alice.example"


@pytest.fixture
def resolves_to_us(monkeypatch):
    """DNS as if the domain's CNAME pointed at the app (no real lookups in tests)."""
    monkeypatch.setattr(domains, "resolve_addresses", lambda name: {"203.0.113.7"})


BAD_DOMAINS = {
    "localhost": "such as meetings.example.com",
    "203.0.113.7": "not an IP address",
    "rendezvous.test": "not a domain of yours",
    "bad_name.example": "such as meetings.example.com",
    "": "required",
}


def test_a_bad_domain_is_explained(signed_in, db, subtests):
    for hostname, message in BAD_DOMAINS.items():
        with subtests.test(hostname or "empty"):
            response = signed_in.post("/app/account/domains", {"hostname": hostname})
            assert response.status_code == 422
            assert message in text(response)
    assert db("SELECT id FROM custom_domains") == []


def test_dns_steps_then_the_check_connects_the_domain(signed_in, db, monkeypatch):
    signed_in.post("/app/account/domains", {"hostname": f"https://{DOMAIN.upper()}/"})
    page = text(signed_in.get("/app/account/domains"))
    assert "Waiting for DNS" in page
    assert (
        "<td>CNAME</td><td><code>meetings</code></td><td><code>rendezvous.test.</code></td>" in page
    )
    [(domain_id,)] = db("SELECT id FROM custom_domains WHERE hostname = :h", h=DOMAIN)
    monkeypatch.setattr(
        domains,
        "resolve_addresses",
        lambda name: {"198.51.100.1"} if name == DOMAIN else {"203.0.113.7"},
    )
    signed_in.post(f"/app/account/domains/{domain_id}/check")
    assert "does not point at this app yet" in text(signed_in.get("/app/account/domains"))
    monkeypatch.setattr(domains, "resolve_addresses", lambda name: {"203.0.113.7"})
    signed_in.post(f"/app/account/domains/{domain_id}/check")
    assert "Connected" in text(signed_in.get("/app/account/domains"))


def test_a_connected_domain_serves_the_accounts_booking_pages_only(
    signed_in, client, host, make_host, make_link, resolves_to_us, db
):
    own = make_link()
    other = make_link(owner=make_host(name="Bob Elsewhere"))
    on_domain = {"base_url": f"http://{DOMAIN}"}
    signed_in.post("/app/account/domains", {"hostname": DOMAIN})
    assert client.get(f"/meetings/{own['slug']}", **on_domain).status_code == 200  # not yet ours
    assert client.get("/app/links", **on_domain).status_code == 302  # still the app: to login
    [(domain_id,)] = db("SELECT id FROM custom_domains")
    signed_in.post(f"/app/account/domains/{domain_id}/check")

    page = client.get(f"/meetings/{own['slug']}", **on_domain)
    assert page.status_code == 200
    assert f'data-src="http://{DOMAIN}/meetings/{own["slug"]}"' in text(page)
    assert client.get(f"/api/v1/public/links/{own['slug']}", **on_domain).status_code == 200
    assert client.get(f"/meetings/{other['slug']}", **on_domain).status_code == 404
    assert client.get(f"/api/v1/public/links/{other['slug']}", **on_domain).status_code == 404
    assert client.get("/app/links", **on_domain).status_code == 404
    assert client.get("/api/v1/links", headers=host.headers, **on_domain).status_code == 404
    assert client.get("/", **on_domain).status_code == 404  # no default link yet
    assert client.get("/favicon.ico", **on_domain).status_code == 200  # the booking page's tab
    signed_in.post(f"/app/links/{own['id']}/default")
    home = client.get("/", **on_domain)
    assert home.status_code == 302 and home.headers["Location"].endswith(f"/meetings/{own['slug']}")
    # the same slug, the same link, on the app's own domain too
    assert client.get(f"/meetings/{own['slug']}").status_code == 200
    assert f"https://{DOMAIN}/meetings/{own['slug']}" in text(signed_in.get("/app/links"))


def test_a_domain_belongs_to_one_account(signed_in, dash, app, make_host):
    signed_in.post("/app/account/domains", {"hostname": DOMAIN})
    bob = make_host(name="Bob Stone")
    other = Dashboard(app.test_client())
    other.sign_in(bob.email)
    response = other.post("/app/account/domains", {"hostname": DOMAIN})
    assert response.status_code == 422
    assert "already connected to an account" in text(response)
