"""Webhook deliveries reach a real receiver (SPEC §10): each event once, signed, with the
host API's view of what happened; through outages, with the same bytes; for 24 hours, then
``failed``; never to an address the outbound rule refuses at the time of sending."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from server import clock
from tests.notifications.conftest import book, offered
from tests.webhooks.conftest import (
    EVENTS,
    Receiver,
    create_webhook,
    deliveries,
    run_worker_pass,
)

pytestmark = pytest.mark.db

REQUEST = {
    "name": "Ada Lovelace",
    "email": "Ada@Example.com",
    "preferred_times": "Tuesday afternoon, or any morning next week",
    "message": "About the analytical engine",
    "timezone": "Europe/London",
}


def later(**delta: float) -> datetime:
    """Move the app's clock (and so the receiver's) forward."""
    moved = clock.utcnow() + timedelta(**delta)
    clock.set_now(moved)
    return moved


def host_view(client, host, booking_id: int) -> dict:
    response = client.get(f"/api/v1/bookings/{booking_id}", headers=host.headers)
    assert response.status_code == 200, response.json
    return response.json


def reschedule(client, booking: dict, start: str) -> None:
    response = client.post(
        f"/api/v1/public/bookings/{booking['manage_token']}/reschedule", json={"start": start}
    )
    assert response.status_code == 200, response.json


def cancel(client, booking: dict) -> None:
    response = client.post(f"/api/v1/public/bookings/{booking['manage_token']}/cancel")
    assert response.status_code == 200, response.json


def ask(client, link: dict) -> None:
    response = client.post(f"/api/v1/public/links/{link['slug']}/requests", json=REQUEST)
    assert response.status_code == 201, response.json


def ping(client, host, hook: dict) -> dict:
    response = client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=host.headers)
    assert response.status_code == 202, response.json
    return response.json


# -- each event, as the host API shows it -----------------------------------------------------


def test_a_booking_is_delivered_once_as_the_host_api_shows_it(
    lan_app, client, host, make_link, receiver
):
    hook = create_webhook(client, host, receiver.url)
    link = make_link(reminders={"enabled": False})
    booking = book(client, link, offered(client, link)[0])

    run_worker_pass(lan_app)
    run_worker_pass(lan_app)  # nothing left: a second pass sends nothing

    (got,) = receiver.received
    body = got.json
    assert got.event == body["event"] == "booking.created"
    assert got.delivery == body["id"]
    assert got.content_type == "application/json"
    assert body["data"] == host_view(client, host, booking["id"])
    assert datetime.fromisoformat(body["created_at"]) <= clock.utcnow()
    (logged,) = deliveries(client, host, hook["id"])
    assert (logged["id"], logged["status"], logged["attempts"]) == (got.delivery, "delivered", 1)
    assert logged["last_response_status"] == 200 and logged["next_attempt_at"] is None


def test_a_reschedule_is_delivered_with_the_new_time(lan_app, client, host, make_link, receiver):
    create_webhook(client, host, receiver.url, events=["booking.rescheduled"])
    link = make_link(reminders={"enabled": False})
    starts = offered(client, link)
    booking = book(client, link, starts[0])
    reschedule(client, booking, starts[2])

    run_worker_pass(lan_app)

    (got,) = receiver.received
    assert got.event == "booking.rescheduled"
    data = got.json["data"]
    assert datetime.fromisoformat(data["start"]) == datetime.fromisoformat(starts[2])
    assert data == host_view(client, host, booking["id"])
    assert [change["kind"] for change in data["changes"]] == ["rescheduled"]


def test_a_cancel_is_delivered_with_the_booking_cancelled(
    lan_app, client, host, make_link, receiver
):
    create_webhook(client, host, receiver.url, events=["booking.cancelled"])
    link = make_link(reminders={"enabled": False})
    booking = book(client, link, offered(client, link)[0])
    cancel(client, booking)

    run_worker_pass(lan_app)

    (got,) = receiver.received
    assert got.event == "booking.cancelled"
    assert got.json["data"]["status"] == "cancelled"
    assert got.json["data"] == host_view(client, host, booking["id"])


def test_a_meeting_request_is_delivered_with_the_request(
    lan_app, client, host, make_link, receiver
):
    create_webhook(client, host, receiver.url, events=["meeting_request.created"])
    link = make_link()
    ask(client, link)

    run_worker_pass(lan_app)

    (got,) = receiver.received
    assert got.event == "meeting_request.created"
    data = got.json["data"]
    assert data["link_id"] == link["id"] and data["status"] == "received"
    assert data["preferred_times"] == REQUEST["preferred_times"]
    assert data["message"] == REQUEST["message"] and data["timezone"] == "Europe/London"
    assert data["contact"] == {
        "email": "ada@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
    }


def test_only_the_events_a_webhook_asked_for_are_queued(client, host, make_link):
    hook = create_webhook(client, host, "https://hooks.example.com/x", events=["booking.cancelled"])
    link = make_link(reminders={"enabled": False})
    book(client, link, offered(client, link)[0])
    ask(client, link)
    assert deliveries(client, host, hook["id"]) == []


def test_the_delivery_is_queued_by_the_booking_before_any_worker_runs(client, host, make_link):
    hook = create_webhook(client, host, "https://hooks.example.com/x")
    link = make_link(reminders={"enabled": False})
    book(client, link, offered(client, link)[0])
    (queued,) = deliveries(client, host, hook["id"])  # no worker has run
    assert (queued["event"], queued["status"], queued["attempts"]) == (
        "booking.created",
        "pending",
        0,
    )


def test_a_switched_off_webhook_gets_no_deliveries(client, host, make_link):
    hook = create_webhook(client, host, "https://hooks.example.com/x", active=False)
    link = make_link(reminders={"enabled": False})
    book(client, link, offered(client, link)[0])
    assert deliveries(client, host, hook["id"]) == []


def test_switching_a_webhook_off_stops_what_it_had_pending(
    lan_app, client, host, make_link, receiver
):
    hook = create_webhook(client, host, receiver.url)
    link = make_link(reminders={"enabled": False})
    book(client, link, offered(client, link)[0])
    client.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": False}, headers=host.headers)

    run_worker_pass(lan_app)

    assert receiver.answered == []
    (logged,) = deliveries(client, host, hook["id"])
    assert logged["status"] == "failed" and "switched off" in logged["last_error"]


def test_the_test_event_reaches_the_receiver_signed(lan_app, client, host, receiver):
    hook = create_webhook(client, host, receiver.url)
    queued = ping(client, host, hook)

    run_worker_pass(lan_app)

    (got,) = receiver.received
    assert (got.event, got.delivery) == ("ping", queued["id"])
    assert got.json["data"]["webhook_id"] == hook["id"]
    (logged,) = deliveries(client, host, hook["id"])
    assert logged["status"] == "delivered" and logged["delivered_at"] is not None


def test_a_signature_made_with_another_secret_is_refused_by_the_receiver(
    lan_app, client, host, receiver
):
    hook = create_webhook(client, host, receiver.url, secret="whsec_not-the-receivers-secret")
    ping(client, host, hook)

    run_worker_pass(lan_app)

    assert receiver.received == [] and receiver.refused == ["bad signature"]
    (logged,) = deliveries(client, host, hook["id"])
    assert (logged["status"], logged["last_response_status"]) == ("pending", 401)


# -- outages and retries ---------------------------------------------------------------------


def test_every_event_arrives_exactly_once_through_a_receiver_outage(
    lan_app, client, host, make_link
):
    receiver = Receiver()  # bound, not listening: the receiver is down
    try:
        hook = create_webhook(client, host, receiver.url)
        link = make_link(reminders={"enabled": False})
        starts = offered(client, link)
        booking = book(client, link, starts[0])
        reschedule(client, booking, starts[2])
        cancel(client, booking)
        ask(client, link)

        down = run_worker_pass(lan_app)
        later(minutes=5)
        still_down = run_worker_pass(lan_app)
        receiver.statuses = [500, 503]  # back, but failing at first
        receiver.start()
        later(minutes=10)
        run_worker_pass(lan_app)
        later(hours=1)
        run_worker_pass(lan_app)
        later(hours=2)
        after = run_worker_pass(lan_app)
    finally:
        receiver.stop()

    assert (down.claimed, down.retried, still_down.retried) == (4, 4, 4)
    assert after.claimed == 0
    assert Counter(r.event for r in receiver.received) == Counter(EVENTS)
    assert len({r.delivery for r in receiver.received}) == 4
    by_event = {r.event: r.json["data"] for r in receiver.received}
    assert by_event["booking.created"]["status"] == "confirmed"
    assert datetime.fromisoformat(by_event["booking.created"]["start"]) == datetime.fromisoformat(
        starts[0]
    )
    assert datetime.fromisoformat(
        by_event["booking.rescheduled"]["start"]
    ) == datetime.fromisoformat(starts[2])
    assert by_event["booking.cancelled"]["status"] == "cancelled"
    assert by_event["meeting_request.created"]["preferred_times"] == REQUEST["preferred_times"]
    log = deliveries(client, host, hook["id"])
    assert {d["status"] for d in log} == {"delivered"}
    assert sorted(d["attempts"] for d in log) == [3, 3, 4, 4]  # 2 down, then 500/503 for two


def test_a_retry_sends_the_same_bytes_signed_at_its_own_time(lan_app, client, host, receiver):
    receiver.statuses = [500]
    hook = create_webhook(client, host, receiver.url)
    ping(client, host, hook)

    run_worker_pass(lan_app)
    later(hours=3)  # the first signature is long past the receiver's 5 minutes
    run_worker_pass(lan_app)

    (first_status, first), (second_status, second) = receiver.attempts
    assert (first_status, second_status) == (500, 200)
    assert second.body == first.body and second.delivery == first.delivery
    assert second.t - first.t >= 3 * 3600
    assert receiver.refused == []


def test_a_failing_delivery_is_still_retried_23_hours_on(lan_app, client, host, receiver):
    receiver.failing = True
    hook = create_webhook(client, host, receiver.url)
    made = datetime.fromisoformat(ping(client, host, hook)["created_at"])

    for hours in (0, 1, 6, 12, 23):
        clock.set_now(made + timedelta(hours=hours, seconds=1))
        run_worker_pass(lan_app)

    (logged,) = deliveries(client, host, hook["id"])
    assert logged["status"] == "pending" and logged["attempts"] == 5
    assert datetime.fromisoformat(logged["next_attempt_at"]) <= made + timedelta(hours=24)
    assert logged["last_response_status"] == 500 and "HTTP 500" in logged["last_error"]


def test_after_24_hours_of_failures_the_delivery_is_failed(lan_app, client, host, receiver):
    receiver.failing = True
    hook = create_webhook(client, host, receiver.url)
    made = datetime.fromisoformat(ping(client, host, hook)["created_at"])

    for hours in (0, 1, 12, 23, 24, 25):
        clock.set_now(made + timedelta(hours=hours, seconds=1))
        run_worker_pass(lan_app)

    (logged,) = deliveries(client, host, hook["id"])
    assert logged["status"] == "failed"
    assert logged["attempts"] == 5  # the pass at 25 hours found nothing to send
    assert logged["next_attempt_at"] is None and logged["last_response_status"] == 500
    assert receiver.answered == [500] * 5 and receiver.received == []


def test_a_receiver_that_does_not_answer_in_time_is_retried(lan_app, client, host, receiver):
    from server.calendars.fetch import limits_from_config
    from server.db import get_session
    from server.webhooks.delivery import deliver_due

    receiver.delay = 2.0
    hook = create_webhook(client, host, receiver.url)
    ping(client, host, hook)

    with lan_app.app_context():
        report = deliver_due(get_session(), limits=limits_from_config(lan_app.config), timeout=0.5)

    assert report.retried == 1
    (logged,) = deliveries(client, host, hook["id"])
    assert logged["status"] == "pending" and logged["last_response_status"] is None
    assert "did not answer within 0.5 seconds" in logged["last_error"]


def test_a_redirect_is_not_followed(lan_app, client, host, receiver):
    elsewhere = Receiver().start()
    try:
        receiver.redirect_to = elsewhere.url
        hook = create_webhook(client, host, receiver.url)
        ping(client, host, hook)
        run_worker_pass(lan_app)
    finally:
        elsewhere.stop()

    assert receiver.answered == [302] and elsewhere.answered == []
    (logged,) = deliveries(client, host, hook["id"])
    assert (logged["status"], logged["last_response_status"]) == ("pending", 302)
    assert "redirects are not followed" in logged["last_error"]


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost"])
def test_the_address_rule_is_applied_again_when_sending(lan_app, client, host, receiver, name):
    url = receiver.url.replace("127.0.0.1", name)
    hook = create_webhook(client, host, url)  # allowed while the operator allowed it
    ping(client, host, hook)
    lan_app.config["RENDEZVOUS_CALENDAR_ALLOW_PRIVATE_HOSTS"] = False

    run_worker_pass(lan_app)

    assert receiver.answered == []
    (logged,) = deliveries(client, host, hook["id"])
    assert logged["status"] == "failed" and "private or local" in logged["last_error"]


# -- the queue in /metrics ---------------------------------------------------------------------


def test_pending_deliveries_show_in_the_webhooks_queue_backlog(client, host):
    hook = create_webhook(client, host, "https://hooks.example.com/x")
    ping(client, host, hook)
    ping(client, host, hook)
    text = client.get("/metrics").get_data(as_text=True)
    figures = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert figures[("rendezvous_queue_backlog", (("queue", "webhooks"),))] == 2
    assert figures[("rendezvous_queue_failed", (("queue", "webhooks"),))] == 0
