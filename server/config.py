"""Settings from the environment (SPEC §10 "Configuration"); ``test_config`` overrides by name."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

__all__ = ["InvalidSetting", "load_settings"]

log = logging.getLogger(__name__)

_DEFAULTS: dict[str, Any] = {
    "RENDEZVOUS_DATABASE_URL": None,  # SQLite under instance/ when unset
    "RENDEZVOUS_SECRET_KEY": None,
    "RENDEZVOUS_BASE_URL": "http://127.0.0.1:5000",
    "RENDEZVOUS_SMTP_URL": None,
    "RENDEZVOUS_MAIL_DIR": None,
    "RENDEZVOUS_MAIL_FROM": None,  # the From address; no-reply@<host of BASE_URL> when unset
    "RENDEZVOUS_RATELIMIT_ENABLED": True,
    # where counters live (server.limiter): redis://… to share them between machines; a
    # SQLite file in the instance folder, shared by this machine's processes, when unset
    "RENDEZVOUS_RATELIMIT_STORAGE_URL": None,
    # how many proxies in front of the app append to X-Forwarded-For (0: none, the socket's
    # address is the client's)
    "RENDEZVOUS_PROXY_COUNT": "0",
    # per client address
    "RENDEZVOUS_PUBLIC_RATE_LIMIT": "120 per minute",
    "RENDEZVOUS_BOOKING_RATE_LIMIT": "20 per minute",
    "RENDEZVOUS_LOGIN_RATE_LIMIT": "10 per minute",
    # per account tried (API and dashboard together), per address sent a sign-up link or a
    # reset, per visitor address booked or requested (all links together) and per link
    "RENDEZVOUS_LOGIN_ACCOUNT_RATE_LIMIT": "10 per 10 minutes",
    "RENDEZVOUS_ACCOUNT_EMAIL_RATE_LIMIT": "3 per hour",
    "RENDEZVOUS_VISITOR_EMAIL_RATE_LIMIT": "10 per hour;30 per day",
    "RENDEZVOUS_LINK_BOOKING_RATE_LIMIT": "100 per hour",
    # Fernet keys, comma-separated: the first encrypts, all decrypt (server.crypto);
    # derived from RENDEZVOUS_SECRET_KEY when unset
    "RENDEZVOUS_ENCRYPTION_KEYS": None,
    # calendars (SPEC §5): private addresses only for tests and LAN servers; how long a
    # failing calendar's cache still counts before the calendar is disconnected
    "RENDEZVOUS_CALENDAR_ALLOW_PRIVATE_HOSTS": False,
    "RENDEZVOUS_CALENDAR_STALE_AFTER_MINUTES": "30",
    # custom domains (P4): the DNS servers asked, comma-separated host[:port]; the system's
    # when unset
    "RENDEZVOUS_DNS_NAMESERVERS": None,
    # how long a request waits for a database lock, and for a PostgreSQL statement, before
    # it answers 503 (server.db)
    "RENDEZVOUS_DB_LOCK_TIMEOUT_MS": None,
    "RENDEZVOUS_DB_STATEMENT_TIMEOUT_MS": None,
    # Google Calendar and Microsoft 365 (SPEC §5): a provider without a client id is not
    # offered; the base URLs are the real services' unless an operator points them elsewhere
    "RENDEZVOUS_GOOGLE_CLIENT_ID": None,
    "RENDEZVOUS_GOOGLE_CLIENT_SECRET": None,
    "RENDEZVOUS_GOOGLE_AUTH_URL": "https://accounts.google.com/o/oauth2/v2/auth",
    "RENDEZVOUS_GOOGLE_TOKEN_URL": "https://oauth2.googleapis.com/token",
    "RENDEZVOUS_GOOGLE_API_BASE": "https://www.googleapis.com/calendar/v3",
    "RENDEZVOUS_MICROSOFT_CLIENT_ID": None,
    "RENDEZVOUS_MICROSOFT_CLIENT_SECRET": None,
    "RENDEZVOUS_MICROSOFT_AUTHORITY": "https://login.microsoftonline.com/common/oauth2/v2.0",
    "RENDEZVOUS_GRAPH_BASE": "https://graph.microsoft.com/v1.0",
}

_BOOLEAN = {"RENDEZVOUS_RATELIMIT_ENABLED", "RENDEZVOUS_CALENDAR_ALLOW_PRIVATE_HOSTS"}


class InvalidSetting(ValueError):
    """A setting the app can't start with; the message names it (and never echoes a secret)."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name


def _parse(name: str, raw: str) -> Any:
    if name in _BOOLEAN:
        return raw.strip().lower() not in {"0", "false", "no", "off", ""}
    return raw


def load_settings(instance_path: str, test_config: Mapping[str, Any] | None) -> dict[str, Any]:
    """Resolve every setting once, so the rest of the app reads ``app.config`` only."""
    settings = dict(_DEFAULTS)
    for name in _DEFAULTS:
        if name in os.environ:
            settings[name] = _parse(name, os.environ[name])
    if test_config:
        settings.update(test_config)

    instance = Path(instance_path)
    if not settings["RENDEZVOUS_DATABASE_URL"]:
        settings["RENDEZVOUS_DATABASE_URL"] = f"sqlite:///{instance / 'rendezvous.sqlite3'}"
    if not settings["RENDEZVOUS_MAIL_DIR"]:
        settings["RENDEZVOUS_MAIL_DIR"] = str(instance / "mail")
    if not settings["RENDEZVOUS_SECRET_KEY"]:
        settings["RENDEZVOUS_SECRET_KEY"] = _instance_secret(instance)
    settings["RENDEZVOUS_BASE_URL"] = settings["RENDEZVOUS_BASE_URL"].rstrip("/")
    settings["RENDEZVOUS_PROXY_COUNT"] = _proxy_count(settings["RENDEZVOUS_PROXY_COUNT"])
    settings["RENDEZVOUS_ENCRYPTION_KEYS"] = _encryption_keys(
        settings["RENDEZVOUS_ENCRYPTION_KEYS"]
    )
    return settings


def _proxy_count(raw: str | int) -> int:
    """:raise InvalidSetting: not a whole number from 0 to 10 (a typo must not trust headers)."""
    try:
        count = int(raw)
    except (TypeError, ValueError):
        count = -1
    if not 0 <= count <= 10:
        raise InvalidSetting("RENDEZVOUS_PROXY_COUNT", "a whole number of proxies from 0 to 10")
    return count


def _encryption_keys(raw: str | Sequence[str | bytes] | None) -> tuple[str, ...]:
    """The keys as a tuple, each checked now: a bad key stops the start, not a request later.

    Empty (unset) is allowed, with a warning: secrets are then encrypted with a key derived
    from the secret key, and a new secret key makes them unreadable.

    :raise InvalidSetting: a key that is not a Fernet key.
    """
    name = "RENDEZVOUS_ENCRYPTION_KEYS"
    parts = raw.split(",") if isinstance(raw, str) else list(raw or ())
    texts = (key.decode("ascii", "replace") if isinstance(key, bytes) else key for key in parts)
    keys = tuple(key.strip() for key in texts if key and key.strip())
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise InvalidSetting(
                name,
                f"key {position} of {len(keys)} is not a Fernet key (32 url-safe base64-encoded "
                "bytes); make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'",
            ) from None
    if not keys:
        log.warning(
            "%s is not set: secrets at rest (calendar passwords, feed URLs) are encrypted with "
            "a key derived from RENDEZVOUS_SECRET_KEY, and become unreadable if it changes; "
            "set %s to a Fernet key.",
            name,
            name,
        )
    return keys


def _instance_secret(instance: Path) -> str:
    """A secret kept in the instance folder: it survives restarts and every worker agrees."""
    path = instance / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        instance.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        try:
            with open(path, "x") as handle:
                handle.write(key)
        except FileExistsError:  # another worker won the race: use its key
            return path.read_text().strip()
        return key
