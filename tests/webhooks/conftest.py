"""Webhook fixtures: a real HTTP receiver on loopback that checks signatures as SPEC §10
tells receivers to (its own HMAC code, not the app's), and helpers for the host API.

The receiver's clock is the app's (``server.clock``), so a test that moves "now" moves the
receiver's judgement of ``t`` with it, as two machines with synchronised clocks would.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server import clock
from tests.conftest import Host
from tests.dashboard.conftest import dash, signed_in  # noqa: F401 - the dashboard's fixtures

SECRET = "whsec_test-secret-0123456789abcdef"
EVENTS = ["booking.created", "booking.rescheduled", "booking.cancelled", "meeting_request.created"]
#: SPEC §10: receivers reject a t older than 5 minutes
TOLERANCE = 300


@dataclass
class Received:
    """One request the receiver accepted: its signature checked."""

    event: str
    delivery: str
    body: bytes
    t: int
    content_type: str

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook endpoint: answers ``statuses`` in turn (then 200, or 500 for ever when
    ``failing``) to well-signed requests, 401 to the others; ``start()`` opens it (before
    that, connections are refused). ``received`` holds the requests it accepted (2xx),
    ``attempts`` every well-signed one with the status it answered."""

    secret: str = SECRET
    statuses: list[int] = field(default_factory=list)
    failing: bool = False
    #: seconds to wait before answering
    delay: float = 0.0
    #: answer 302 to there instead
    redirect_to: str | None = None
    received: list[Received] = field(default_factory=list)
    attempts: list[tuple[int, Received]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.handle(self.headers, body)
                self.send_response(status)
                if status == 302 and receiver.redirect_to:
                    self.send_header("Location", receiver.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self._lock = threading.Lock()
        # bound now, listening only once started: until then a connection is refused
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
        self.server.allow_reuse_address = True
        self.server.server_bind()
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/rendezvous"

    def start(self) -> Receiver:
        self.server.server_activate()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.thread is not None:
            self.server.shutdown()
        self.server.server_close()

    def handle(self, headers: Any, body: bytes) -> int:
        """What a careful receiver does: parse t and v1, recompute the HMAC of "<t>.<body>",
        compare in constant time, refuse a t over 5 minutes old."""
        with self._lock:
            signature = headers.get("X-Rendezvous-Signature", "")
            parts = dict(p.split("=", 1) for p in signature.split(",") if "=" in p)
            t, v1 = parts.get("t", ""), parts.get("v1", "")
            expected = hmac.new(
                self.secret.encode(), t.encode() + b"." + body, hashlib.sha256
            ).hexdigest()
            if not t.isdigit() or not hmac.compare_digest(expected, v1):
                self.refused.append("bad signature")
                self.answered.append(401)
                return 401
            if clock.utcnow().timestamp() - int(t) > TOLERANCE:
                self.refused.append("t too old")
                self.answered.append(401)
                return 401
            if self.redirect_to:
                status = 302
            elif self.statuses:
                status = self.statuses.pop(0)
            else:
                status = 500 if self.failing else 200
            self.answered.append(status)
            request = Received(
                event=headers.get("X-Rendezvous-Event", ""),
                delivery=headers.get("X-Rendezvous-Delivery", ""),
                body=body,
                t=int(t),
                content_type=headers.get("Content-Type", ""),
            )
            self.attempts.append((status, request))
            if 200 <= status < 300:
                self.received.append(request)
            return status


@pytest.fixture
def lan_app(app: Flask) -> Flask:
    """The receiver is on loopback: allowed, as calendar tests allow their servers."""
    app.config["RENDEZVOUS_CALENDAR_ALLOW_PRIVATE_HOSTS"] = True
    return app


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


def create_webhook(client: FlaskClient, host: Host, url: str, **fields: Any) -> dict[str, Any]:
    """A webhook made through the host API (all events and the tests' secret by default)."""
    body = {"url": url, "events": EVENTS, "secret": SECRET, **fields}
    response = client.post("/api/v1/webhooks", json=body, headers=host.headers)
    assert response.status_code == 201, response.json
    return response.json


def run_worker_pass(app: Flask) -> Any:
    """The pass ``rendezvous worker`` runs, at the app's "now"."""
    from server.webhooks.delivery import run_pass

    with app.app_context():
        return run_pass()


def deliveries(client: FlaskClient, host: Host, webhook_id: int) -> list[dict[str, Any]]:
    response = client.get(
        f"/api/v1/webhooks/{webhook_id}/deliveries",
        headers=host.headers,
        query_string={"limit": 500},
    )
    assert response.status_code == 200, response.json
    return response.json["items"]
