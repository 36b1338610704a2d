"""Real server processes for the tests and benchmarks that need more than one worker.

The Flask test client runs every request in one process and one thread, so it cannot show
that two gunicorn workers racing for the same slot still produce one booking (B3). These
helpers start gunicorn exactly as ``make run`` does, talk to it over plain HTTP on
127.0.0.1 (stdlib only, no new dependency), and seed data in-process the way a host would.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from server.clock import utcnow
from server.config import _instance_secret

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
REQUEST_TIMEOUT = 60.0

__all__ = [
    "SEED_PASSWORD",
    "RaceResult",
    "Seeded",
    "ServerFailed",
    "free_port",
    "http_json",
    "race_bookings",
    "seed_host_and_link",
    "seed_host_and_links",
    "start_gunicorn",
    "start_worker",
]


class ServerFailed(RuntimeError):
    """gunicorn did not come up; the message carries its stderr so the cause is visible."""


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1 (the OS picks it, so no guessing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(
    db_url: str | None,
    instance_path: Path,
    base_url: str,
    *,
    rate_limit: bool = False,
    secret_key: str | None = None,
) -> dict[str, str]:
    """The environment a deployment would set; ``db_url=None`` keeps the SQLite default.

    ``secret_key`` is the deployment's shared key; without it, a PostgreSQL server gets its
    instance folder's own (written there if missing)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RENDEZVOUS_")}
    env["RENDEZVOUS_INSTANCE_PATH"] = str(instance_path)
    env["RENDEZVOUS_RATELIMIT_ENABLED"] = "1" if rate_limit else "0"
    env["RENDEZVOUS_BASE_URL"] = base_url
    env["RENDEZVOUS_NOW"] = utcnow().isoformat()  # the process starts where the test's clock is
    if db_url is not None:
        env["RENDEZVOUS_DATABASE_URL"] = db_url
        if secret_key is not None:
            env["RENDEZVOUS_SECRET_KEY"] = secret_key
        elif db_url.startswith("postgresql"):  # a deployment gives it to every server (SPEC §12):
            # here, the instance's own, so a test's in-process app and its servers agree
            env["RENDEZVOUS_SECRET_KEY"] = _instance_secret(instance_path)
    return env


def _answers(base_url: str, path: str) -> bool:
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM lets gunicorn finish requests and close DB connections; kill if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


@contextmanager
def start_gunicorn(
    db_url: str | None,
    workers: int,
    tmp_path: Path,
    *,
    port: int | None = None,
    via_cli: bool = False,
    env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """Run gunicorn with ``workers`` processes on ``db_url``; yields its base URL.

    ``via_cli=True`` starts it through ``rendezvous serve`` (the path ``make run`` takes)
    instead of calling gunicorn directly. ``env`` adds settings (rate limits are off unless
    it sets ``RENDEZVOUS_RATELIMIT_ENABLED``). Output goes to files, not pipes, so a chatty
    server can never block on a full pipe buffer.
    """
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    tmp_path = Path(tmp_path)
    tmp_path.mkdir(parents=True, exist_ok=True)
    secret_key = (env or {}).get("RENDEZVOUS_SECRET_KEY")  # given: no key file is written
    settings = server_env(db_url, tmp_path / "instance", base_url, secret_key=secret_key)
    settings |= dict(env or {})
    if via_cli:
        argv = [str(BIN / "rendezvous"), "serve", "--bind", f"127.0.0.1:{port}"]
        argv += ["--workers", str(workers)]
    else:
        argv = [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}"]
        argv.append("server:create_app()")
    stdout_path = tmp_path / f"gunicorn-{port}.out"
    stderr_path = tmp_path / f"gunicorn-{port}.err"
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        process = subprocess.Popen(argv, cwd=ROOT, env=settings, stdout=out, stderr=err)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _answers(base_url, "/api/v1/openapi.json"):
            exited = process.poll() is not None
            if exited or time.monotonic() > deadline:
                _stop(process)
                why = "exited" if exited else f"timed out after {STARTUP_TIMEOUT:.0f} s"
                raise ServerFailed(
                    f"gunicorn {why} before answering {base_url}/api/v1/openapi.json "
                    f"(exit {process.returncode}); stderr:\n"
                    + stderr_path.read_text(errors="replace")[-6000:]
                )
            time.sleep(0.1)
        yield base_url
    finally:
        _stop(process)


@contextmanager
def start_worker(
    db_url: str,
    tmp_path: Path,
    *,
    base_url: str,
    interval: float = 0.2,
    env: Mapping[str, str] | None = None,
) -> Iterator[Path]:
    """Run ``rendezvous worker`` (the loop, not ``--once``) on ``db_url``, its instance folder
    ``tmp_path/instance``; yields the file its stdout and stderr go to, once it has started.

    ``env`` adds settings (``RENDEZVOUS_SMTP_URL``, the shared keys); ``base_url`` is what
    its emails' links point at. SIGTERM stops it at the end, as a deployment would.
    """
    tmp_path = Path(tmp_path)
    tmp_path.mkdir(parents=True, exist_ok=True)
    secret_key = (env or {}).get("RENDEZVOUS_SECRET_KEY")
    settings = server_env(db_url, tmp_path / "instance", base_url, secret_key=secret_key)
    settings |= dict(env or {})
    argv = [str(BIN / "rendezvous"), "worker", "--interval", str(interval)]
    log = tmp_path / f"worker-{time.monotonic_ns()}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=settings, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while "worker started" not in log.read_text(errors="replace"):
            exited = process.poll() is not None
            if exited or time.monotonic() > deadline:
                _stop(process)
                why = "exited" if exited else f"timed out after {STARTUP_TIMEOUT:.0f} s"
                raise ServerFailed(
                    f"rendezvous worker {why} before starting (exit {process.returncode}); "
                    "output:\n" + log.read_text(errors="replace")[-6000:]
                )
            time.sleep(0.1)
        yield log
    finally:
        _stop(process)


def http_json(
    base_url: str,
    method: str,
    path: str,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, Any]:
    """One request on a fresh connection → ``(status, parsed JSON or None)``."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=REQUEST_TIMEOUT)
    try:
        all_headers = {"Accept": "application/json", **(headers or {})}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        conn.request(method, path, body=payload, headers=all_headers)
        response = conn.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, raw.decode(errors="replace")
    finally:
        conn.close()


# -- seeding ---------------------------------------------------------------------------------


@dataclass
class Seeded:
    """A host with a bearer token and the links created for it through the host API."""

    host_id: int
    email: str
    token: str
    links: list[dict[str, Any]] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def slug(self) -> str:
        return self.links[0]["slug"]


_seed_counter = itertools.count(1)
#: the password of every host :func:`seed_host_and_links` makes
SEED_PASSWORD = "correct horse battery"

LINK_DEFAULTS: dict[str, Any] = {
    "durations": [30],
    "timezone": "Europe/Paris",
    "minimum_notice_minutes": 0,
    "availability": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    "window": {"rolling_weeks": 4},
}


def seed_host_and_links(
    db_url: str, *links: Mapping[str, Any], instance_path: Path | None = None
) -> Seeded:
    """Create a host (``sign_up``), a token and ``links`` in-process, via the host API.

    In-process keeps seeding fast and independent of the server under test, while going
    through the same validation a real host's requests get. Each link gets ``LINK_DEFAULTS``
    (30 min, Mon–Fri 09–17 Europe/Paris, no notice, 4 rolling weeks) under its own fields.
    """
    from server import create_app
    from server.accounts.signup import sign_up
    from server.db import get_session

    with tempfile.TemporaryDirectory() as scratch:
        app = create_app(
            {
                "RENDEZVOUS_DATABASE_URL": db_url,
                "RENDEZVOUS_INSTANCE_PATH": str(instance_path or scratch),
                "RENDEZVOUS_RATELIMIT_ENABLED": False,
            }
        )
        try:
            n = next(_seed_counter)
            email, password = f"racer{n}-{os.getpid()}@example.com", SEED_PASSWORD
            with app.app_context():
                session = get_session()
                user = sign_up(
                    session,
                    email=email,
                    password=password,
                    name=f"Race Host {n}",
                    timezone="Europe/Paris",
                    with_preset_links=False,
                )
                session.commit()
                host_id = user.id
            client = app.test_client()
            response = client.post(
                "/api/v1/auth/tokens", json={"email": email, "password": password}
            )
            assert response.status_code == 201, response.json
            seeded = Seeded(host_id, email, response.json["token"])
            for i, fields in enumerate(links or ({},)):
                body = {"name": f"Race meeting {n}-{i}", **LINK_DEFAULTS, **fields}
                response = client.post("/api/v1/links", json=body, headers=seeded.headers)
                assert response.status_code == 201, response.json
                seeded.links.append(response.json)
            return seeded
        finally:
            app.extensions["rendezvous.db"].kw["bind"].dispose()


def seed_host_and_link(
    db_url: str, *, instance_path: Path | None = None, **link_fields: Any
) -> Seeded:
    """One host with one link; see :func:`seed_host_and_links`."""
    return seed_host_and_links(db_url, link_fields, instance_path=instance_path)


# -- the race --------------------------------------------------------------------------------


@dataclass
class RaceResult:
    """What ``n`` simultaneous bookers got back, and how long the whole burst took."""

    responses: list[tuple[int, Any]]
    wall_ms: float

    def statuses(self) -> list[int]:
        return [status for status, _ in self.responses]


def race_bookings(
    base_url: str,
    slug: str,
    starts: list[str],
    *,
    timezone: str = "Europe/Paris",
    duration: int = 30,
    idempotency_key: str | None = None,
) -> RaceResult:
    """POST one booking per entry of ``starts`` at the same instant, each from its own client.

    With ``idempotency_key``, every client sends the same visitor and that key: one client's
    retries racing each other.

    Every thread connects first and then waits on a barrier, so the requests leave together
    and queue in the listen backlog of all workers at once: the closest a test can get to
    visitors clicking "Book" in the same second.
    """
    parts = urlsplit(base_url)
    n = len(starts)
    released: list[float] = []
    barrier = threading.Barrier(n, action=lambda: released.append(time.perf_counter()))
    tag = f"{os.getpid()}-{time.monotonic_ns()}"

    def one(i: int) -> tuple[int, Any, float]:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=REQUEST_TIMEOUT)
        try:
            conn.connect()
            body = json.dumps(
                {
                    "start": starts[i],
                    "duration": duration,
                    "timezone": timezone,
                    "first_name": "Visitor",
                    "last_name": "Retry" if idempotency_key else str(i),
                    "email": f"visitor{'' if idempotency_key else i}-{tag}@example.com",
                }
            ).encode()
            headers = {"Content-Type": "application/json", "Accept": "application/json"}
            if idempotency_key:
                headers["Idempotency-Key"] = idempotency_key
            barrier.wait(timeout=REQUEST_TIMEOUT)
            conn.request("POST", f"/api/v1/public/links/{slug}/bookings", body, headers)
            response = conn.getresponse()
            raw = response.read()
            try:
                parsed: Any = json.loads(raw) if raw else None
            except ValueError:
                parsed = raw.decode(errors="replace")
            return response.status, parsed, time.perf_counter()
        finally:
            conn.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        results = list(pool.map(one, range(n)))
    finished = max(done for _, _, done in results)
    return RaceResult([(s, b) for s, b, _ in results], (finished - released[0]) * 1000)
