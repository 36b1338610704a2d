"""Rate limits (SPEC A4), counted where every worker process sees the same numbers.

A limit kept in each process's memory is multiplied by the number of workers, so counters live
in shared storage: Redis when ``RENDEZVOUS_RATELIMIT_STORAGE_URL`` names it (shared by every
machine), otherwise a small SQLite file in the instance folder (shared by every process of one
machine; see :class:`MachineStorage`). Alone in its module so that any blueprint can decorate its
views without importing the API's plumbing.

Besides the per-address limits, two kinds of limit are keyed on what a request is *about*: the
email address a login tries (so a botnet can't guess one account's password from many
addresses) and the visitor address and link a booking or meeting request writes to (so nobody
can make us email-bomb an address they type in).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from werkzeug.exceptions import TooManyRequests

__all__ = [
    "FailoverStorage",
    "ReadBudget",
    "check_public_read",
    "account_email_limit",
    "MachineStorage",
    "booking_caps",
    "init_app",
    "limiter",
    "login_account_limit",
    "refusal_message",
    "retry_after_seconds",
]

log = logging.getLogger(__name__)

#: counts per client address (the trusted proxies' ``X-Forwarded-For`` when
#: ``RENDEZVOUS_PROXY_COUNT`` says how many there are); storage set by :func:`init_app`
limiter = Limiter(key_func=get_remote_address)
#: the public API's reads are counted by :func:`check_public_read`, in batches
limiter.request_filter(lambda: _is_public_read())


class MachineStorage(Storage):
    """Fixed-window counters in a SQLite file that every worker process of a machine opens.

    Chosen over a memory segment or a helper daemon: SQLite is already our embedded store,
    a counter is one atomic ``INSERT … ON CONFLICT … RETURNING`` (no lock of our own, safe
    across ``fork``), and with WAL and ``synchronous=OFF`` it costs tens of microseconds.
    Counters are not worth an fsync: a crash forgets a minute's counts, nothing more. The file
    is separate from the application's database so counting never waits for its write lock.

    URI: ``sqlite:///<absolute path>``.
    """

    STORAGE_SCHEME = ["sqlite"]
    _SWEEP_EVERY = 2000  # increments between removals of expired counters

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **_: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        path = unquote(urlsplit(uri or "").path)
        if not path or path == "/":
            raise ValueError("MachineStorage needs a file: sqlite:///<absolute path>")
        self.path = path
        self._local = threading.local()
        self._increments = 0

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        """One connection per thread and per process (a forked worker opens its own)."""
        pid = os.getpid()
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != pid:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS counters "
                "(key TEXT PRIMARY KEY, hits INTEGER NOT NULL, expires REAL NOT NULL)"
            )
            self._local.conn, self._local.pid = conn, pid
        return conn

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        db = self._db()
        (hits,) = db.execute(
            "INSERT INTO counters (key, hits, expires) VALUES (:key, :amount, :expires) "
            "ON CONFLICT (key) DO UPDATE SET "
            "hits = CASE WHEN expires <= :now THEN :amount ELSE hits + :amount END, "
            "expires = CASE WHEN expires <= :now THEN :expires ELSE expires END "
            "RETURNING hits",
            {"key": key, "amount": amount, "expires": now + expiry, "now": now},
        ).fetchone()
        self._increments += 1
        if self._increments % self._SWEEP_EVERY == 0:
            db.execute("DELETE FROM counters WHERE expires <= ?", (now,))
        return int(hits)

    def get(self, key: str) -> int:
        row = (
            self._db()
            .execute("SELECT hits FROM counters WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = (
            self._db()
            .execute(
                "SELECT expires FROM counters WHERE key = ? AND expires > ?", (key, time.time())
            )
            .fetchone()
        )
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self._db().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._db().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._db().execute("DELETE FROM counters WHERE key = ?", (key,))


class FailoverStorage(Storage):
    """Redis, and this process's memory while Redis can't be reached.

    A limiter that fails open turns an outage into a free-for-all; one that fails closed turns
    it into downtime. Counting in memory meanwhile keeps every limit in force (per process)
    and loses no request; Redis is tried again a few seconds later. (Flask-Limiter's own
    fallback would swap every route's limits for one global list.)

    URI: ``failover+redis://…`` (any of limits' Redis schemes after the prefix).
    """

    STORAGE_SCHEME = ["failover+redis", "failover+rediss"]
    RETRY_AFTER = 5.0  # seconds before Redis is tried again

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        real = (uri or "").removeprefix("failover+")
        self.primary = storage_from_string(
            real, socket_timeout=0.5, socket_connect_timeout=0.5, **options
        )
        self.memory = MemoryStorage()
        self._down_until = 0.0

    @property
    def base_exceptions(self) -> type[Exception]:
        return Exception

    def _call(self, method: str, *args: Any) -> Any:
        if time.monotonic() >= self._down_until:
            try:
                return getattr(self.primary, method)(*args)
            except Exception as error:  # any client error means "not reachable now"
                if not self._down_until:
                    log.warning("rate-limit storage unreachable, counting in memory: %s", error)
                self._down_until = time.monotonic() + self.RETRY_AFTER
                return getattr(self.memory, method)(*args)
        return getattr(self.memory, method)(*args)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._call("incr", key, expiry, amount)

    def get(self, key: str) -> int:
        return self._call("get", key)

    def get_expiry(self, key: str) -> float:
        return self._call("get_expiry", key)

    def check(self) -> bool:
        return bool(self.primary.check())

    def reset(self) -> int | None:
        self.memory.reset()
        return self._call("reset")

    def clear(self, key: str) -> None:
        self.memory.clear(key)
        self._call("clear", key)


class ReadBudget:
    """The public API's read limit (GET slots, the link page's data), counted in batches.

    Reads are most of the traffic and send no email, so they needn't pay a storage round
    trip each: a process adds its reads to the shared counter ``batch`` at a time (the first
    read of a client in a window at once) and, between two flushes, counts against the last
    total it learnt plus its own. The limit then holds across processes and machines up to
    ``batch - 1`` unflushed reads per process; writes (bookings, requests, logins) are
    counted one by one, exactly (Flask-Limiter).

    Fixed windows like Flask-Limiter's; the counter lives in its storage, under its prefix.
    """

    def __init__(self) -> None:
        #: key → (total learnt, reads not yet added, when learnt, when its window ends)
        self._known: dict[str, tuple[int, int, float, float]] = {}

    def hit(self, storage: Storage, rule: str, key: str) -> int | None:
        """Count one read; None if allowed, else the seconds until the window ends.

        A window starts at a client's first read (the storage's expiry), as Flask-Limiter's
        do, so no clock boundary resets a count halfway through a burst.
        """
        limit = parse(rule)
        period = limit.get_expiry()
        now = time.time()
        total, pending, learnt, ends = self._known.get(key, (-1, 0, now, now))
        if total >= 0 and now >= learnt + period:  # what we learnt is a window old
            total, pending = -1, 0
        if total >= 0 and total + pending >= limit.amount:
            return max(1, int(ends - now))
        pending += 1
        if total < 0 or pending >= max(1, limit.amount // 20):
            counter = f"rendezvous/read/{key}"
            total, pending, learnt = storage.incr(counter, period, pending), 0, now
            ends = now + period
            if total > limit.amount:
                ends = storage.get_expiry(counter)
                self._known[key] = (total, 0, learnt, ends)
                return max(1, int(ends - now))
        if len(self._known) > 50_000:  # clients of past windows: forget them all
            self._known.clear()
        self._known[key] = (total, pending, learnt, ends)
        return None


_reads = ReadBudget()


def _is_public_read() -> bool:
    return request.method in ("GET", "HEAD", "OPTIONS") and request.blueprint == "public"


def check_public_read() -> None:
    """``before_request`` of the public API: a read over ``RENDEZVOUS_PUBLIC_RATE_LIMIT``
    from this client address is a 429 (writes go through Flask-Limiter's limits).

    :raise TooManyRequests: with ``retry_after``, the seconds until the window ends.
    """
    if not (_is_public_read() and limiter.enabled):
        return
    rule = current_app.config["RENDEZVOUS_PUBLIC_RATE_LIMIT"]
    try:
        wait = _reads.hit(limiter.storage, rule, get_remote_address())
    except Exception:  # the counter file can't be written: log it, let the read through
        log.exception("the read limit could not be counted")
        return
    if wait is not None:
        raise TooManyRequests("Too many requests; try again in a minute.", retry_after=wait)


def retry_after_seconds(error: Exception | None = None) -> int:
    """Seconds until the breached window ends (at least 1), for a 429's ``Retry-After``.

    Read only when refusing: the ``X-RateLimit-*`` headers on every answer would cost two
    more storage round trips per request, which is most of the limiter's price.
    """
    told = getattr(error, "retry_after", None)
    if isinstance(told, int):
        return told
    current = limiter.current_limit
    if current is None:
        return 60
    try:
        return max(1, int(current.reset_at - time.time()))
    except Exception:  # storage gone between the hit and now: a safe guess
        return 60


def refusal_message(error: Exception, default: str) -> str:
    """What a 429 tells the person: the limit's own words (which budget ran out), else
    ``default``; never the rule's syntax ("20 per 1 minute")."""
    limit = getattr(error, "limit", None)
    message = getattr(limit, "error_message", None)
    if callable(message):
        message = message()
    return message if isinstance(message, str) and message else default


def _body_value(name: str) -> str:
    """A field of the JSON body or the form, as a limit key; empty when absent or unreadable.

    Read leniently: a body the view will refuse (not JSON, too deep, wrong types) must not
    fail here first, and it still counts against the caller's address.
    """
    value: Any = None
    if request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:
            body = None
        if isinstance(body, dict):
            value = body.get(name)
    else:
        value = request.form.get(name)
    return value.strip().casefold() if isinstance(value, str) else ""


def _email_key() -> str:
    return _body_value("email")


def _no_email() -> bool:
    return not _email_key()


def _slug_key() -> str:
    return str((request.view_args or {}).get("slug", ""))


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


#: per address tried, API and dashboard together: many client addresses guessing one
#: account's password share one budget
login_account_limit = limiter.shared_limit(
    _setting("RENDEZVOUS_LOGIN_ACCOUNT_RATE_LIMIT"),
    scope="login-account",
    key_func=_email_key,
    exempt_when=_no_email,
    methods=["POST"],
    error_message="Too many sign-in attempts for this account; try again in a few minutes.",
)

#: account emails (sign-up links, password resets) per address, the two forms together
account_email_limit = limiter.shared_limit(
    _setting("RENDEZVOUS_ACCOUNT_EMAIL_RATE_LIMIT"),
    scope="account-email",
    key_func=_email_key,
    exempt_when=_no_email,
    methods=["POST"],
    error_message="We emailed this address a short while ago; check its inbox, or try again "
    "in an hour.",
)

_visitor_email_cap = limiter.shared_limit(
    _setting("RENDEZVOUS_VISITOR_EMAIL_RATE_LIMIT"),
    scope="visitor-email",
    key_func=_email_key,
    exempt_when=_no_email,
    error_message="Too many meetings booked or requested for this email address; try again later.",
)
_link_cap = limiter.shared_limit(
    _setting("RENDEZVOUS_LINK_BOOKING_RATE_LIMIT"),
    scope="link-bookings",
    key_func=_slug_key,
    error_message="This link has taken many bookings in a short time; try again later.",
)


def booking_caps(view: Callable[..., Any]) -> Callable[..., Any]:
    """The caps of everything that emails a typed-in address: bookings and meeting requests
    share one budget per visitor address (across all links) and one per link."""
    return _visitor_email_cap(_link_cap(view))


def _storage_url(app: Flask) -> str:
    url = app.config["RENDEZVOUS_RATELIMIT_STORAGE_URL"]
    if url:
        return url
    path = os.path.join(app.instance_path, "ratelimits.sqlite3")
    return f"sqlite:///{os.path.abspath(path)}"


def init_app(app: Flask) -> None:
    url = _storage_url(app)
    shared = url.split(":", 1)[0] in {"redis", "rediss"}
    if (
        app.config["RENDEZVOUS_RATELIMIT_ENABLED"]
        and not shared
        and app.config["RENDEZVOUS_DATABASE_URL"].startswith("postgresql")
    ):
        log.warning(
            "PostgreSQL without RENDEZVOUS_RATELIMIT_STORAGE_URL=redis://…: rate limits are "
            "counted per machine (%s), so several app servers each allow the full limit",
            url,
        )
    app.config.update(
        RATELIMIT_ENABLED=app.config["RENDEZVOUS_RATELIMIT_ENABLED"],
        RATELIMIT_STORAGE_URI=f"failover+{url}" if shared else url,
        RATELIMIT_HEADERS_ENABLED=False,  # Retry-After only, on a 429 (retry_after_seconds)
        RATELIMIT_KEY_PREFIX="rendezvous",
        # a counter file that can't be written (disk full): log it and let the request on
        RATELIMIT_SWALLOW_ERRORS=True,
    )
    limiter.init_app(app)
    _reads._known.clear()  # a new app (tests) starts counting afresh
