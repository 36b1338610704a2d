"""The OpenAPI document against the real answers (issue 12.9): schemathesis generates requests
from /api/v1/openapi.json, valid and invalid, for every public and host operation, sends them
to the app in-process, and checks each answer against the document.

A failure is a server error (5xx) or an answer the document contradicts: an undocumented
status, content type or header, or a body outside the declared schema. The run is bounded
(a few examples per operation and mode) and derandomized, so CI sees the same requests.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import Host, next_weekday

pytestmark = [pytest.mark.db, pytest.mark.slow]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
#: examples per operation, mode and set of path parameters: ~1,500 requests, ~55 s a database
#: on two cores; RENDEZVOUS_FUZZ_EXAMPLES=500 hunts deeper, locally
EXAMPLES = int(os.environ.get("RENDEZVOUS_FUZZ_EXAMPLES", "15"))


FEED = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//fuzz//EN\r
X-WR-CALNAME:Family\r
BEGIN:VEVENT\r
UID:dentist@example.com\r
DTSTAMP:20270301T000000Z\r
DTSTART:20270315T090000Z\r
DTEND:20270315T100000Z\r
SUMMARY:Dentist\r
END:VEVENT\r
END:VCALENDAR\r
"""


class _FeedHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(FEED)))
        self.end_headers()
        self.wfile.write(FEED)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def feed_url() -> Iterator[str]:
    """An ICS feed on loopback, for one real calendar connection."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FeedHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/family.ics"
    server.shutdown()
    server.server_close()


def _seed(
    app: Flask,
    client: FlaskClient,
    host: Host,
    make_link: Callable[..., dict[str, Any]],
    feed_url: str,
) -> dict[str, Any]:
    """Real rows for the path parameters: two links, a booking on each, their contacts, and a
    calendar connection (the feed on loopback is allowed while connecting, not afterwards:
    no generated address may reach this machine)."""
    app.config["RENDEZVOUS_CALENDAR_ALLOW_PRIVATE_HOSTS"] = True
    connected = client.post(
        "/api/v1/calendars", json={"provider": "ics", "url": feed_url}, headers=host.headers
    )
    app.config["RENDEZVOUS_CALENDAR_ALLOW_PRIVATE_HOSTS"] = False
    assert connected.status_code == 201, connected.json
    ids: dict[str, Any] = {"connection_id": connected.json["id"]}
    for n, kind in enumerate(("one_on_one", "one_on_one")):
        link = make_link(type=kind)
        day = next_weekday(n)
        slots = client.get(
            f"/api/v1/public/links/{link['slug']}/slots",
            query_string={"start": day, "end": day, "timezone": "Europe/Paris"},
        ).json["slots"]
        booked = client.post(
            f"/api/v1/public/links/{link['slug']}/bookings",
            json={
                "start": slots[0],
                "first_name": "Ada",
                "last_name": "Lovelace",
                "email": f"ada{n}@example.com",
                "answers": {},
            },
        )
        assert booked.status_code == 201, booked.json
        ids.setdefault("slug", link["slug"])
        ids.setdefault("link_id", link["id"])
        ids.setdefault("token", booked.json["manage_token"])
        ids.setdefault("booking_id", booked.json["id"])
    contacts = client.get("/api/v1/contacts", headers=host.headers).json["items"]
    ids["contact_id"] = contacts[0]["id"]
    return ids


def _destructive(operation: Any) -> int:
    """Run last: they take the seeded rows away from the operations that read them; revoking
    tokens (the fuzz's own among them) after everything else."""
    if operation.method.upper() == "DELETE" and operation.path.startswith("/api/v1/auth/"):
        return 2
    return int(operation.method.upper() == "DELETE" or operation.path.endswith("/cancel"))


#: well-formed, and no such row: schemathesis generates no path parameter holding a "/"
UNKNOWN = {"slug": "nobody/nothing"}


def _path_parameter_sets(operation: Any, seeded: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Generated path parameters (unknown rows: 404s), then the seeded rows' (200s)."""
    names = [p.name for p in operation.path_parameters]
    yield {name: UNKNOWN[name] for name in names if name in UNKNOWN}  # the rest: generated
    if names and all(name in seeded for name in names):
        yield {name: seeded[name] for name in names}


class Fuzz:
    """Sends each generated case, checks its answer, and keeps the tally: requests, statuses,
    and the distinct failures (one per operation and kind, with a curl line to replay it).

    Failures are collected, not raised: hypothesis would otherwise spend the time budget
    shrinking the first one, and the report should show them all.
    """

    def __init__(self) -> None:
        self.requests = 0
        self.sent: dict[str, int] = {}
        self.statuses: dict[int, int] = {}
        self.failures: dict[tuple[str, str], str] = {}

    def run(self, operation: Any, mode: GenerationMode, examples: int, **fixed: Any) -> None:
        @settings(
            max_examples=examples,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode, **fixed))
        def send(case: schemathesis.Case) -> None:
            # the WSGI transport doesn't undo Content-Encoding (compression has its own tests)
            response = case.call(headers={"Accept-Encoding": "identity"})
            self.requests += 1
            self.sent[operation.label] = self.sent.get(operation.label, 0) + 1
            self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
            try:
                case.validate_response(response, checks=CHECKS)
            except FailureGroup as group:
                for failure in group.exceptions:
                    self.failures.setdefault(
                        (operation.label, failure.title),
                        f"{failure.message}\n{case.as_curl_command()}",
                    )

        try:
            send()
        except Unsatisfiable:
            # nothing of the operation can be made invalid beyond what is fixed (no body, no
            # query): the positive runs covered it
            assert mode is GenerationMode.NEGATIVE, operation.label

    def summary(self, operations: int, seconds: float) -> str:
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(self.statuses.items()))
        return (
            f"schemathesis: {operations} operations, {self.requests} requests, "
            f"{len(self.failures)} failures, {seconds:.1f} s (statuses {statuses})"
        )


def test_the_api_answers_as_its_openapi_document_says(
    app: Flask,
    client: FlaskClient,
    host: Host,
    make_link: Callable[..., dict[str, Any]],
    feed_url: str,
) -> None:
    seeded = _seed(app, client, host, make_link, feed_url)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=_destructive)
    fuzz = Fuzz()
    began = time.monotonic()

    for operation in operations:
        for path_parameters in _path_parameter_sets(operation, seeded):
            if operation.definition.raw.get("security"):
                # without a token: a 401, whatever else is wrong
                fuzz.run(operation, GenerationMode.POSITIVE, 3, path_parameters=path_parameters)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                fuzz.run(
                    operation,
                    mode,
                    EXAMPLES,
                    headers=dict(host.headers),
                    path_parameters=path_parameters,
                )

    seconds = time.monotonic() - began
    print("\n" + fuzz.summary(len(operations), seconds))
    assert sorted(fuzz.sent) == sorted(op.label for op in operations), "operations not called"
    assert not fuzz.failures, "\n\n".join(
        f"{label}: {title}\n{detail}" for (label, title), detail in fuzz.failures.items()
    )
