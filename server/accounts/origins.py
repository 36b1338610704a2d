"""The one rule for allowed embed origins (P5), shared by the API, the dashboard and the check.

A browser's ``Origin`` header is ``scheme://host[:port]``, lower-case, without the scheme's
default port. What a host types is brought to that form, or refused with a message saying
why, so that what is stored can be compared with the header as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

__all__ = ["MAX_ORIGINS", "InvalidOrigin", "normalise_origin", "normalise_origins", "origin_of"]

MAX_ORIGINS = 50
MAX_LENGTH = 300
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
)


class InvalidOrigin(ValueError):
    """Not an origin; the message is meant for the person who typed it."""


def _example(text: str) -> str:
    return f"{text.strip()[:80]!r} is not an origin such as https://www.example.com"


def normalise_origin(text: str) -> str:
    """``" HTTPS://WWW.Example.com:443/ "`` → ``"https://www.example.com"``.

    :raise InvalidOrigin: a path, query, fragment, user name or password, a scheme other than
        http(s), a missing host or a bad port: such a value never matches any ``Origin``.
    """
    value = text.strip()
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise InvalidOrigin(f"{_example(text)}: {exc}.") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or value[len(scheme) : len(scheme) + 3] != "://":
        raise InvalidOrigin(f"{_example(text)}: it must start with https:// or http://.")
    if parts.username is not None or parts.password is not None:
        raise InvalidOrigin(f"{_example(text)}: leave out the user name and password.")
    rest = value[len(parts.scheme) + 3 + len(parts.netloc) :]
    if rest not in ("", "/"):
        raise InvalidOrigin(
            f"{_example(text)}: leave out what follows the host name ({rest[:40]!r})."
        )
    host = parts.hostname or ""
    if not host:
        raise InvalidOrigin(f"{_example(text)}: the host name is missing.")
    if ":" in host:  # IPv6 literal: urlsplit drops its brackets
        host = f"[{host}]"
    else:
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            host = ""
        if not _HOST.match(host):
            raise InvalidOrigin(f"{_example(text)}: the host name is not valid.")
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    origin = f"{scheme}://{netloc}"
    if len(origin) > MAX_LENGTH:
        raise InvalidOrigin(f"{_example(text)}: at most {MAX_LENGTH} characters.")
    return origin


def normalise_origins(values: Iterable[str]) -> list[str]:
    """Each value normalised, duplicates and blank lines dropped, sorted.

    :raise InvalidOrigin: the first value that is not an origin, or more than ``MAX_ORIGINS``.
    """
    origins = sorted({normalise_origin(v) for v in values if v.strip()})
    if len(origins) > MAX_ORIGINS:
        raise InvalidOrigin(f"At most {MAX_ORIGINS} origins.")
    return origins


def origin_of(url: str) -> str | None:
    """The origin a stored URL-like value meant (its path and user name dropped), or None.

    For values saved before the rule above existed (``https://WWW.Example.com/landing/``):
    the host meant "pages of that site", which is the origin.
    """
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not host:
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    try:
        return normalise_origin(f"{parts.scheme}://{netloc}")
    except InvalidOrigin:
        return None
