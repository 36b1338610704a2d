"""The wheel on its own (SPEC §12 "Installable", issue 14): built from this tree, installed
into a new virtual environment, run from an empty directory, it books end to end in Chromium.

The new environment sees the dependencies already installed in this one through a ``.pth``
line naming their ``site-packages`` (a path line: the ``.pth`` files in that directory, the
editable install's finder among them, are not run), so nothing is downloaded but the wheel's
build backend, and ``import server`` can only find the wheel's copy: the test checks that.
The server runs with its ``PATH`` limited to the new environment's ``bin``: no node, so the
widget it serves is the one the wheel carries, compiled where the wheel was built. Nothing
here is skipped for a missing tool: a missing Chromium, pip or index fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from server.assets import ensure_built
from tests.browser.widget_steps import book, events, record_events, wait_ready
from tests.servers import free_port, http_json

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("gunicorn")]

ROOT = Path(__file__).resolve().parent.parent
#: what setup.py builds a wheel from
SOURCES = (
    "server",
    "widget",
    "embed",
    "snippets",
    "setup.cfg",
    "setup.py",
    "pyproject.toml",
    "MANIFEST.in",
    "README.md",
)
TIMEOUT = 180


def _run(argv: list[str], **kwargs: Any) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, **kwargs)
    assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _build_wheel(tmp_path: Path) -> Path:
    """``pip wheel --no-deps`` of a copy of this tree (so the build leaves nothing in it)."""
    ensure_built()  # the checkout's widget build, current: setup.py refuses a stale one
    source = tmp_path / "source"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", ".build.lock", "_bundle")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=skip)
        else:
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)])
    (wheel,) = dist.glob("rendezvous-*.whl")
    return wheel


def _new_venv(tmp_path: Path, wheel: Path) -> Path:
    """A new environment with the wheel in it, and this one's dependencies beside it."""
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
    deps = Path(sysconfig.get_path("purelib"))
    Path(purelib.strip(), "_rendezvous_test_deps.pth").write_text(f"{deps}\n")
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps"]
    _run([*pip, "--no-compile", str(wheel)])
    return venv


def _env(venv: Path, base_url: str, now: datetime, path: str) -> dict[str, str]:
    """A deployment's environment: no setting of this test run, no virtualenv, ``path``."""
    drop = ("RENDEZVOUS_", "PYTHON", "VIRTUAL_ENV", "PROMETHEUS_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env["PATH"] = path
    env["RENDEZVOUS_BASE_URL"] = base_url
    env["RENDEZVOUS_NOW"] = now.isoformat()  # the server's clock where the browser's is
    return env


@contextmanager
def _serving(venv: Path, cwd: Path, env: dict[str, str], port: int) -> Iterator[str]:
    base_url = f"http://127.0.0.1:{port}"
    argv = [str(venv / "bin" / "rendezvous"), "serve", "--bind", f"127.0.0.1:{port}"]
    with open(cwd.parent / "serve.log", "wb") as log:
        process = subprocess.Popen([*argv, "--workers", "1"], cwd=cwd, env=env, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if http_json(base_url, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log_text = (cwd.parent / "serve.log").read_text(errors="replace")[-4000:]
                pytest.fail(f"rendezvous serve did not come up:\n{log_text}", False)
            time.sleep(0.1)
        yield base_url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read()


def _contents(folder: Path) -> dict[Path, bytes]:
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if "__pycache__" not in p.parts}


@contextmanager
def _npm_page(booking_url: str) -> Iterator[str]:
    """Another origin's page with the npm package's loader (``embed/embed.js`` as it is, no
    server wrote anything in it) and a placeholder for the installed app's link."""
    loader = (ROOT / "embed" / "embed.js").read_bytes()
    page = (
        "<!doctype html><html><head><title>Host</title></head><body>"
        f'<div class="rendezvous-embed" data-src="{booking_url}"></div>'
        '<script src="/embed.js" async></script></body></html>'
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            body, kind = (
                (loader, "text/javascript") if self.path == "/embed.js" else (page, "text/html")
            )
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()


def test_the_installed_wheel_serves_and_books_from_an_empty_directory(
    tmp_path: Path, now: datetime, browser: Any
) -> None:
    venv = _new_venv(tmp_path, _build_wheel(tmp_path))
    empty = tmp_path / "empty"
    empty.mkdir()
    port = free_port()
    # no node on the server's PATH: the prebuilt widget must be enough
    env = _env(venv, f"http://127.0.0.1:{port}", now, str(venv / "bin"))
    rendezvous = str(venv / "bin" / "rendezvous")

    where = _run(
        [str(venv / "bin" / "python"), "-c", "import server; print(server.__file__)"],
        cwd=empty,
        env=env,
    )
    package = Path(where.strip()).parent
    assert package.is_relative_to(venv), f"server imported from {package}, not the new venv"
    bundle = _files(package / "_bundle")

    _run([rendezvous, "init-db"], cwd=empty, env=env)
    printed = _run([rendezvous, "demo"], cwd=empty, env=env)
    match = re.search(r"^Booking page: (\S+)$", printed, re.MULTILINE)
    assert match, printed
    booking_url = match.group(1)
    assert (empty / "instance" / "rendezvous.sqlite3").is_file()
    assert (empty / "instance" / "sample-host-page.html").is_file()  # from the wheel's snippets

    with _serving(venv, empty, env, port) as base_url:
        status, kind, _ = _get(f"{base_url}/app/static/dashboard.css")
        assert (status, kind.split(";")[0]) == (200, "text/css")

        context = browser.new_context(locale="en-US", timezone_id="Europe/Paris")
        page = context.new_page()
        page.clock.install(time=now)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        record_events(page)
        page.goto(booking_url)
        wait_ready(page)
        scope = page.locator(".rendezvous-embed")
        # the widget that came with the wheel, compiled where it was built (no node here)
        assert page.evaluate("!!__BRYTHON__.precompiled['rendezvous_widget']")
        css = page.evaluate(
            "document.querySelector('.rendezvous-embed').shadowRoot"
            ".querySelector('link[rel=stylesheet]').href"
        )
        assert css.startswith(f"{base_url}/widget/static/build/widget."), css
        status, kind, body = _get(css)
        assert (status, kind.split(";")[0]) == (200, "text/css") and b".rdv-" in body

        book(scope, email="ada@example.com")  # a day, a time, the form, the confirmation
        (booked,) = events(page, "booked")
        assert scope.locator(".rdv-ok").is_visible()

        # the npm package's loader, on another origin, finds the files at the app's origin
        asked: list[str] = []
        other = context.new_page()
        other.on("request", lambda request: asked.append(request.url))
        other.on("pageerror", lambda error: errors.append(str(error)))
        record_events(other)
        with _npm_page(booking_url) as host_page:
            other.goto(host_page)
            wait_ready(other)
        assert f"{base_url}/embed/v1/assets.json" in asked
        assert [u for u in asked if u.startswith(f"{base_url}/widget/static/build/widget.")]
        context.close()
        assert errors == []

        token = http_json(
            base_url,
            "POST",
            "/api/v1/auth/tokens",
            {"email": "alice@example.com", "password": "rendezvous-demo"},
        )[1]["token"]
        status, booking = http_json(
            base_url,
            "GET",
            f"/api/v1/bookings/{booked['detail']['id']}",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert (status, booking["status"]) == (200, "confirmed"), booking
        # the worker beside it, as `make run` starts it, sends the booking's emails
        # (its clock starts where the server's is by now, not where the server's started)
        later = {**env, "RENDEZVOUS_NOW": (now + timedelta(minutes=5)).isoformat()}
        sent = _run([rendezvous, "worker", "--once"], cwd=empty, env=later)
        assert sent.startswith("Sent "), sent
        assert list((empty / "instance" / "mail").glob("*.eml")), sent

    # nothing was built: serve put the wheel's own files in the instance folder, as they are
    served = empty / "instance" / "widget-build"
    assert _contents(served) == _contents(package / "_bundle" / "widget" / "static" / "build")

    # build-assets, with node this time, builds into the instance folder, not the package
    with_node = _env(venv, f"http://127.0.0.1:{port}", now, f"{venv / 'bin'}:{os.environ['PATH']}")
    printed = _run([rendezvous, "build-assets"], cwd=empty, env=with_node)
    built = empty / "instance" / "widget-build"
    assert f"widget_js: {built}/widget." in printed, printed
    assert (built / "manifest.json").is_file() and (built / "sources.json").is_file()
    assert _files(package / "_bundle") == bundle
