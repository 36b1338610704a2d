"""The host dashboard under ``/app/`` (issue 5): server-rendered pages that work without JS.

Sessions are Flask's signed cookie (:mod:`server.dashboard.session`); every form post outside
``/api/`` must carry Flask-WTF's CSRF token. The JSON API under ``/api/`` uses bearer tokens
and no cookies, so it is left out of the CSRF check by path: a new API blueprint can't be
forgotten in an exemption list.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect

__all__ = ["csrf", "init_app"]

csrf = CSRFProtect()


def _protect_forms() -> None:
    """CSRF for every unsafe request outside the bearer-token API."""
    if request.path.startswith("/api/"):
        return
    csrf.protect()


def init_app(app: Flask) -> None:
    from server.dashboard.blueprint import bp, files, widen_upload_limit

    app.config.setdefault("WTF_CSRF_ENABLED", True)
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # _protect_forms decides, by path
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # as long as the session itself
    # Flask has its own defaults for these (None, False, 31 days): set ours outright.
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = app.config["RENDEZVOUS_BASE_URL"].startswith("https://")
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=14)

    # Order matters: the custom-domain gate (registered by create_app) runs first; an upload
    # form may be bigger than other posts, which must be known before the CSRF check reads it.
    app.before_request(widen_upload_limit)
    csrf.init_app(app)
    app.before_request(_protect_forms)
    app.register_blueprint(bp)
    app.register_blueprint(files)
