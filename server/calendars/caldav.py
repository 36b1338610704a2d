"""CalDAV calendars (Nextcloud, iCloud, Fastmail, Radicale…) behind :class:`CalendarProvider`.

The ``caldav`` library's ``DAVClient`` does the HTTP and the authentication; the WebDAV
requests themselves (PROPFIND, the ``sync-collection``, ``calendar-query`` and
``calendar-multiget`` REPORTs, PUT, DELETE) are written here, so that each one is exactly
what SPEC §5 asks for and nothing more:

- **discovery** from any URL of the server (its root, a principal, a calendar): the
  ``current-user-principal``, then its ``calendar-home-set``, then the calendars directly in
  that home and owned by that principal (C2: only the host's own calendars; calendars shared
  with them and subscriptions are left out);
- **incremental sync** with ``sync-collection`` (RFC 6578); a missing or expired token
  (403 ``valid-sync-token``, 409, 410…) gives a full listing of the window, a
  ``calendar-query`` with a ``time-range`` and *no* server-side expansion: recurrences are
  expanded by :mod:`server.calendars.expand` (never trust a server's expansion), and RFC 4791
  §9.9 makes the server return a recurring master when any of its occurrences overlaps the
  window. A server without ``sync-collection`` is followed by its collection tag
  (``getctag``, else the collection's ``getetag``): the token then is ``ctag:<tag>``, and a
  changed tag gives a full listing;
- **write-back** to a resource named by the event's UID (``<uid>.ics``), so the same
  booking always lands on the same resource, whatever the number of retries.

Outbound rules (SPEC §5): ``DAVClient``'s own HTTP session is replaced by
:func:`server.calendars.fetch.outbound_session`, a requests session whose adapter resolves
each host once, refuses non-public addresses (unless ``allow_private``) and pins the
connection to the address it checked, on every redirect hop too; RFC 6764 DNS discovery (SRV
lookups that would bypass that rule) is off. Every response body is read through a cap
(``limits.max_bytes``) and every call shares one time budget (``timeout`` seconds, every
request of the call together), so a server can neither flood nor hold a worker.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
from caldav import DAVClient
from caldav.lib import error as dav_error
from icalendar import Calendar
from lxml import etree
from requests.auth import HTTPDigestAuth, _basic_auth_str
from requests_hardened.ip_filter import InvalidIPAddress
from urllib3.exceptions import HTTPError as Urllib3Error

from server.calendars.fetch import (
    FetchLimits,
    UrlRefused,
    check_url,
    fetch_error_from,
    outbound_session,
)
from server.calendars.providers import (
    AuthFailed,
    Changes,
    ProviderError,
    ProviderUnavailable,
    RemoteCalendar,
    Resource,
)

__all__ = ["CTAG_PREFIX", "CalDavProvider"]

#: how a collection-tag "token" is told from a real sync token (a server without RFC 6578)
CTAG_PREFIX = "ctag:"

_D = "DAV:"
_C = "urn:ietf:params:xml:ns:caldav"
_CS = "http://calendarserver.org/ns/"
_NS = f'xmlns:D="{_D}" xmlns:C="{_C}" xmlns:CS="{_CS}"'
_CHUNK = 64 * 1024
_MB = 1024 * 1024
#: privileges that let the user add and change events (RFC 3744)
_WRITE_PRIVILEGES = frozenset({f"{{{_D}}}all", f"{{{_D}}}write", f"{{{_D}}}write-content"})
#: characters kept as they are in the resource name made from a UID
_SAFE_NAME = "@-._~+"
#: characters an href keeps unescaped once normalised (so one resource has one href)
_SAFE_PATH = "/@-._~!$&'()*+,;=:"

_AUTH = "The server refused this user name or password."
_NOT_CALDAV = (
    "No CalDAV calendars were found at this address. Enter your calendar server's CalDAV "
    "address (your provider's help pages give it)."
)
_GONE = "This calendar no longer exists on the server."
_READ_ONLY = "The calendar server does not let this user change this calendar."
_UNREADABLE = "The calendar server's answer could not be read."


@dataclass(frozen=True, slots=True)
class _Entry:
    """One ``DAV:response`` of a multistatus: its href, its own status (a removed member in
    a sync report) and the properties found (200) in it."""

    href: str
    status: int | None
    props: dict[str, etree._Element]


class _ServerChosenAuth(HTTPDigestAuth):
    """The login the server asks for, without ever showing the password in clear unasked.

    Over HTTPS, Basic goes with the first request (one round trip: what most servers use),
    and Digest takes over when the server answers 401 with a Digest challenge. Over plain
    HTTP (a LAN server) the first request goes without credentials: a Digest server gets
    Digest, and Basic is sent only to a server whose challenge asks for Basic, then on
    every request after. (The session's hooks, the size and time caps, run after these on
    the answer that is returned.)
    """

    def __init__(self, username: str, password: str) -> None:
        super().__init__(username, password)
        self._basic = False

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r = super().__call__(r)
        if "Authorization" not in r.headers and (self._basic or r.url.startswith("https:")):
            r.headers["Authorization"] = _basic_auth_str(self.username, self.password)
        return r

    def handle_401(self, r: requests.Response, **kwargs: Any) -> requests.Response:
        challenge = r.headers.get("www-authenticate", "").lower()
        sent = r.request.headers.get("Authorization")
        if r.status_code == 401 and "digest" not in challenge and "basic" in challenge and not sent:
            self._basic = True
            r.close()
            again = r.request.copy()
            again.headers["Authorization"] = _basic_auth_str(self.username, self.password)
            answer = r.connection.send(again, **kwargs)
            answer.history.append(r)
            answer.request = again
            return answer
        return super().handle_401(r, **kwargs)


class CalDavProvider:
    """One CalDAV login: ``url`` is any address of the server (a root, a principal, a
    calendar). Each call makes its own requests; none is made before the first call.

    :raise UrlRefused: the URL is refused by the outbound rules (here, or when connecting).
    """

    def __init__(
        self,
        url: str,
        username: str,
        password: str,
        *,
        limits: FetchLimits,
        timeout: float = 10.0,
    ) -> None:
        self._limits = limits
        self._url = check_url(url, limits)
        self._timeout = timeout
        self._deadline = time.monotonic() + timeout
        self._client = DAVClient(
            url=self._url,
            auth=_ServerChosenAuth(username, password),
            timeout=timeout,
            enable_rfc6764=False,
        )
        self._client.session.close()  # caldav's own (niquests) session: never used
        self._client.session = self._session()

    def close(self) -> None:
        """Close the pooled connections."""
        self._client.session.close()

    def __enter__(self) -> CalDavProvider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the provider ------------------------------------------------------------------------

    def discover(self) -> list[RemoteCalendar]:
        """The calendars the user owns, in the server's order.

        :raise AuthFailed: the credentials are refused.
        :raise ProviderError: no CalDAV principal or calendar home at this address.
        :raise ProviderUnavailable: the server can't be reached or fails.
        """
        with self._operation():
            principal = self._principal()
            homes = self._hrefs(principal, "C:calendar-home-set")
            if not homes:
                raise ProviderError(_NOT_CALDAV)
            found: list[RemoteCalendar] = []
            for home in homes:
                found.extend(self._calendars_in(home, principal))
            return found

    def changes(
        self, remote_id: str, sync_token: str | None, start: datetime, end: datetime
    ) -> Changes:
        """What changed since ``sync_token``, or every resource overlapping ``[start, end)``
        (``full=True``) when there is no token or the server no longer knows it.

        :raise AuthFailed: the credentials are refused.
        :raise ProviderError: the calendar is gone.
        :raise ProviderUnavailable: the server can't be reached or fails.
        """
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be aware datetimes")
        url = self._calendar_url(remote_id)
        with self._operation():
            if sync_token and not sync_token.startswith(CTAG_PREFIX):
                found = self._sync_collection(url, sync_token)
                if found is not None:
                    return found
            next_token, tag = self._sync_state(url)
            if sync_token and sync_token.startswith(CTAG_PREFIX) and tag is not None:
                if sync_token == CTAG_PREFIX + tag and next_token is None:
                    return Changes(full=False, sync_token=sync_token)
            if next_token is None and tag is not None:
                next_token = CTAG_PREFIX + tag
            return Changes(full=True, changed=self._query(url, start, end), sync_token=next_token)

    def put_event(self, remote_id: str, uid: str, ics: bytes) -> str:
        """Create or replace the event ``uid`` (resource ``<uid>.ics``); returns its href.

        :raise AuthFailed: the credentials are refused.
        :raise ProviderError: the server refuses the event or the user may not write here.
        :raise ProviderUnavailable: the server can't be reached or fails.
        """
        url = self._event_url(remote_id, uid)
        with self._operation():
            response = self._request(
                url, "PUT", ics, {"Content-Type": "text/calendar; charset=utf-8"}, write=True
            )
            status = response.status
            if status in (200, 201, 204):
                return _normal_href(url, url)
            self._raise_for(status, write=True)
            raise ProviderError(f"The calendar server refused the event (HTTP {status}).")

    def delete_event(self, remote_id: str, uid: str) -> bool:
        """Delete the event ``uid``: True when it was there, False when it was gone already.

        :raise AuthFailed: the credentials are refused.
        :raise ProviderError: the user may not change this calendar.
        :raise ProviderUnavailable: the server can't be reached or fails.
        """
        url = self._event_url(remote_id, uid)
        with self._operation():
            status = self._request(url, "DELETE", "", None, write=True).status
            if status in (404, 410):
                return False
            if 200 <= status < 300:
                return True
            self._raise_for(status, write=True)
            raise ProviderError(f"The calendar server refused to delete the event (HTTP {status}).")

    # -- discovery -------------------------------------------------------------------------

    def _principal(self) -> str:
        """The current user's principal URL, from the URL given or from ``/.well-known/caldav``
        (RFC 6764 §5: what a server root usually answers)."""
        for url in (self._url, urljoin(self._url, "/.well-known/caldav")):
            entries = self._propfind(url, 0, ["D:current-user-principal"], missing_ok=True)
            for entry in entries:
                hrefs = _hrefs_in(entry.props.get(f"{{{_D}}}current-user-principal"))
                if hrefs:
                    return urljoin(url, hrefs[0])
        raise ProviderError(_NOT_CALDAV)

    def _hrefs(self, url: str, prop: str) -> list[str]:
        """The absolute URLs in an href-valued property (``C:calendar-home-set``)."""
        prefix, name = prop.split(":")
        clark = f"{{{_C if prefix == 'C' else _D}}}{name}"
        found: list[str] = []
        for entry in self._propfind(url, 0, [prop]):
            found.extend(urljoin(url, href) for href in _hrefs_in(entry.props.get(clark)))
        return found

    def _calendars_in(self, home: str, principal: str) -> list[RemoteCalendar]:
        props = [
            "D:resourcetype",
            "D:displayname",
            "D:owner",
            "D:current-user-privilege-set",
            "C:calendar-timezone",
            "C:supported-calendar-component-set",
        ]
        home_path = _normal_href(home, home)
        calendars: list[RemoteCalendar] = []
        for entry in self._propfind(home, 1, props):
            url = urljoin(home, entry.href)
            path = _normal_href(home, entry.href)
            kinds = entry.props.get(f"{{{_D}}}resourcetype")
            if kinds is None or kinds.find(f"{{{_C}}}calendar") is None:
                continue
            if path == home_path or not path.startswith(home_path):
                continue  # the home itself, or a calendar living elsewhere (shared with us)
            owners = _hrefs_in(entry.props.get(f"{{{_D}}}owner"))
            if owners and _normal_href(home, owners[0]) != _normal_href(principal, principal):
                continue  # shared with the user by someone else
            name_element = entry.props.get(f"{{{_D}}}displayname")
            name = (name_element.text or "").strip() if name_element is not None else ""
            calendars.append(
                RemoteCalendar(
                    remote_id=url,
                    name=name or unquote(path.rstrip("/").rsplit("/", 1)[-1]),
                    time_zone=_zone_of(entry.props.get(f"{{{_C}}}calendar-timezone")),
                    writable=_writable(entry.props),
                )
            )
        return calendars

    # -- sync -------------------------------------------------------------------------------

    def _sync_state(self, url: str) -> tuple[str | None, str | None]:
        """The collection's current sync token and tag (``getctag``, else ``getetag``)."""
        entries = self._propfind(url, 0, ["D:sync-token", "CS:getctag", "D:getetag"])
        token = tag = None
        for entry in entries:
            for name in (f"{{{_CS}}}getctag", f"{{{_D}}}getetag"):
                element = entry.props.get(name)
                if tag is None and element is not None and (element.text or "").strip():
                    tag = element.text.strip()
            element = entry.props.get(f"{{{_D}}}sync-token")
            if element is not None and (element.text or "").strip():
                token = element.text.strip()
        return token, tag

    def _sync_collection(self, url: str, token: str) -> Changes | None:
        """The changes since ``token``, or None when the server won't sync from it (an
        expired or unknown token, or no RFC 6578 support): then a full listing follows."""
        body = (
            f'<?xml version="1.0" encoding="utf-8"?><D:sync-collection {_NS}>'
            f"<D:sync-token>{escape(token)}</D:sync-token><D:sync-level>1</D:sync-level>"
            "<D:prop><D:getetag/><C:calendar-data/></D:prop></D:sync-collection>"
        )
        try:
            response = self._client.request(url, "REPORT", body, {"Depth": "0"})
        except dav_error.AuthorizationError as exc:
            if exc.status == 401:
                raise
            return None  # 403: RFC 6578 §3.2's answer to a token it no longer knows
        status = response.status
        if status == 404:
            raise ProviderError(_GONE)
        if status != 207:
            if status >= 500 and status != 501:
                raise ProviderUnavailable(_server_failed(status))
            return None
        tree = _tree(response)
        request_path = _normal_href(url, url)
        changed: list[tuple[str, str | None, bytes | None]] = []
        removed: list[str] = []
        for entry in _entries(tree):
            href = _normal_href(url, entry.href)
            if href == request_path or href.endswith("/"):
                continue  # the collection itself (507: truncated, the next sync goes on)
            if entry.status == 404:
                removed.append(href)
            elif f"{{{_D}}}getetag" in entry.props or f"{{{_C}}}calendar-data" in entry.props:
                changed.append((href, _etag(entry), _data(entry)))
        new_token = tree.findtext(f"{{{_D}}}sync-token")
        if not new_token:
            return None
        return Changes(
            full=False,
            changed=self._complete(url, changed),
            removed=removed,
            sync_token=new_token.strip(),
        )

    def _query(self, url: str, start: datetime, end: datetime) -> list[Resource]:
        """Every event resource with an occurrence in ``[start, end)`` (calendar-query)."""
        body = (
            f'<?xml version="1.0" encoding="utf-8"?><C:calendar-query {_NS}>'
            "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
            '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
            f'<C:time-range start="{_ical_utc(start)}" end="{_ical_utc(end)}"/>'
            "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
        )
        response = self._client.request(url, "REPORT", body, {"Depth": "1"})
        self._check_multistatus(response.status)
        found = [
            (_normal_href(url, e.href), _etag(e), _data(e))
            for e in _entries(_tree(response))
            if not e.href.endswith("/") and e.status in (None, 200)
        ]
        return self._complete(url, found)

    def _complete(
        self, url: str, found: Sequence[tuple[str, str | None, bytes | None]]
    ) -> list[Resource]:
        """The resources, the data of those the server listed without it fetched with one
        calendar-multiget (servers that don't return calendar-data in a sync report)."""
        missing = [href for href, _, data in found if data is None]
        fetched: dict[str, tuple[str | None, bytes]] = {}
        if missing:
            hrefs = "".join(f"<D:href>{escape(href)}</D:href>" for href in missing)
            body = (
                f'<?xml version="1.0" encoding="utf-8"?><C:calendar-multiget {_NS}>'
                f"<D:prop><D:getetag/><C:calendar-data/></D:prop>{hrefs}</C:calendar-multiget>"
            )
            response = self._client.request(url, "REPORT", body, {"Depth": "1"})
            self._check_multistatus(response.status)
            for entry in _entries(_tree(response)):
                data = _data(entry)
                if data is not None:
                    fetched[_normal_href(url, entry.href)] = (_etag(entry), data)
        resources: list[Resource] = []
        for href, etag, data in found:
            if data is None:
                if href not in fetched:
                    continue  # gone between the two requests: the next sync says so
                etag, data = fetched[href]
            resources.append(Resource(href=href, etag=etag, data=data))
        return resources

    # -- HTTP --------------------------------------------------------------------------------

    def _propfind(
        self, url: str, depth: int, props: Sequence[str], *, missing_ok: bool = False
    ) -> list[_Entry]:
        body = (
            f'<?xml version="1.0" encoding="utf-8"?><D:propfind {_NS}><D:prop>'
            + "".join(f"<{p}/>" for p in props)
            + "</D:prop></D:propfind>"
        )
        response = self._client.request(url, "PROPFIND", body, {"Depth": str(depth)})
        if missing_ok and response.status != 207:
            if response.status >= 500:
                raise ProviderUnavailable(_server_failed(response.status))
            return []
        self._check_multistatus(response.status)
        try:
            return _entries(_tree(response))
        except ProviderError:
            if missing_ok:
                return []
            raise

    def _request(
        self,
        url: str,
        method: str,
        body: str | bytes,
        headers: dict[str, str] | None,
        *,
        write: bool,
    ) -> Any:
        try:
            return self._client.request(url, method, body, headers)
        except dav_error.AuthorizationError as exc:
            if write and exc.status == 403:
                raise ProviderError(_READ_ONLY) from exc
            raise

    def _check_multistatus(self, status: int) -> None:
        if status == 207:
            return
        self._raise_for(status, write=False)
        raise ProviderError(_NOT_CALDAV)

    @staticmethod
    def _raise_for(status: int, *, write: bool) -> None:
        if status == 404 and not write:
            raise ProviderError(_GONE)
        if status in (408, 429) or status >= 500:
            raise ProviderUnavailable(_server_failed(status))

    def _calendar_url(self, remote_id: str) -> str:
        url = check_url(remote_id, self._limits)
        return url if url.endswith("/") else url + "/"

    def _event_url(self, remote_id: str, uid: str) -> str:
        if not uid:
            raise ValueError("an event needs a UID")
        return self._calendar_url(remote_id) + quote(uid, safe=_SAFE_NAME) + ".ics"

    def _session(self) -> requests.Session:
        """``outbound_session`` with one time budget per call and a cap on every body."""
        session = outbound_session(self._limits)
        send = session.request

        def bounded(method: str, url: str, **kwargs: Any) -> requests.Response:
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise ProviderUnavailable(self._timed_out())
            kwargs["timeout"] = (left, left)
            return send(method, url, **kwargs)

        session.request = bounded  # type: ignore[method-assign]
        session.hooks["response"].append(self._read_capped)
        return session

    def _read_capped(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Read the body here, refused past the size cap or the time budget (a requests
        response hook: it runs before requests reads the body itself)."""
        limit = self._limits.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            response.close()
            raise ProviderError(_too_large(limit))
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(_CHUNK):
            size += len(chunk)
            if size > limit:
                response.close()
                raise ProviderError(_too_large(limit))
            chunks.append(chunk)
            if time.monotonic() > self._deadline:
                response.close()
                raise ProviderUnavailable(self._timed_out())
        response._content = b"".join(chunks)

    @contextmanager
    def _operation(self) -> Iterator[None]:
        """One call: a fresh time budget, and every failure as a ``ProviderError`` (or the
        outbound rules' ``UrlRefused``) with a message for the host."""
        self._deadline = time.monotonic() + self._timeout
        try:
            yield
        except (ProviderError, UrlRefused):
            raise
        except dav_error.AuthorizationError as exc:
            raise AuthFailed(_AUTH) from exc
        except dav_error.RateLimitError as exc:
            seconds = exc.retry_after_seconds
            raise ProviderUnavailable(
                _server_failed(exc.status or 429),
                retry_after=int(seconds) if seconds is not None else None,
            ) from exc
        except (requests.RequestException, Urllib3Error, InvalidIPAddress, OSError) as exc:
            failure = fetch_error_from(exc, FetchLimits(timeout=self._timeout))
            if isinstance(failure, UrlRefused):
                raise failure from exc
            raise ProviderUnavailable(str(failure)) from exc
        except etree.XMLSyntaxError as exc:
            raise ProviderUnavailable(_UNREADABLE) from exc

    def _timed_out(self) -> str:
        return f"The calendar server did not answer within {self._timeout:g} seconds."


# -- parsing ------------------------------------------------------------------------------------


def _tree(response: Any) -> etree._Element:
    tree = getattr(response, "tree", None)
    if tree is None or tree.tag != f"{{{_D}}}multistatus":
        raise ProviderError(_NOT_CALDAV)
    return tree


def _entries(tree: etree._Element) -> list[_Entry]:
    entries: list[_Entry] = []
    for response in tree.findall(f"{{{_D}}}response"):
        href = (response.findtext(f"{{{_D}}}href") or "").strip()
        if not href:
            continue
        props: dict[str, etree._Element] = {}
        for propstat in response.findall(f"{{{_D}}}propstat"):
            if _status(propstat.findtext(f"{{{_D}}}status")) != 200:
                continue
            prop = propstat.find(f"{{{_D}}}prop")
            for element in prop if prop is not None else ():
                props[element.tag] = element
        entries.append(_Entry(href, _status(response.findtext(f"{{{_D}}}status")), props))
    return entries


def _status(line: str | None) -> int | None:
    """``HTTP/1.1 404 Not Found`` → 404."""
    parts = (line or "").split()
    return int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None


def _hrefs_in(element: etree._Element | None) -> list[str]:
    if element is None:
        return []
    return [h.text.strip() for h in element.iter(f"{{{_D}}}href") if h.text and h.text.strip()]


def _etag(entry: _Entry) -> str | None:
    element = entry.props.get(f"{{{_D}}}getetag")
    return (element.text or "").strip() or None if element is not None else None


def _data(entry: _Entry) -> bytes | None:
    element = entry.props.get(f"{{{_C}}}calendar-data")
    if element is None or not (element.text or "").strip():
        return None
    return element.text.encode("utf-8")


def _normal_href(base: str, href: str) -> str:
    """The href as a path, escaped one way only, so that a resource the server lists in a
    sync report, in a query and after a PUT always has the same href."""
    path = urlsplit(urljoin(base, href)).path
    return quote(unquote(path), safe=_SAFE_PATH)


def _zone_of(element: etree._Element | None) -> str | None:
    """The IANA zone of a ``calendar-timezone`` (a VCALENDAR with one VTIMEZONE)."""
    if element is None or not (element.text or "").strip():
        return None
    try:
        calendar = Calendar.from_ical(element.text)
    except ValueError:
        return None
    for zone in calendar.walk("VTIMEZONE"):
        tzid = str(zone.get("TZID", "")).strip()
        try:
            ZoneInfo(tzid)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return tzid
    return None


def _writable(props: dict[str, etree._Element]) -> bool:
    """Holds events (no component set means every kind, RFC 4791 §5.2.3) and the user may
    write (no privilege set: assume so, the first write tells)."""
    components = props.get(f"{{{_C}}}supported-calendar-component-set")
    if components is not None:
        names = {c.get("name", "").upper() for c in components.iter(f"{{{_C}}}comp")}
        if "VEVENT" not in names:
            return False
    privileges = props.get(f"{{{_D}}}current-user-privilege-set")
    if privileges is None:
        return True
    granted = {
        element.tag for privilege in privileges.iter(f"{{{_D}}}privilege") for element in privilege
    }
    return bool(granted & _WRITE_PRIVILEGES)


def _ical_utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _server_failed(status: int) -> str:
    return f"The calendar server is not answering right now (HTTP {status})."


def _too_large(limit: int) -> str:
    text = f"{limit // _MB} MB" if limit % _MB == 0 else f"{limit:,} bytes"
    return f"The calendar server's answer is larger than {text}."
