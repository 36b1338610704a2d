"""``GET /healthz``: whether this server can do its work, for a load balancer or a probe.

200 ``{"status": "ok"}`` when the database answers a query, and Redis too when the rate
limits keep their counters there; else 503 in the error shape (SPEC §10), naming what is
down but never its address or password.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text

from server.db import get_session
from server.errors import error_response

__all__ = ["bp", "problems"]

log = logging.getLogger(__name__)

bp = Blueprint("operations", __name__)


def problems() -> list[str]:
    """What can't be reached, by name: ``database``, ``redis``."""
    down = []
    try:
        get_session().execute(text("SELECT 1")).scalar_one()
    except Exception as error:  # noqa: BLE001 - any failure means "down"; the log says which
        log.warning("health: the database did not answer: %s", error)
        down.append("database")
    url = current_app.config.get("RENDEZVOUS_RATELIMIT_STORAGE_URL") or ""
    if url.split(":", 1)[0] in {"redis", "rediss"}:
        import redis

        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
            try:
                client.ping()
            finally:
                client.close()
        except Exception as error:  # noqa: BLE001
            log.warning("health: Redis did not answer: %s", error)
            down.append("redis")
    return down


@bp.route("/healthz", methods=["GET"])
def healthz() -> Response:
    down = problems()
    if down:
        response = error_response(503, "unavailable", "Not reachable: " + ", ".join(down) + ".")
        response.headers["Retry-After"] = "5"
        response.headers["Cache-Control"] = "no-store"
        return response
    response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response
