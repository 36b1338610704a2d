"""Running it for real (SPEC §12 "Observable"): ``/healthz``, one JSON log line per request
with its id, and Prometheus metrics at ``/metrics``.

``init_app`` goes first in the factory, so a request's duration counts every other hook.
"""

from __future__ import annotations

from flask import Flask

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    from server.operations import health, metrics, requests

    requests.init_app(app)
    metrics.init_app(app)
    app.register_blueprint(health.bp)
