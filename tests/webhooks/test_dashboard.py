"""The dashboard's webhooks page (/app/webhooks): list, add, switch, test, remove, and the
delivery log, through the forms as a browser posts them (CSRF on)."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import text
from tests.webhooks.conftest import EVENTS, create_webhook, deliveries

pytestmark = pytest.mark.db

URL = "https://hooks.example.com/rendezvous"
NEW_SECRET = re.compile(r'id="new-secret" type="text" value="([^"]+)"')


def api_webhooks(client, host) -> list[dict]:
    return client.get("/api/v1/webhooks", headers=host.headers).json["items"]


def test_the_page_lists_the_account_s_webhooks_under_settings(signed_in, client, host):
    create_webhook(client, host, URL)
    page = text(signed_in.get("/app/webhooks"))
    assert URL in page
    assert 'href="/app/webhooks" aria-current="page">Webhooks</a>' in page


def test_adding_a_webhook_through_the_form_shows_its_secret_once(signed_in, client, host):
    response = signed_in.post(
        "/app/webhooks", {"url": URL, "events": ["booking.created", "booking.cancelled"]}
    )
    assert response.status_code == 200, text(response)
    secret = NEW_SECRET.search(text(response)).group(1)
    assert secret.startswith("whsec_")
    (made,) = api_webhooks(client, host)
    assert made["url"] == URL and made["events"] == ["booking.created", "booking.cancelled"]
    assert secret not in text(signed_in.get("/app/webhooks"))


def test_a_private_address_in_the_form_is_refused_next_to_the_field(signed_in, client, host):
    response = signed_in.post("/app/webhooks", {"url": "http://10.0.0.7/hook", "events": EVENTS})
    assert response.status_code == 422
    page = text(response)
    assert 'id="f-url"' in page and 'aria-invalid="true"' in page
    assert "private or local" in page
    assert api_webhooks(client, host) == []


def test_no_event_ticked_is_refused_next_to_the_events(signed_in, client, host):
    response = signed_in.post("/app/webhooks", {"url": URL})
    assert response.status_code == 422
    assert "Choose at least one event." in text(response)
    assert api_webhooks(client, host) == []


def test_switching_a_webhook_off_and_on_through_the_form(signed_in, client, host):
    hook = create_webhook(client, host, URL)
    off = signed_in.post(f"/app/webhooks/{hook['id']}/active", {"active": "0"})
    assert off.status_code == 302
    assert api_webhooks(client, host)[0]["active"] is False
    signed_in.post(f"/app/webhooks/{hook['id']}/active", {"active": "1"})
    assert api_webhooks(client, host)[0]["active"] is True


def test_removing_a_webhook_through_the_form(signed_in, client, host):
    hook = create_webhook(client, host, URL)
    response = signed_in.post(f"/app/webhooks/{hook['id']}/delete")
    assert response.status_code == 302
    assert api_webhooks(client, host) == []
    page = text(signed_in.get("/app/webhooks"))
    assert f'id="webhook-{hook["id"]}"' not in page and 'id="no-webhooks"' in page


def test_the_test_button_queues_a_ping_that_shows_in_the_log(signed_in, client, host):
    hook = create_webhook(client, host, URL)
    response = signed_in.post(f"/app/webhooks/{hook['id']}/test")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/app/webhooks/{hook['id']}")
    (queued,) = deliveries(client, host, hook["id"])
    assert queued["event"] == "ping"
    log = text(signed_in.get(f"/app/webhooks/{hook['id']}"))
    assert f'id="delivery-{queued["id"]}"' in log and 'data-status="pending"' in log


def test_another_account_s_webhook_log_is_404(signed_in, client, make_host):
    stranger = make_host(name="Eve Other")
    hook = create_webhook(client, stranger, URL)
    assert signed_in.get(f"/app/webhooks/{hook['id']}").status_code == 404
    assert signed_in.post(f"/app/webhooks/{hook['id']}/delete").status_code == 404
    assert len(api_webhooks(client, stranger)) == 1


def test_a_member_may_not_open_the_webhooks_page(dash, host, make_host):
    member = make_host(name="Bob Member", same_account_as=host)
    dash.sign_in(member.email)
    assert dash.get("/app/webhooks").status_code == 403
