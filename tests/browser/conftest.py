"""Browser fixtures: a live app, a second origin serving the example host pages, Chromium.

Playwright for Python drives Debian's ``/usr/bin/chromium`` (installed by ``make test``; never
``playwright install``). Browser tests run on SQLite: they test the widget, not the database.
A missing Chromium fails the run, it is never skipped.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from flask import Flask
from werkzeug.serving import make_server

from server import create_app
from server.assets import ensure_built
from server.migrate import upgrade
from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: F401 - other modules import them here

EXAMPLES = Path(__file__).resolve().parents[2] / "snippets" / "examples"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


def _serve(app: Any) -> tuple[str, Callable[[], None]]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}", server.shutdown


@dataclass
class LiveApp:
    app: Flask
    url: str

    def api(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.app.test_client().open(path, method=method, headers=headers, **kwargs)
        return response


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """The app on a real port, with its widget built, on a fresh SQLite database."""
    ensure_built()
    folder = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{folder / 'live.sqlite3'}"
    upgrade(url)
    holder: dict[str, Any] = {}

    def wsgi(environ: Any, start_response: Any) -> Any:
        return holder["app"](environ, start_response)

    base, stop = _serve(wsgi)
    holder["app"] = create_app(
        {
            "RENDEZVOUS_DATABASE_URL": url,
            "RENDEZVOUS_INSTANCE_PATH": str(folder / "instance"),
            "RENDEZVOUS_BASE_URL": base,
            "RENDEZVOUS_RATELIMIT_ENABLED": False,
        }
    )
    yield LiveApp(holder["app"], base)
    stop()


_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def live_host(live_app: LiveApp) -> dict[str, Any]:
    """One host for the session: Alice Martin, Europe/Paris, with a bearer token."""
    from server.accounts.signup import sign_up
    from server.db import get_session

    with live_app.app.app_context():
        session = get_session()
        user = sign_up(
            session,
            email="alice@example.com",
            password="browser-tests",
            name="Alice Martin",
            timezone="Europe/Paris",
            with_preset_links=False,
        )
        session.commit()
        user_id = user.id
    token = live_app.api(
        "POST",
        "/api/v1/auth/tokens",
        json={"email": "alice@example.com", "password": "browser-tests"},
    ).json["token"]
    return {"id": user_id, "token": token}


@pytest.fixture
def make_live_link(live_app: LiveApp, live_host: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    """``make_live_link(**fields)``: a new link (its own slug) on the live app.

    Defaults: 30 minutes, every day 09:00–17:00 Europe/Paris, no notice, 4 rolling weeks, so
    there are times to book whatever day the tests run.
    """

    def make(**fields: Any) -> dict[str, Any]:
        body = {
            "name": f"Browser meeting {next(_numbers)}",
            "title": "Intro call",
            "durations": [30],
            "timezone": "Europe/Paris",
            "minimum_notice_minutes": 0,
            "availability": {
                d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            },
            **fields,
        }
        response = live_app.api("POST", "/api/v1/links", live_host["token"], json=body)
        assert response.status_code == 201, response.json
        return response.json

    return make


class _ExamplesHandler(BaseHTTPRequestHandler):
    """Serves ``snippets/examples/<name>.html?slug=…&slug2=…`` with the app's URL filled in."""

    app_url = ""

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        parsed = urlparse(self.path)
        path = EXAMPLES / Path(parsed.path).name
        if not path.is_file():
            self.send_error(404)
            return
        query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        body = (
            path.read_text()
            .replace("{{APP}}", self.app_url)
            .replace("{{SLUG}}", query.get("slug", ""))
            .replace("{{SLUG2}}", query.get("slug2", query.get("slug", "")))
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def examples_origin(live_app: LiveApp) -> Iterator[str]:
    """Another origin than the API's (another port), serving the example host pages."""
    handler = type("Handler", (_ExamplesHandler,), {"app_url": live_app.url})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def context_options() -> dict[str, Any]:
    """Override in a test module to change the visitor's zone, locale or screen."""
    return {
        "viewport": {"width": 1024, "height": 800},
        "locale": "en-US",
        "timezone_id": "Europe/Paris",
    }


@pytest.fixture
def page(browser: Any, context_options: dict[str, Any], now: datetime) -> Iterator[Any]:
    """A page whose clock starts at the suite's NOW, like the app's (time runs on from it)."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.clock.install(time=now)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors
    yield page
    context.close()
