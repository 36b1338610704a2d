"""Rendezvous: the Flask application factory.

gunicorn runs ``"server:create_app()"``; tests call ``create_app({...})`` with settings that
override the environment by the same names (SPEC §10 "Configuration").
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

__all__ = ["create_app"]


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    from server import api, db, errors, guards
    from server.config import load_settings

    instance_path = (test_config or {}).get("RENDEZVOUS_INSTANCE_PATH") or os.environ.get(
        "RENDEZVOUS_INSTANCE_PATH"
    )
    # ./instance of the working directory by default (SPEC §12), never beside the installed
    # package (Flask's default: a pip-installed app would keep its database in the venv)
    app = Flask(__name__, instance_path=os.path.abspath(instance_path or "instance"))
    app.config.update(load_settings(app.instance_path, test_config))
    app.config["SECRET_KEY"] = app.config["RENDEZVOUS_SECRET_KEY"]
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    app.json.sort_keys = False
    if app.config["RENDEZVOUS_PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # the client's address is the one the last trusted proxy saw (rate limits, logs)
        count = app.config["RENDEZVOUS_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count)  # type: ignore[method-assign]

    from server import operations

    operations.init_app(app)  # first: a request's time and id cover every other hook
    guards.init_app(app)  # the id converter is read as each rule is added
    db.init_app(app)
    api.init_app(app)
    from server.pages.blueprint import bp as pages_bp

    app.register_blueprint(pages_bp)
    from server import dashboard
    from server.domains import gate

    gate.init_app(app)  # a custom domain answers only its booking pages, the API's included
    dashboard.init_app(app)
    from server.site import bp as site_bp

    app.register_blueprint(site_bp)
    from server.feeds.blueprint import reader_bp as feed_reader_bp

    app.register_blueprint(feed_reader_bp)
    from server.demo.blueprint import bp as demo_bp

    app.register_blueprint(demo_bp)
    errors.init_app(app)  # after the API, so our handlers win over flask-smorest's
    return app
