"""One JSON line per request on stderr, and the request's id in ``X-Request-Id``.

A client's own ``X-Request-Id`` is kept when it is up to 64 safe characters (a proxy's or a
load balancer's id then follows the request through); else the server makes one. The line
holds no query string and no secret of the path: a manage token or an invitation token in a
URL is logged as ``…``.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, request

__all__ = ["REQUEST_ID_HEADER", "init_app", "request_id"]

REQUEST_ID_HEADER = "X-Request-Id"
_SAFE_ID = re.compile(r"[A-Za-z0-9._:@+=-]{1,64}")
#: URL variables whose values are secrets (the visitor's manage token, an invitation's)
_SECRET_VARIABLES = ("token",)

log = logging.getLogger("rendezvous.requests")


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a line is written (a test may capture it)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _handler() -> None:
    """Lines go to stderr as they are, whatever the root logger is set to (gunicorn's or
    none): one handler for this logger, once per process."""
    if not any(isinstance(h, _Stderr) for h in log.handlers):
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def request_id() -> str:
    """This request's id (the client's, when safe)."""
    if "request_id" not in g:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _SAFE_ID.fullmatch(given) else uuid.uuid4().hex
    return g.request_id


def _path() -> str:
    path = request.path
    for name, value in (request.view_args or {}).items():
        if any(secret in name for secret in _SECRET_VARIABLES) and isinstance(value, str):
            path = path.replace(value, "…")
    return path


def _who() -> tuple[int | None, int | None]:
    """The user and account the request acted as: the API token's user or the dashboard's
    signed-in one, as far as the request looked them up (never a lookup of its own)."""
    user = g.get("current_user") or g.get("dashboard_user")
    if user is None:
        return None, None
    return getattr(user, "id", None), getattr(user, "account_id", None)


def _start() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _finish(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = request_id()
    started = g.get("request_started")
    duration = (time.perf_counter() - started) * 1000 if started is not None else 0.0
    g.request_duration = duration / 1000
    user_id, account_id = _who()
    line: dict[str, Any] = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "request_id": request_id(),
        "method": request.method,
        "path": _path(),
        "status": response.status_code,
        "duration_ms": round(duration, 1),
        "user_id": user_id,
        "account_id": account_id,
    }
    log.info(json.dumps(line, ensure_ascii=False))
    return response


def init_app(app: Flask) -> None:
    _handler()
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
