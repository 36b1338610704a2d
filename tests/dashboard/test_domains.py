"""Custom domains (P4): DNS steps, the proof of ownership (a TXT record), the routing check,
and booking pages served on the domain. DNS answers come from a real DNS server the tests run
(tests/dns_server.py), which the app asks through RENDEZVOUS_DNS_NAMESERVERS."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.dashboard.conftest import Dashboard, text
from tests.dns_server import DnsServer

pytestmark = pytest.mark.db

DOMAIN = "meetings.alice.example"
#: what rendezvous.test (the app's host in tests) resolves to
APP_ADDRESS = "203.0.113.7"


@pytest.fixture
def dns(app) -> Iterator[DnsServer]:
    server = DnsServer().start()
    server.set("rendezvous.test", "A", APP_ADDRESS)
    app.config["RENDEZVOUS_DNS_NAMESERVERS"] = server.address
    yield server
    server.stop()


def token_on_page(page: str) -> str:
    return re.search(r"<code>(rendezvous-verify=[0-9a-f]+)</code>", page).group(1)


def publish(dash: Dashboard, dns: DnsServer, hostname: str = DOMAIN) -> str:
    """What the domain's owner does at their DNS provider: the TXT proof and the CNAME."""
    token = token_on_page(text(dash.get("/app/account/domains")))
    dns.set(f"_rendezvous.{hostname}", "TXT", token)
    dns.set(hostname, "A", APP_ADDRESS)
    return token


@pytest.fixture
def resolves_to_us(dns):
    """The domain points at the app; its TXT proof is published by ``publish``."""
    dns.set(DOMAIN, "A", APP_ADDRESS)
    return dns


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


def test_dns_steps_then_the_check_connects_the_domain(signed_in, db, dns):
    signed_in.post("/app/account/domains", {"hostname": f"https://{DOMAIN.upper()}/"})
    page = text(signed_in.get("/app/account/domains"))
    assert "Waiting for DNS" in page
    token = token_on_page(page)
    assert f"<td>TXT</td><td><code>_rendezvous.meetings</code></td><td><code>{token}</code>" in page
    assert (
        "<td>CNAME</td><td><code>meetings</code></td><td><code>rendezvous.test.</code></td>" in page
    )
    [(domain_id,)] = db("SELECT id FROM custom_domains WHERE hostname = :h", h=DOMAIN)
    dns.set(DOMAIN, "A", "198.51.100.1")
    dns.set(f"_rendezvous.{DOMAIN}", "TXT", token)
    signed_in.post(f"/app/account/domains/{domain_id}/check")
    assert "does not point at this app yet" in text(signed_in.get("/app/account/domains"))
    dns.set(DOMAIN, "A", APP_ADDRESS)
    signed_in.post(f"/app/account/domains/{domain_id}/check")
    assert "Connected" in text(signed_in.get("/app/account/domains"))


def test_pointing_at_the_app_without_the_txt_proof_connects_nothing(signed_in, db, dns):
    signed_in.post("/app/account/domains", {"hostname": DOMAIN})
    dns.set(DOMAIN, "A", APP_ADDRESS)
    dns.set(f"_rendezvous.{DOMAIN}", "TXT", "rendezvous-verify=someone-elses-token")
    [(domain_id,)] = db("SELECT id FROM custom_domains")
    signed_in.post(f"/app/account/domains/{domain_id}/check")
    page = text(signed_in.get("/app/account/domains"))
    assert "proves meetings.alice.example is yours is not there yet" in page
    assert db("SELECT verified_at FROM custom_domains") == [(None,)]


def test_a_squatters_pending_claim_blocks_nobody(signed_in, app, make_host, db, dns):
    """Mallory claims Ana's domain first; Ana can still add it, proves it, and gets it."""
    mallory = Dashboard(app.test_client())
    mallory.sign_in(make_host(name="Mallory Squat").email)
    assert mallory.post("/app/account/domains", {"hostname": DOMAIN}).status_code == 302
    assert signed_in.post("/app/account/domains", {"hostname": DOMAIN}).status_code == 302
    publish(signed_in, dns)  # the real owner's token

    rows = db("SELECT id, account_id FROM custom_domains ORDER BY id")
    (squat_id, _), (own_id, _) = rows
    mallory.post(f"/app/account/domains/{squat_id}/check")
    signed_in.post(f"/app/account/domains/{own_id}/check")
    verified = db("SELECT id FROM custom_domains WHERE verified_at IS NOT NULL")
    assert verified == [(own_id,)]


def test_a_domain_connected_to_one_account_cant_be_taken_by_another(
    signed_in, app, make_host, db, dns
):
    signed_in.post("/app/account/domains", {"hostname": DOMAIN})
    token = publish(signed_in, dns)
    [(domain_id,)] = db("SELECT id FROM custom_domains")
    signed_in.post(f"/app/account/domains/{domain_id}/check")
    other = Dashboard(app.test_client())
    other.sign_in(make_host(name="Bob Stone").email)
    response = other.post("/app/account/domains", {"hostname": DOMAIN})
    assert response.status_code == 422
    assert "already connected to an account" in text(response)
    assert token


def test_a_connected_domain_serves_the_accounts_booking_pages_only(
    signed_in, client, host, make_host, make_link, resolves_to_us, db
):
    own = make_link()
    other = make_link(owner=make_host(name="Bob Elsewhere"))
    on_domain = {"base_url": f"http://{DOMAIN}"}
    signed_in.post("/app/account/domains", {"hostname": DOMAIN})
    publish(signed_in, resolves_to_us)
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


def test_an_account_claims_a_domain_once(signed_in, dns):
    signed_in.post("/app/account/domains", {"hostname": DOMAIN})
    response = signed_in.post("/app/account/domains", {"hostname": DOMAIN})
    assert response.status_code == 422
    assert "already in your list" in text(response)
