"""Outbound fetches of calendar URLs a host typed (SPEC §5 "Outbound requests").

Every fetch goes to a real HTTP server on a loopback address, started by the test. Loopback
is exactly what the address rule refuses, so the tests that need a server to answer either
lift the rule (``allow_private``, as a LAN deployment does) or, to show that a *redirect
target* is checked on the address actually connected to, pin the rule to one loopback
address (``address_allowed``) and redirect to another one, which a second server serves.
The rule itself is the table of ``is_public_address``, the predicate the adapter applies.
"""

from __future__ import annotations

import gzip
import http.server
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from server.calendars.fetch import (
    MAX_REDIRECTS,
    FeedAuthFailed,
    FeedUnavailable,
    FetchLimits,
    UrlRefused,
    check_url,
    fetch_error_from,
    fetch_feed,
    is_public_address,
    limits_from_config,
    outbound_session,
)
from tests.servers import free_port

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"
MB = 1024 * 1024
OPEN = FetchLimits(allow_private=True, timeout=5.0)  # the rule lifted, as on a LAN
PRIVATE = "private or local network"

Handler = http.server.BaseHTTPRequestHandler
Route = Callable[[Handler], None]


class FeedServer(http.server.ThreadingHTTPServer):
    """A real HTTP server on a loopback address whose answers each test sets per path."""

    daemon_threads = True

    def __init__(self, host: str) -> None:
        super().__init__((host, 0), _Handler)
        self.routes: dict[str, Route] = {}
        self.seen: list[tuple[str, dict[str, str]]] = []  # (path, headers) of each request
        self.release = threading.Event()  # set at teardown: slow answers stop waiting

    def url(self, path: str, host: str | None = None) -> str:
        return f"http://{host or self.server_address[0]}:{self.server_address[1]}{path}"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FeedServer

    def do_GET(self) -> None:
        self.server.seen.append((self.path, dict(self.headers)))
        route = self.server.routes.get(self.path)
        try:
            if route is None:
                answer(self, 404, b"no such path")
            else:
                route(self)
        except OSError:  # the client hung up (that is what a refused body looks like)
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


def answer(handler: Handler, status: int, body: bytes = b"", **headers: str) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def redirect(location: str, status: int = 302) -> Route:
    return lambda h: answer(h, status, Location=location)


def _serve(host: str) -> Iterator[FeedServer]:
    server = FeedServer(host)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    yield from _serve("127.0.0.1")


@pytest.fixture
def other_server() -> Iterator[FeedServer]:
    """A second server on another loopback address (Linux routes all of 127/8 to lo)."""
    yield from _serve("127.0.0.2")


def self_signed(folder: Path, name: str) -> tuple[Path, Path]:
    """A certificate for ``name`` and its key, as files (the certificate is its own CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issued = datetime(2026, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(issued)
        .not_valid_after(issued + timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[FeedServer, Path]]:
    """An HTTPS server on 127.0.0.1 with a certificate for the name the test gives
    (``indirect`` parametrization); yields it and the certificate to trust."""
    cert, key = self_signed(tmp_path, request.param)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    for server in _serve("127.0.0.1"):
        server.socket = context.wrap_socket(server.socket, server_side=True)
        yield server, cert


def only(address: str) -> Callable[[object], bool]:
    """An address rule that allows exactly one address."""
    allowed = ip_address(address)
    return lambda ip: ip == allowed


STRICT = FetchLimits(timeout=5.0)  # the address rule on


@pytest.fixture
def pinned_session() -> Iterator[requests.Session]:
    """A session whose address rule allows 127.0.0.1 and nothing else, so a test server can
    answer while every other address (127.0.0.2 included) is refused as in production."""
    with outbound_session(STRICT, address_allowed=only("127.0.0.1")) as session:
        yield session


# --- the address rule -------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "127.0.0.1",
        "127.0.0.2",
        "::1",
        "169.254.169.254",
        "fe80::1",
        "100.64.0.1",
        "100.127.255.255",
        "0.0.0.0",
        "::",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "224.0.0.1",
        "ff02::1",
        "fc00::1",
        "fd12:3456::1",
        "fec0::1",
        "::127.0.0.1",
        "64:ff9b::7f00:1",
        "2002:7f00:1::",
        "192.0.0.9",
        "192.0.2.1",
        "198.18.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "2001:db8::1",
    ],
)
def test_non_global_addresses_are_refused(address):
    assert is_public_address(ip_address(address)) is False


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "1.1.1.1",
        "93.184.215.14",
        "100.128.0.1",
        "172.32.0.1",
        "2001:4860:4860::8888",
        "2606:4700:4700::1111",
        "::ffff:8.8.8.8",
    ],
)
def test_public_addresses_are_allowed(address):
    assert is_public_address(ip_address(address)) is True


# --- check_url --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "url"),
    [
        ("webcal://example.com/a.ics", "https://example.com/a.ics"),
        ("WEBCAL://example.com/a.ics", "https://example.com/a.ics"),
        ("webcals://example.com/a.ics?k=1", "https://example.com/a.ics?k=1"),
        ("  https://Example.com/x.ics \n", "https://Example.com/x.ics"),
        ("http://example.com:8080/x.ics", "http://example.com:8080/x.ics"),
    ],
)
def test_check_url_normalises_webcal_to_https(typed, url):
    assert check_url(typed, FetchLimits()) == url


@pytest.mark.parametrize(
    "typed",
    ["ftp://example.com/a.ics", "file:///etc/passwd", "javascript:alert(1)", "example.com", ""],
)
def test_check_url_refuses_other_schemes(typed):
    with pytest.raises(UrlRefused, match="https://"):
        check_url(typed, FetchLimits())


def test_check_url_refuses_a_url_without_host_or_with_a_bad_port():
    with pytest.raises(UrlRefused, match="not a valid web address"):
        check_url("https://[::1/a.ics", FetchLimits())
    with pytest.raises(UrlRefused, match="no server name"):
        check_url("https:///a.ics", FetchLimits())
    with pytest.raises(UrlRefused, match="invalid port"):
        check_url("https://example.com:99999/a.ics", FetchLimits())


@pytest.mark.parametrize(
    "url", ["http://10.0.0.1/a.ics", "http://[::1]/a.ics", "https://[::ffff:127.0.0.1]/a.ics"]
)
def test_check_url_refuses_private_ip_literals_unless_allowed(url):
    with pytest.raises(UrlRefused, match=PRIVATE):
        check_url(url, FetchLimits())
    assert check_url(url, FetchLimits(allow_private=True)) == url


def test_limits_from_config_reads_the_allow_private_setting():
    key = "RENDEZVOUS_CALENDAR_ALLOW_PRIVATE_HOSTS"
    for truthy in ("1", "true", "TRUE", " yes ", True):
        assert limits_from_config({key: truthy}).allow_private is True
    for falsy in ("0", "false", "", False, None):
        assert limits_from_config({key: falsy}).allow_private is False
    assert limits_from_config({}) == FetchLimits()


# --- conditional GET --------------------------------------------------------------------


def test_etag_makes_the_second_fetch_a_304(feed_server):
    def feed(h: Handler) -> None:
        if h.headers.get("If-None-Match") == '"v1"':
            answer(h, 304, ETag='"v1"')
        else:
            answer(h, 200, ICS, ETag='"v1"', Content_Type="text/calendar")

    feed_server.routes["/cal.ics"] = feed
    url = feed_server.url("/cal.ics")

    first = fetch_feed(url, etag=None, last_modified=None, limits=OPEN)
    second = fetch_feed(url, etag=first.etag, last_modified=first.last_modified, limits=OPEN)

    assert (first.status, first.body, first.etag, first.last_modified) == (
        "changed",
        ICS,
        '"v1"',
        None,
    )
    assert (second.status, second.body, second.etag) == ("unchanged", None, '"v1"')
    assert [headers.get("If-None-Match") for _, headers in feed_server.seen] == [None, '"v1"']


def test_last_modified_makes_the_second_fetch_a_304(feed_server):
    stamp = "Tue, 09 Mar 2027 08:00:00 GMT"

    def feed(h: Handler) -> None:
        if h.headers.get("If-Modified-Since") == stamp:
            answer(h, 304)
        else:
            answer(h, 200, ICS, Last_Modified=stamp)

    feed_server.routes["/cal.ics"] = feed
    url = feed_server.url("/cal.ics")

    first = fetch_feed(url, limits=OPEN)
    second = fetch_feed(url, etag=first.etag, last_modified=first.last_modified, limits=OPEN)

    assert (first.status, first.body, first.etag, first.last_modified) == (
        "changed",
        ICS,
        None,
        stamp,
    )
    assert (second.status, second.body, second.last_modified) == ("unchanged", None, stamp)


def test_a_304_to_a_fetch_without_validators_is_refused(feed_server):
    feed_server.routes["/cal.ics"] = lambda h: answer(h, 304)

    with pytest.raises(UrlRefused, match="HTTP 304"):
        fetch_feed(feed_server.url("/cal.ics"), limits=OPEN)


# --- the address rule, on the address connected to --------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "127.1",  # not an IP literal to Python: only the resolver makes it 127.0.0.1
        "2130706433",  # 127.0.0.1 as one number, likewise
        "0.0.0.0",  # Linux connects it to this machine
        "[::ffff:127.0.0.1]",
    ],
)
def test_loopback_is_refused_by_default_and_allowed_with_allow_private(feed_server, host):
    feed_server.routes["/cal.ics"] = lambda h: answer(h, 200, ICS)
    url = feed_server.url("/cal.ics", host=host)

    with pytest.raises(UrlRefused, match=PRIVATE):
        fetch_feed(url, limits=STRICT)
    assert feed_server.seen == []  # refused before a byte was sent

    assert fetch_feed(url, limits=OPEN).body == ICS  # the same URL reaches the server


@pytest.mark.parametrize(
    ("tls_server", "works"),
    [("localhost", True), ("elsewhere.example", False)],
    indirect=["tls_server"],
)
def test_https_through_the_pinned_address_still_checks_the_certificate_by_name(
    tls_server, works, pinned_session
):
    # The connection goes to the address resolved once (127.0.0.1), yet TLS must still send
    # and check the name: a trusted certificate for another name is refused.
    server, cert = tls_server
    server.routes["/cal.ics"] = lambda h: answer(h, 200, ICS)
    pinned_session.verify = str(cert)
    url = f"https://localhost:{server.server_address[1]}/cal.ics"

    if works:
        assert fetch_feed(url, limits=STRICT, session=pinned_session).body == ICS
        assert server.seen[0][1]["Host"] == f"localhost:{server.server_address[1]}"
    else:
        with pytest.raises(FeedUnavailable, match="certificate"):
            fetch_feed(url, limits=STRICT, session=pinned_session)
        assert server.seen == []


# --- redirects --------------------------------------------------------------------------


def test_a_relative_redirect_is_followed(feed_server):
    feed_server.routes["/old"] = redirect("/cal.ics", 301)
    feed_server.routes["/cal.ics"] = lambda h: answer(h, 200, ICS)

    assert fetch_feed(feed_server.url("/old"), limits=OPEN).body == ICS


def _chain(server: FeedServer, length: int) -> str:
    """/hop/<length> → … → /hop/0, which serves the calendar."""
    for n in range(1, length + 1):
        server.routes[f"/hop/{n}"] = redirect(f"/hop/{n - 1}", 307)
    server.routes["/hop/0"] = lambda h: answer(h, 200, ICS)
    return server.url(f"/hop/{length}")


def test_five_redirects_are_followed(feed_server):
    assert fetch_feed(_chain(feed_server, MAX_REDIRECTS), limits=OPEN).body == ICS


def test_a_sixth_redirect_is_refused_without_following_it(feed_server):
    with pytest.raises(UrlRefused, match="redirects more than 5 times"):
        fetch_feed(_chain(feed_server, MAX_REDIRECTS + 1), limits=OPEN)
    assert len(feed_server.seen) == MAX_REDIRECTS + 1  # /hop/0 was never asked for


@pytest.mark.parametrize(
    "location", ["ftp://example.com/cal.ics", "file:///etc/passwd", "webcal://example.com/a"]
)
def test_a_redirect_to_another_scheme_is_refused(feed_server, location):
    feed_server.routes["/go"] = redirect(location)

    with pytest.raises(UrlRefused, match="not an http or https address"):
        fetch_feed(feed_server.url("/go"), limits=OPEN)


def test_a_redirect_to_a_refused_address_is_refused_on_the_address_connected_to(
    feed_server, other_server, pinned_session
):
    # The rule allows 127.0.0.1 only. "127.1" and "127.0.2" are names to check_url (no IP
    # literal it could refuse up front): only the adapter, after resolving, sees that the
    # redirect target is 127.0.0.2.
    feed_server.routes["/cal.ics"] = lambda h: answer(h, 200, ICS)
    other_server.routes["/cal.ics"] = lambda h: answer(h, 200, ICS)
    feed_server.routes["/go"] = redirect(other_server.url("/cal.ics", host="127.0.2"))

    direct = fetch_feed(feed_server.url("/cal.ics", host="127.1"), session=pinned_session)
    with pytest.raises(UrlRefused, match=PRIVATE):
        fetch_feed(feed_server.url("/go", host="127.1"), session=pinned_session)

    assert direct.body == ICS  # the rule lets the first server through

    assert [path for path, _ in feed_server.seen] == ["/cal.ics", "/go"]
    assert other_server.seen == []
    # the target does answer when the rule is lifted: the refusal above was the rule
    assert fetch_feed(feed_server.url("/go"), limits=OPEN).body == ICS


def test_a_redirect_to_a_private_ip_literal_is_refused_before_connecting(
    feed_server, other_server, pinned_session
):
    feed_server.routes["/go"] = redirect(other_server.url("/cal.ics"))  # http://127.0.0.2:…

    with pytest.raises(UrlRefused, match=PRIVATE):
        fetch_feed(feed_server.url("/go", host="127.1"), session=pinned_session)
    assert other_server.seen == []


def test_the_session_for_caldav_checks_redirects_requests_follows_itself(
    feed_server, other_server, pinned_session
):
    feed_server.routes["/go"] = redirect(other_server.url("/", host="127.0.2"))

    with pytest.raises(requests.RequestException) as caught:
        pinned_session.get(feed_server.url("/go", host="127.1"), timeout=5)

    assert isinstance(fetch_error_from(caught.value, STRICT), UrlRefused)
    assert other_server.seen == []


# --- the body ---------------------------------------------------------------------------


def test_an_oversized_body_is_refused_without_reading_it_all(feed_server):
    def big(h: Handler) -> None:
        h.protocol_version = "HTTP/1.0"  # no length: the body ends when the server closes
        h.send_response(200)
        h.end_headers()
        h.wfile.write(b"BEGIN:VCALENDAR\r\n")
        for _ in range(5 * MB // (64 * 1024) + 1):
            h.wfile.write(b"X" * 64 * 1024)
        h.server.release.wait(5)  # the last MB comes only if the client waits: it mustn't
        h.wfile.write(b"X" * MB)

    feed_server.routes["/big.ics"] = big

    started = time.monotonic()
    with pytest.raises(UrlRefused, match=r"^The calendar is larger than 5 MB\.$"):
        fetch_feed(feed_server.url("/big.ics"), limits=OPEN)
    assert time.monotonic() - started < 3  # a client that read on would wait for the timeout


def test_a_declared_oversized_body_is_refused_before_reading(feed_server):
    def big(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(6 * MB))
        h.end_headers()
        h.server.release.wait(5)

    feed_server.routes["/big.ics"] = big

    started = time.monotonic()
    with pytest.raises(UrlRefused, match="larger than 5 MB"):
        fetch_feed(feed_server.url("/big.ics"), limits=OPEN)
    assert time.monotonic() - started < 2


def test_the_cap_counts_decoded_bytes_so_a_compressed_bomb_is_refused(feed_server):
    bomb = gzip.compress(b"BEGIN:VCALENDAR\r\n" + b" " * 6 * MB)
    feed_server.routes["/bomb.ics"] = lambda h: answer(h, 200, bomb, Content_Encoding="gzip")

    assert len(bomb) < 100 * 1024
    with pytest.raises(UrlRefused, match="larger than 5 MB"):
        fetch_feed(feed_server.url("/bomb.ics"), limits=OPEN)


def test_a_body_of_exactly_the_cap_is_accepted_and_one_byte_more_is_not(feed_server):
    feed_server.routes["/cal.ics"] = lambda h: answer(h, 200, ICS)
    url = feed_server.url("/cal.ics")
    exact = FetchLimits(allow_private=True, max_bytes=len(ICS))
    short = FetchLimits(allow_private=True, max_bytes=len(ICS) - 1)

    assert fetch_feed(url, limits=exact).body == ICS
    with pytest.raises(UrlRefused, match=f"^The calendar is larger than {len(ICS) - 1} bytes"):
        fetch_feed(url, limits=short)


def test_a_body_that_is_not_icalendar_is_refused(feed_server):
    feed_server.routes["/page"] = lambda h: answer(h, 200, b"<!doctype html><p>Hello</p>")

    with pytest.raises(UrlRefused) as caught:
        fetch_feed(feed_server.url("/page"), limits=OPEN)
    assert str(caught.value) == "This address does not serve a calendar (.ics)."


def test_a_bom_white_space_and_lower_case_are_still_icalendar(feed_server):
    body = b"\xef\xbb\xbf\r\n  " + ICS.lower()
    feed_server.routes["/cal.ics"] = lambda h: answer(h, 200, body)

    assert fetch_feed(feed_server.url("/cal.ics"), limits=OPEN).body == body


# --- what the server answers ------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
def test_refused_access_is_an_auth_failure(feed_server, status):
    feed_server.routes["/cal.ics"] = lambda h: answer(h, status)

    with pytest.raises(FeedAuthFailed, match="refused access"):
        fetch_feed(feed_server.url("/cal.ics"), limits=OPEN)


@pytest.mark.parametrize("status", [404, 410])
def test_a_missing_feed_is_refused(feed_server, status):
    feed_server.routes["/cal.ics"] = lambda h: answer(h, status)

    with pytest.raises(UrlRefused, match="nothing at this address"):
        fetch_feed(feed_server.url("/cal.ics"), limits=OPEN)


def test_another_client_error_is_refused_with_its_status(feed_server):
    feed_server.routes["/cal.ics"] = lambda h: answer(h, 400)

    with pytest.raises(UrlRefused, match="HTTP 400"):
        fetch_feed(feed_server.url("/cal.ics"), limits=OPEN)


@pytest.mark.parametrize("status", [500, 502, 503, 408])
def test_a_server_error_is_transient(feed_server, status):
    feed_server.routes["/cal.ics"] = lambda h: answer(h, status)

    with pytest.raises(FeedUnavailable, match=f"HTTP {status}") as caught:
        fetch_feed(feed_server.url("/cal.ics"), limits=OPEN)
    assert caught.value.retry_after is None
    assert not isinstance(caught.value, UrlRefused)


def test_too_many_requests_is_transient_and_keeps_retry_after(feed_server):
    feed_server.routes["/cal.ics"] = lambda h: answer(h, 429, Retry_After="120")

    with pytest.raises(FeedUnavailable) as caught:
        fetch_feed(feed_server.url("/cal.ics"), limits=OPEN)
    assert caught.value.retry_after == 120


def test_a_port_nobody_listens_on_is_transient():
    with pytest.raises(FeedUnavailable, match="could not be reached"):
        fetch_feed(f"http://127.0.0.1:{free_port()}/cal.ics", limits=OPEN)


# --- the time budget --------------------------------------------------------------------


def test_a_server_slower_than_the_timeout_is_transient(feed_server):
    def slow(h: Handler) -> None:
        h.server.release.wait(3)
        answer(h, 200, ICS)

    feed_server.routes["/cal.ics"] = slow

    started = time.monotonic()
    with pytest.raises(FeedUnavailable, match="within 0.5 seconds"):
        fetch_feed(feed_server.url("/cal.ics"), limits=FetchLimits(allow_private=True, timeout=0.5))
    assert time.monotonic() - started < 1.5


def test_a_server_that_drips_its_body_is_cut_off_at_the_budget(feed_server):
    # Each byte comes well within any read timeout, so only the total budget can stop it.
    def drip(h: Handler) -> None:
        h.protocol_version = "HTTP/1.0"
        h.send_response(200)
        h.end_headers()
        h.wfile.write(b"BEGIN:VCALENDAR\r\n")
        h.wfile.flush()
        for _ in range(100):  # 5 s at most, so a client that reads on fails, not hangs
            if h.server.release.wait(0.05):
                return
            h.wfile.write(b"X")
            h.wfile.flush()

    feed_server.routes["/cal.ics"] = drip

    started = time.monotonic()
    with pytest.raises(FeedUnavailable, match="within 0.5 seconds"):
        fetch_feed(feed_server.url("/cal.ics"), limits=FetchLimits(allow_private=True, timeout=0.5))
    assert time.monotonic() - started < 1.5
