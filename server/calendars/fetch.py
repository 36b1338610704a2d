"""Outbound HTTP to calendar URLs a host typed (SPEC §5 "Outbound requests"): ICS feeds, and
the session CalDAV reuses.

A host types a URL and our server fetches it, so without care a host could make Rendezvous
read its own network (SSRF: a cloud metadata address, an admin page on 127.0.0.1, the
database's port). Every request made here therefore:

- connects only to a **public address, checked on the address actually connected to**:
  requests-hardened's ``IPFilterAdapter`` resolves the name once, refuses its own list and
  pins the connection to that address (``Host`` header, TLS SNI and the certificate checked
  against the name), so a name that resolves differently a moment later (DNS rebinding)
  gains nothing; on the pinned address we apply our rule, ``is_public_address``, which also
  covers what the library's list leaves open on Python 3.11 (multicast, site-local and
  IPv4-compatible IPv6, 6to4 and NAT64 forms of IPv4);
- follows at most ``MAX_REDIRECTS`` redirects, only to ``http``/``https``, each hop through
  the same adapter, so a public URL that redirects to a private one is refused;
- reads at most ``max_bytes`` of the *decoded* body, streamed, and stops past the cap
  (a compressed bomb stops too);
- finishes within ``timeout`` seconds in all: the hops and the body share one budget,
  checked between reads, so a server that drips a byte at a time can't hold a worker.

``allow_private`` (``RENDEZVOUS_CALENDAR_ALLOW_PRIVATE_HOSTS=1``: tests, LAN servers) lifts
the address rule and nothing else. No Flask here: the API, the dashboard and the worker call
it alike, and every failure is a ``FetchError`` whose message is written for the host.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network
from typing import Any, Literal
from urllib.parse import SplitResult, urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests_hardened.ip_filter import InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ReadTimeoutError

__all__ = [
    "MAX_REDIRECTS",
    "AddressRefused",
    "Feed",
    "FeedAuthFailed",
    "FeedUnavailable",
    "FetchError",
    "FetchLimits",
    "UrlRefused",
    "check_url",
    "fetch_error_from",
    "fetch_feed",
    "is_public_address",
    "limits_from_config",
    "outbound_session",
]

MAX_REDIRECTS = 5
_MB = 1024 * 1024
_CHUNK = 64 * 1024
_SCHEMES = ("http", "https")
_USER_AGENT = "Rendezvous calendar sync"
_ACCEPT = "text/calendar, text/plain;q=0.5, */*;q=0.1"
_TRUE = {"1", "true", "yes", "on"}

IPAddress = IPv4Address | IPv6Address

# Not global, yet ``is_global`` says they are on Python 3.11, or they carry an IPv4 address
# inside an IPv6 one (6to4, NAT64) that a router would turn back into a private one.
_ALSO_REFUSED = tuple(
    ip_network(net)
    for net in (
        "100.64.0.0/10",  # carrier-grade NAT: often reaches a provider's internal hosts
        "192.0.0.0/24",  # IETF protocol assignments
        "192.88.99.0/24",  # 6to4 relay anycast
        "198.18.0.0/15",  # benchmarking
        "2002::/16",  # 6to4: 2002:7f00:1:: is 127.0.0.1
        "64:ff9b::/96",  # NAT64
        "64:ff9b:1::/48",  # local-use NAT64
        "2001:20::/28",  # ORCHIDv2
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing
        "fec0::/10",  # site-local (deprecated, still routed inside some networks)
    )
)

_PRIVATE = (
    "This address points to a private or local network address, which Rendezvous does not "
    "connect to. Use the calendar's public address."
)
_NOT_HTTP = "Enter an address that starts with https:// (or http:// or webcal://)."
_INVALID = "This is not a valid web address."
_NO_HOST = "This address has no server name."
_BAD_PORT = "This address has an invalid port."
_REDIRECT_NOT_HTTP = "This address redirects to one that is not an http or https address."
_TOO_MANY_REDIRECTS = f"This address redirects more than {MAX_REDIRECTS} times."
_NOT_FOUND = "The calendar server says there is nothing at this address."
_NOT_A_CALENDAR = "This address does not serve a calendar (.ics)."
_AUTH = (
    "The calendar server refused access to this address. Copy the calendar's address again "
    "from your calendar's sharing settings."
)
_UNREACHABLE = "The calendar server could not be reached."
_CUT_OFF = "The calendar server's answer was cut off."
_TLS = "The calendar server's certificate could not be verified."


class FetchError(Exception):
    """A calendar URL couldn't be fetched; ``str(exc)`` is a sentence for the host."""


class UrlRefused(FetchError, ValueError):
    """Permanent: the URL itself is refused (scheme, address, redirects, not found, not a
    calendar, too large). Retrying won't help; shown under the URL field."""


class FeedAuthFailed(FetchError):
    """The server refused us (401/403): the connection becomes ``disconnected`` (C6)."""


class FeedUnavailable(FetchError):
    """Transient: a timeout, a connection failure, 408, 429 or 5xx; retried with backoff.

    ``retry_after`` is the number of seconds the server asked us to wait, when it said.
    """

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AddressRefused(InvalidIPAddress):
    """Raised inside requests when the pinned address is not public; ``fetch_error_from``
    makes it (and requests-hardened's own ``InvalidIPAddress``) a ``UrlRefused``."""


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """What one fetch may do. ``timeout`` is the whole budget in seconds (every hop, the body)."""

    allow_private: bool = False
    max_bytes: int = 5 * _MB
    timeout: float = 10.0


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed's answer. ``etag`` and ``last_modified`` are the validators to send next time
    (the server's own strings, kept verbatim); ``body`` is None when unchanged."""

    status: Literal["changed", "unchanged"]
    body: bytes | None
    etag: str | None
    last_modified: str | None


def limits_from_config(config: Mapping[str, Any]) -> FetchLimits:
    """The limits the app's settings ask for: ``RENDEZVOUS_CALENDAR_ALLOW_PRIVATE_HOSTS``
    is truthy as a bool or as "1"/"true"/"yes"/"on" (an unparsed environment value)."""
    raw = config.get("RENDEZVOUS_CALENDAR_ALLOW_PRIVATE_HOSTS", False)
    allow = raw.strip().lower() in _TRUE if isinstance(raw, str) else bool(raw)
    return FetchLimits(allow_private=allow)


def is_public_address(address: IPAddress) -> bool:
    """Whether a request may connect to ``address``: globally routable unicast only.

    An IPv4-mapped IPv6 address (``::ffff:127.0.0.1``) is judged as the IPv4 address it
    reaches. Refused: private, loopback, link-local, unspecified, multicast, reserved,
    carrier-grade NAT, and the special ranges of ``_ALSO_REFUSED``.
    """
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, IPv6Address) and address.is_site_local:
        return False
    return (
        address.is_global
        and not address.is_private
        and not address.is_loopback
        and not address.is_link_local
        and not address.is_unspecified
        and not address.is_multicast
        and not address.is_reserved
        and not any(address in net for net in _ALSO_REFUSED)
    )


def check_url(url: str, limits: FetchLimits) -> str:
    """The URL to fetch for what the host typed: ``webcal(s)://`` becomes ``https://``;
    only http and https, with a server name and a valid port; an IP literal must be public
    unless ``allow_private``. No network here: names are checked when connecting.

    :raise UrlRefused: with a message for the host.
    """
    text = url.strip()
    scheme = _split(text).scheme.lower()
    if scheme in ("webcal", "webcals"):
        text = "https" + text[len(scheme) :]
    elif scheme not in _SCHEMES:
        raise UrlRefused(_NOT_HTTP)
    parts = _split(text)
    if not parts.hostname:
        raise UrlRefused(_NO_HOST)
    try:
        parts.port  # noqa: B018 - parsing it is the check
    except ValueError:
        raise UrlRefused(_BAD_PORT) from None
    if not limits.allow_private:
        literal = _ip_literal(parts.hostname)
        if literal is not None and not is_public_address(literal):
            raise UrlRefused(_PRIVATE)
    return text


def outbound_session(
    limits: FetchLimits, *, address_allowed: Callable[[IPAddress], bool] = is_public_address
) -> requests.Session:
    """A requests session with the address rule on every connection, redirects included.

    For callers that drive requests themselves (CalDAV): at most ``MAX_REDIRECTS``
    redirects, only http/https adapters (another scheme raises ``InvalidSchema``), no
    proxies or ``.netrc`` credentials from the environment (a host's URL must never be sent
    our credentials). They pass their own ``timeout`` and cap the body themselves;
    ``fetch_error_from`` turns what requests raises into a ``FetchError``.
    ``address_allowed`` replaces the rule (tests pin it to one loopback address to show
    that redirect targets are checked); ``allow_private`` removes it.
    """
    session = requests.Session()
    session.trust_env = False
    session.max_redirects = MAX_REDIRECTS
    session.headers["User-Agent"] = _USER_AGENT
    for scheme in _SCHEMES:
        adapter = (
            HTTPAdapter()
            if limits.allow_private
            else _AddressFilterAdapter(https=scheme == "https", address_allowed=address_allowed)
        )
        session.mount(f"{scheme}://", adapter)
    return session


def fetch_feed(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    limits: FetchLimits | None = None,
    session: requests.Session | None = None,
) -> Feed:
    """GET an ICS feed, conditionally when validators from the last fetch are given.

    304 is ``unchanged`` (only when a validator was sent; callers without one always get a
    body); a 2xx body must be iCalendar (``BEGIN:VCALENDAR`` after an
    optional BOM and white space). ``session`` defaults to a fresh ``outbound_session``
    (pass one to reuse its connections across feeds).

    :raise UrlRefused: refused URL or address, bad redirects, 404/410, other 4xx, not a
        calendar, over the size cap.
    :raise FeedAuthFailed: 401/403.
    :raise FeedUnavailable: timeout, connection failure, 408, 429, 5xx.
    """
    limits = limits or FetchLimits()
    url = check_url(url, limits)
    headers = {"Accept": _ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = time.monotonic() + limits.timeout
    own_session = session is None
    session = session or outbound_session(limits)
    try:
        with _follow(session, url, headers, limits, deadline) as response:
            return _feed_from(response, etag, last_modified, limits, deadline)
    except (requests.RequestException, Urllib3Error, OSError) as exc:
        raise fetch_error_from(exc, limits) from exc
    finally:
        if own_session:
            session.close()


def fetch_error_from(exc: BaseException, limits: FetchLimits) -> FetchError:
    """The ``FetchError`` for what requests (or urllib3 under it) raised while fetching."""
    if isinstance(exc, InvalidIPAddress):
        return UrlRefused(_PRIVATE)
    if isinstance(exc, requests.TooManyRedirects):
        return UrlRefused(_TOO_MANY_REDIRECTS)
    if isinstance(exc, requests.exceptions.InvalidSchema):
        return UrlRefused(_REDIRECT_NOT_HTTP)
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return UrlRefused(_INVALID)
    if _is_timeout(exc):
        return FeedUnavailable(_timed_out(limits))
    if isinstance(exc, requests.exceptions.SSLError):
        return FeedUnavailable(_TLS)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | Urllib3Error):
        return FeedUnavailable(_CUT_OFF)
    return FeedUnavailable(_UNREACHABLE)


class _AddressFilterAdapter(IPFilterAdapter):
    """requests-hardened's resolving, pinning adapter, with our rule on the pinned address.

    Its own filter runs with ``allow_loopback=True`` only so that one predicate,
    ``address_allowed``, decides about loopback (``is_public_address`` refuses it); its list
    of private ranges still refuses the rest as a second line.
    """

    def __init__(self, *, https: bool, address_allowed: Callable[[IPAddress], bool]) -> None:
        super().__init__(is_https_proto=https, allow_loopback=True)
        self._address_allowed = address_allowed

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        pinned = ip_address(host_params["host"].strip("[]"))  # the address we will connect to
        if not self._address_allowed(pinned):
            raise AddressRefused(pinned)
        return host_params, pool_kwargs


def _follow(
    session: requests.Session,
    url: str,
    headers: Mapping[str, str],
    limits: FetchLimits,
    deadline: float,
) -> requests.Response:
    """GET ``url`` and up to ``MAX_REDIRECTS`` redirects, each target checked like the URL."""
    for hops in range(MAX_REDIRECTS + 1):
        response = session.get(
            url,
            headers=headers,
            stream=True,
            allow_redirects=False,
            timeout=(_remaining(deadline, limits),) * 2,
        )
        if not response.is_redirect:
            return response
        location = session.get_redirect_target(response)
        response.close()
        if hops == MAX_REDIRECTS:
            raise UrlRefused(_TOO_MANY_REDIRECTS)
        try:
            url = urljoin(url, location)
        except ValueError:
            raise UrlRefused(_INVALID) from None
        if _split(url).scheme.lower() not in _SCHEMES:
            raise UrlRefused(_REDIRECT_NOT_HTTP)
        url = check_url(url, limits)
    raise AssertionError("unreachable")  # pragma: no cover


def _feed_from(
    response: requests.Response,
    etag: str | None,
    last_modified: str | None,
    limits: FetchLimits,
    deadline: float,
) -> Feed:
    status = response.status_code
    if status == 304 and (etag or last_modified):  # without validators, a 304 makes no sense
        return Feed(
            "unchanged",
            None,
            response.headers.get("ETag") or etag,
            response.headers.get("Last-Modified") or last_modified,
        )
    if status in (401, 403):
        raise FeedAuthFailed(_AUTH)
    if status in (404, 410):
        raise UrlRefused(_NOT_FOUND)
    if status in (408, 429) or status >= 500:
        raise FeedUnavailable(
            f"The calendar server is not answering right now (HTTP {status}).",
            retry_after=_retry_after(response),
        )
    if not 200 <= status < 300:
        raise UrlRefused(f"The calendar server answered HTTP {status} instead of a calendar.")
    body = _read_capped(response, limits, deadline)
    if not _is_icalendar(body):
        raise UrlRefused(_NOT_A_CALENDAR)
    return Feed(
        "changed", body, response.headers.get("ETag"), response.headers.get("Last-Modified")
    )


def _read_capped(response: requests.Response, limits: FetchLimits, deadline: float) -> bytes:
    """The decoded body, refused as soon as it passes the cap or the time budget runs out."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise UrlRefused(_too_large(limits))
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(_CHUNK):
        size += len(chunk)
        if size > limits.max_bytes:
            raise UrlRefused(_too_large(limits))
        chunks.append(chunk)
        if time.monotonic() > deadline:
            raise FeedUnavailable(_timed_out(limits))
    return b"".join(chunks)


def _is_icalendar(body: bytes) -> bool:
    start = body.removeprefix(b"\xef\xbb\xbf").lstrip()
    return start[:15].upper() == b"BEGIN:VCALENDAR"


def _remaining(deadline: float, limits: FetchLimits) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FeedUnavailable(_timed_out(limits))
    return left


def _is_timeout(exc: BaseException) -> bool:
    """requests reports a read timeout in the body as a ConnectionError around urllib3's,
    so look through the wrapped errors (a few levels: they never nest deeper)."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, requests.Timeout | ReadTimeoutError | TimeoutError):
            return True
        wrapped = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = wrapped or seen.__cause__
    return False


def _retry_after(response: requests.Response) -> int | None:
    value = response.headers.get("Retry-After", "").strip()
    return int(value) if value.isdigit() else None


def _split(url: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError:  # an unclosed "[" of an IPv6 address, for one
        raise UrlRefused(_INVALID) from None


def _ip_literal(hostname: str) -> IPAddress | None:
    try:
        return ip_address(hostname)
    except ValueError:
        return None


def _too_large(limits: FetchLimits) -> str:
    size = limits.max_bytes
    text = f"{size // _MB} MB" if size % _MB == 0 else f"{size:,} bytes"
    return f"The calendar is larger than {text}."


def _timed_out(limits: FetchLimits) -> str:
    return f"The calendar server did not answer within {limits.timeout:g} seconds."
