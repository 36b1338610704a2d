"""Each process keeps its recent slots answers, and serves one again while it still holds.

GET slots is the public API's busiest call, and most of its cost is reading the hosts'
bookings and running the engine over them, for an answer many visitors ask for alike. An
answer is kept under the link's slug and the exact query string, with the fingerprint of
what it was computed from (:func:`server.bookings.freshness.slots_fingerprint`, read before
computing it) and the instant it stops holding as time passes. A request whose fingerprint
is unchanged and whose instant hasn't come gets the kept bytes, without the query being
parsed again (it is the same text that was validated), the bookings read or the engine run.

The fingerprint's versions are renewed in the unit of work of every booking, cancel,
reschedule, link edit and calendar sync, so a change committed by any process on any
machine is seen by the next request everywhere. Time is the other input: an answer holds
until its first start passes the link's notice (it would no longer be offered), its
visitor's or its link's next midnight (the window and "today" move), and a minute at most
(the zone menu's labels, a day's DST).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

import brotli
from flask import Response, current_app, g, request
from werkzeug.datastructures import Headers

from server.bookings.freshness import Fingerprint, slots_fingerprint
from server.clock import utcnow
from server.db import get_session
from server.links.models import BookingLink
from server.timezones import zone

__all__ = ["LONGEST_KEPT", "SlotsCache", "cached_slots", "expiry", "keep"]

#: how long an answer is kept at most, whatever else holds
LONGEST_KEPT = timedelta(minutes=1)
#: answers kept per process (about 10–30 KB each, plus their compressed copies)
SIZE = 512
ENDPOINT = "public.slots"


@dataclass
class Entry:
    fingerprint: Fingerprint
    until: datetime
    body: bytes
    packed: dict[str, bytes] = field(default_factory=dict)

    def response(self, accepted: str) -> Response:
        """The kept answer, compressed as the client accepts (once per encoding)."""
        headers = Headers()
        body = self.body
        encoding = "br" if "br" in accepted else "gzip" if "gzip" in accepted else None
        if encoding is not None and len(body) >= 1024:
            if encoding not in self.packed:
                self.packed[encoding] = _pack(body, encoding)
            body = self.packed[encoding]
            headers["Content-Encoding"] = encoding
        return current_app.response_class(body, mimetype="application/json", headers=headers)


def _pack(body: bytes, encoding: str) -> bytes:
    import gzip

    return brotli.compress(body, quality=4) if encoding == "br" else gzip.compress(body, 5)


class SlotsCache:
    """A process's kept answers, least recently used first out; safe across threads."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, bytes], Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, bytes]) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple[str, bytes], entry: Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _cache() -> SlotsCache:
    return current_app.extensions.setdefault("rendezvous.slots_cache", SlotsCache())


def cached_slots() -> Response | None:
    """``before_request`` of the public API: the kept answer to this GET slots, if it holds.

    Otherwise notes the fingerprint, read before the view computes the answer, which
    :func:`keep` stores with it: an answer is never kept under a newer fingerprint than the
    data it was computed from.
    """
    if request.endpoint != ENDPOINT or request.method != "GET":
        return None
    slug = (request.view_args or {}).get("slug")
    if slug is None:
        return None
    fingerprint = slots_fingerprint(get_session(), slug)
    if not fingerprint:
        return None  # no such link: the view answers its 404
    key = (slug, request.query_string)
    entry = _cache().get(key)
    if entry is not None and entry.fingerprint == fingerprint and utcnow() < entry.until:
        return entry.response(request.headers.get("Accept-Encoding", ""))
    g.slots_kept = (key, fingerprint)
    return None


def keep(answer: dict[str, Any], body: bytes, link: BookingLink, now: datetime) -> None:
    """Keep the view's answer for the requests that will ask the same (after
    :func:`cached_slots` noted its fingerprint)."""
    noted = g.pop("slots_kept", None)
    if noted is None:
        return
    key, fingerprint = noted
    _cache().put(key, Entry(fingerprint, expiry(answer, link, now), body))


def _next_midnight(now: datetime, timezone: str) -> datetime:
    local = now.astimezone(zone(timezone))
    following = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=local.tzinfo)
    return following


def expiry(answer: dict[str, Any], link: BookingLink, now: datetime) -> datetime:
    """The instant ``answer`` (computed at ``now``) stops holding as time passes alone."""
    notice = timedelta(minutes=link.minimum_notice_minutes)
    limits = [
        now + LONGEST_KEPT,
        _next_midnight(now, answer["timezone"]),
        _next_midnight(now, link.timezone),
    ]
    if answer["slots"]:
        limits.append(datetime.fromisoformat(answer["slots"][0]) - notice)
    if answer.get("next_available"):
        limits.append(datetime.fromisoformat(answer["next_available"]) - notice)
    return min(limits)
