"""A real Radicale CalDAV server for the tests and the benchmarks.

One Radicale per test module, started as a process on a free 127.0.0.1 port with a temp
storage folder and a plain-text htpasswd file (``owner_only`` rights: each user owns
``/<user>/``). Its helpers talk to the server with the standard library only, never through
``server.calendars``, so a test can change the calendar behind the sync's back and the code
under test is not its own witness. Radicale reads the htpasswd file on every request, so a
changed password takes effect at once, without a restart.

Radicale must start: a failure to start fails the test (under ``CI=true`` and everywhere
else), with the server's stderr in the message.
"""

from __future__ import annotations

import base64
import http.client
import itertools
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from tests.servers import free_port

STARTUP_TIMEOUT = 20.0
_names = itertools.count(1)


class RadicaleFailed(RuntimeError):
    """Radicale did not come up; the message carries its stderr."""


@dataclass
class Radicale:
    """A running Radicale and what the tests do to it directly (over HTTP, stdlib only)."""

    base_url: str
    htpasswd: Path
    passwords: dict[str, str] = field(default_factory=dict)

    # -- users and calendars --------------------------------------------------------------

    def new_user(self, prefix: str = "user") -> tuple[str, str]:
        """A fresh user (name, password): every test gets its own, so tests don't interfere."""
        name = f"{prefix}{next(_names)}"
        self.set_password(name, f"pw-{name}")
        return name, self.passwords[name]

    def set_password(self, user: str, password: str) -> None:
        """Add the user or change their password (Radicale re-reads the file per request)."""
        self.passwords[user] = password
        lines = "".join(f"{name}:{pw}\n" for name, pw in self.passwords.items())
        self.htpasswd.write_text(lines, encoding="utf-8")

    def make_calendar(
        self,
        user: str,
        slug: str,
        name: str,
        *,
        time_zone_ics: str | None = None,
        components: tuple[str, ...] = ("VEVENT",),
    ) -> str:
        """MKCALENDAR ``/<user>/<slug>/``; returns its absolute URL."""
        props = [f"<D:displayname>{name}</D:displayname>"]
        if time_zone_ics is not None:
            props.append(f"<C:calendar-timezone><![CDATA[{time_zone_ics}]]></C:calendar-timezone>")
        comps = "".join(f'<C:comp name="{c}"/>' for c in components)
        props.append(
            f"<C:supported-calendar-component-set>{comps}</C:supported-calendar-component-set>"
        )
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            f"<D:set><D:prop>{''.join(props)}</D:prop></D:set></C:mkcalendar>"
        )
        self.request(user, "PROPFIND", f"/{user}/", headers={"Depth": "0"})  # creates the home
        path = f"/{user}/{slug}/"
        status, text = self.request(user, "MKCALENDAR", path, body.encode(), "application/xml")
        assert status == 201, (status, text)
        return self.base_url + path

    # -- events ---------------------------------------------------------------------------

    def put(self, user: str, calendar_url: str, name: str, ics: str | bytes) -> str:
        """Create or replace the resource ``name`` (e.g. ``"a.ics"``); returns its path."""
        path = urlsplit(calendar_url).path + quote(name)
        data = ics.encode() if isinstance(ics, str) else ics
        status, text = self.request(user, "PUT", path, data, "text/calendar; charset=utf-8")
        assert status in (201, 204), (status, text)
        return path

    def delete(self, user: str, calendar_url: str, name: str) -> None:
        path = urlsplit(calendar_url).path + quote(name)
        status, text = self.request(user, "DELETE", path)
        assert status in (200, 204), (status, text)

    def names(self, user: str, calendar_url: str) -> list[str]:
        """The resource names in a calendar (a Depth 1 PROPFIND), unescaped and sorted."""
        path = urlsplit(calendar_url).path
        status, text = self.request(user, "PROPFIND", path, headers={"Depth": "1"})
        assert status == 207, (status, text)
        hrefs = re.findall(r"<(?:\w+:)?href>([^<]*)</(?:\w+:)?href>", text)
        return sorted(unquote(h.rsplit("/", 1)[-1]) for h in hrefs if not h.endswith("/"))

    # -- HTTP -----------------------------------------------------------------------------

    def request(
        self,
        user: str,
        method: str,
        path: str,
        body: bytes = b"",
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 10,
    ) -> tuple[int, str]:
        parts = urlsplit(self.base_url)
        token = base64.b64encode(f"{user}:{self.passwords[user]}".encode()).decode()
        all_headers = {"Authorization": f"Basic {token}", **(headers or {})}
        if content_type:
            all_headers["Content-Type"] = content_type
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        try:
            conn.request(method, path, body=body or None, headers=all_headers)
            response = conn.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            conn.close()


def _config(folder: Path, port: int, htpasswd: Path) -> str:
    return f"""
[server]
hosts = 127.0.0.1:{port}

[auth]
type = htpasswd
htpasswd_filename = {htpasswd}
htpasswd_encryption = plain
delay = 0

[rights]
type = owner_only

[storage]
filesystem_folder = {folder / "collections"}
use_mtime_and_size_for_item_cache = True

[web]
type = none

[logging]
level = warning
mask_passwords = True
"""


def _answers(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        conn.request("OPTIONS", "/")
        conn.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        conn.close()


@contextmanager
def running_radicale(folder: Path) -> Iterator[Radicale]:
    """A Radicale on a free port with its storage under ``folder``, stopped (killed if it
    hangs) on leaving.

    :raise RadicaleFailed: it didn't answer within :data:`STARTUP_TIMEOUT`.
    """
    htpasswd = folder / "users"
    htpasswd.write_text("", encoding="utf-8")
    port = free_port()
    config = folder / "config"
    config.write_text(_config(folder, port, htpasswd), encoding="utf-8")
    stderr = folder / "stderr.log"
    with stderr.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RadicaleFailed(
                    f"Radicale did not start on port {port}:\n"
                    + stderr.read_text(encoding="utf-8", errors="replace")
                )
            time.sleep(0.05)
        yield Radicale(base_url=f"http://127.0.0.1:{port}", htpasswd=htpasswd)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class RadicaleProxy:
    """A real HTTP proxy in front of a Radicale: each request may be answered here
    (:meth:`answer`) or forwarded, perhaps rewritten (:meth:`rewrite`); as it is, it
    forwards everything. A context manager; ``base_url`` is the proxy's; ``authorizations``
    keeps the Authorization header of every request received ("" when there was none)."""

    def __init__(self, radicale: Radicale) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.radicale = radicale
        self.authorizations: list[str] = []
        target = urlsplit(radicale.base_url)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                proxy.authorizations.append(self.headers.get("Authorization", ""))
                early = proxy.answer(self.command, headers, body)
                if early is not None:
                    status, extra = early
                    self.send_response(status)
                    for key, value in extra.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                headers, body = proxy.rewrite(self.command, headers, body)
                headers["Content-Length"] = str(len(body))
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                try:
                    conn.request(self.command, self.path, body, headers)
                    answer = conn.getresponse()
                    data = answer.read()
                finally:
                    conn.close()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = do_OPTIONS = _forward  # noqa: N815

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def answer(
        self, command: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str]] | None:
        """An answer given here (status, headers) instead of Radicale's, or None."""
        return None

    def rewrite(
        self, command: str, headers: dict[str, str], body: bytes
    ) -> tuple[dict[str, str], bytes]:
        """What Radicale is sent."""
        return headers, body

    def url_of(self, radicale_url: str) -> str:
        """The proxy's address of a Radicale URL (a calendar's, say)."""
        return self.base_url + urlsplit(radicale_url).path

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class WithoutSyncCollection(RadicaleProxy):
    """Radicale as a CalDAV server without RFC 6578 would look: a ``sync-collection`` REPORT
    is answered 501 and Radicale is asked for no ``DAV:sync-token``, so a client is left
    with the collection's ``getctag`` and ETags. ``reports`` counts REPORTs by kind."""

    def __init__(self, radicale: Radicale) -> None:
        super().__init__(radicale)
        self.reports: dict[str, int] = {}

    def answer(self, command, headers, body):
        if command != "REPORT":
            return None
        kind = re.search(rb"<(?:\w+:)?([\w-]+)", body.split(b"?>")[-1])
        name = kind.group(1).decode() if kind else "?"
        self.reports[name] = self.reports.get(name, 0) + 1
        return (501, {}) if name == "sync-collection" else None

    def rewrite(self, command, headers, body):
        if command == "PROPFIND":
            body = re.sub(rb"<(\w+:)?sync-token\s*/>", b"", body)
        return headers, body


class DigestLogin(RadicaleProxy):
    """Radicale behind an HTTP Digest login (RFC 7616, MD5 with ``qop=auth``), as some
    servers still ask on a LAN: a request without valid Digest credentials is answered 401
    with a Digest challenge; a valid one goes on to Radicale with the user's Basic login."""

    REALM = "Rendezvous tests"

    def __init__(self, radicale: Radicale) -> None:
        super().__init__(radicale)
        self.nonce = base64.b64encode(str(time.time()).encode()).decode()

    def _valid(self, command: str, header: str) -> str | None:
        """The user a Digest header proves, or None."""
        import hashlib

        if not header.startswith("Digest "):
            return None
        fields = dict(re.findall(r'(\w+)="?([^",]*)"?', header[len("Digest ") :]))
        user = fields.get("username", "")
        password = self.radicale.passwords.get(user)
        if password is None or fields.get("nonce") != self.nonce:
            return None

        def md5(text: str) -> str:
            return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - RFC 7616's MD5

        first = md5(f"{user}:{self.REALM}:{password}")
        second = md5(f"{command}:{fields.get('uri', '')}")
        parts = [first, self.nonce, fields.get("nc", ""), fields.get("cnonce", ""), "auth", second]
        return user if fields.get("response") == md5(":".join(parts)) else None

    def answer(self, command, headers, body):
        header = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        if self._valid(command, header) is None:
            challenge = f'Digest realm="{self.REALM}", nonce="{self.nonce}", qop="auth"'
            return 401, {"WWW-Authenticate": challenge}
        return None

    def rewrite(self, command, headers, body):
        header = next(v for k, v in headers.items() if k.lower() == "authorization")
        user = self._valid(command, header)
        token = base64.b64encode(f"{user}:{self.radicale.passwords[user]}".encode()).decode()
        kept = {k: v for k, v in headers.items() if k.lower() != "authorization"}
        return {**kept, "Authorization": f"Basic {token}"}, body
