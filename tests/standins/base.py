"""What every provider stand-in shares: a Flask app served for real on 127.0.0.1 in a thread,
a log of every request it was sent, and failures injected on demand (429 with Retry-After,
5xx), so the code under test meets them over HTTP exactly as it would meet the provider's.

Production code reaches a stand-in only through the SPEC §5 base-URL settings; a stand-in
never imports ``server``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from flask import Flask, Response, request
from werkzeug.serving import make_server

__all__ = ["ConsentForm", "Injected", "LoggedRequest", "StandIn"]


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the stand-in received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Injected:
    """A failure answered instead of the next ``times`` requests whose path contains
    ``path_contains``."""

    status: int
    times: int = 1
    path_contains: str = ""
    retry_after: int | None = None
    body: dict[str, Any] | None = None


@dataclass
class StandIn:
    """A stand-in's server. Subclasses build ``app`` (a Flask app) and pass it here."""

    app: Flask
    log: list[LoggedRequest] = field(default_factory=list)
    _failures: list[Injected] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.app.before_request(self._record_and_fail)
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- running ---------------------------------------------------------------------------

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the tests ask of it ---------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        path_contains: str = "",
        retry_after: int | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        """Answer ``status`` to the next ``times`` matching requests (then serve normally)."""
        with self._lock:
            self._failures.append(Injected(status, times, path_contains, retry_after, body))

    def requests_to(self, path_contains: str, method: str | None = None) -> list[LoggedRequest]:
        """The requests received whose path contains ``path_contains``, oldest first."""
        with self._lock:
            return [
                r
                for r in self.log
                if path_contains in r.path and (method is None or r.method == method)
            ]

    def forget_requests(self) -> None:
        with self._lock:
            self.log.clear()

    # -- the hook ---------------------------------------------------------------------------

    def _record_and_fail(self) -> Response | None:
        logged = LoggedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.args.items()),
            headers={k: v for k, v in request.headers.items()},
            body=request.get_data(cache=True),
        )
        with self._lock:
            self.log.append(logged)
            for failure in self._failures:
                if failure.times > 0 and failure.path_contains in request.path:
                    failure.times -= 1
                    return self._failure_response(failure)
        return None

    @staticmethod
    def _failure_response(failure: Injected) -> Response:
        body = failure.body or {
            "error": {"code": failure.status, "message": "Injected by the test."}
        }
        response = Response(json.dumps(body), status=failure.status, mimetype="application/json")
        if failure.retry_after is not None:
            response.headers["Retry-After"] = str(failure.retry_after)
        return response


def bearer_token() -> str | None:
    """The access token of the request's ``Authorization: Bearer`` header."""
    header = request.headers.get("Authorization", "")
    return header[len("Bearer ") :] if header.startswith("Bearer ") else None


#: a view that answers JSON
JsonView = Callable[..., tuple[dict[str, Any], int] | dict[str, Any] | Response]


class ConsentForm(HTMLParser):
    """The consent page's form, read the way a browser would: ``action``, hidden fields and
    the buttons (their text → name, value). Useful to tests that drive the flow by hand."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.buttons: dict[str, tuple[str, str]] = {}
        self._button: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = values.get("action", "")
        elif tag == "input" and values.get("type") == "hidden":
            self.fields[values.get("name", "")] = values.get("value", "")
        elif tag == "button":
            self._button = (values.get("name", ""), values.get("value", ""))

    def handle_data(self, data: str) -> None:
        if self._button is not None and data.strip():
            self.buttons[data.strip()] = self._button

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._button = None
