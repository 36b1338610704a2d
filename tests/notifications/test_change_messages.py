"""Who cancelled or moved a meeting, and why, in both sides' emails (issue 8.9).

The visitor gives a reason on the manage page, the host on the dashboard; the emails sent in
the same transaction say who did it and quote the reason, to the visitor and to the host.
"""

from __future__ import annotations

import pytest

from server.notifications.worker import Worker
from tests.notifications.conftest import book, offered
from tests.smtp import SmtpServer

pytestmark = pytest.mark.db


def test_a_visitors_cancel_reason_reaches_the_host_and_the_visitor(
    client, make_link, host, smtp: SmtpServer, worker: Worker
) -> None:
    link = make_link()
    created = book(client, link, offered(client, link)[0])
    worker.drain()
    smtp.clear()
    response = client.post(
        f"/api/v1/public/bookings/{created['manage_token']}/cancel",
        json={"reason": "My flight was moved <sorry>"},
    )
    assert response.status_code == 200, response.json
    worker.drain()

    (to_host,) = smtp.to(host.email)
    assert "Ada Lovelace cancelled this meeting." in to_host.text
    assert "Reason: My flight was moved <sorry>" in to_host.text
    assert "My flight was moved &lt;sorry&gt;" in to_host.html
    (to_visitor,) = smtp.to("ada@example.com")
    assert "You cancelled this meeting." in to_visitor.text
    assert "Reason: My flight was moved <sorry>" in to_visitor.text


def test_a_hosts_cancel_reason_reaches_the_visitor(
    client, make_link, host, smtp: SmtpServer, worker: Worker
) -> None:
    link = make_link()
    created = book(client, link, offered(client, link)[0])
    worker.drain()
    smtp.clear()
    response = client.post(
        f"/api/v1/bookings/{created['id']}/cancel",
        json={"reason": "I am out sick"},
        headers=host.headers,
    )
    assert response.status_code == 200, response.json
    worker.drain()

    (to_visitor,) = smtp.to("ada@example.com")
    assert "Alice Martin cancelled this meeting." in to_visitor.text
    assert "Reason: I am out sick" in to_visitor.text
    (to_host,) = smtp.to(host.email)
    assert "You cancelled this meeting." in to_host.text


def test_a_visitors_reschedule_reason_reaches_both_sides(
    client, make_link, host, smtp: SmtpServer, worker: Worker
) -> None:
    link = make_link()
    starts = offered(client, link)
    created = book(client, link, starts[0])
    worker.drain()
    smtp.clear()
    response = client.post(
        f"/api/v1/public/bookings/{created['manage_token']}/reschedule",
        json={"start": starts[2], "reason": "Train is late"},
    )
    assert response.status_code == 200, response.json
    worker.drain()

    (to_host,) = smtp.to(host.email)
    assert "Ada Lovelace moved this meeting." in to_host.text
    assert "Reason: Train is late" in to_host.text
    (to_visitor,) = smtp.to("ada@example.com")
    assert "You moved this meeting." in to_visitor.text
    assert "Reason: Train is late" in to_visitor.text


def test_a_cancel_without_a_reason_says_who_and_no_reason(
    client, make_link, host, smtp: SmtpServer, worker: Worker
) -> None:
    link = make_link()
    created = book(client, link, offered(client, link)[0])
    worker.drain()
    smtp.clear()
    client.post(f"/api/v1/public/bookings/{created['manage_token']}/cancel")
    worker.drain()

    (to_host,) = smtp.to(host.email)
    assert "Ada Lovelace cancelled this meeting." in to_host.text
    assert "Reason:" not in to_host.text
