"""``X-Rendezvous-Signature: t=<unix>,v1=<hex>`` (SPEC §10), Stripe-style.

``v1`` is the hex HMAC-SHA256, keyed with the webhook's secret, of ``"<t>.<body>"``: the
send time, a dot, and the body's exact bytes. ``t`` is when the request was sent (each retry
is signed afresh), so a receiver can refuse an old one (more than 5 minutes) as a replay.
:func:`verify` is what a receiver does; the tests' receiver uses it, and so may anyone's.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["TOLERANCE_SECONDS", "SignatureInvalid", "sign", "signature_header", "verify"]

#: how old a ``t`` a receiver should still accept (SPEC §10)
TOLERANCE_SECONDS = 300


class SignatureInvalid(ValueError):
    """The header is missing or malformed, the HMAC doesn't match, or ``t`` is too old."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>.<body>"`` keyed with ``secret``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify(
    header: str | None,
    secret: str,
    body: bytes,
    *,
    now: float,
    tolerance: int = TOLERANCE_SECONDS,
) -> int:
    """Check a received signature; returns its ``t``.

    Any ``v1`` that matches is enough (a sender may list several while a secret changes).

    :raise SignatureInvalid: no valid header, no matching ``v1``, or ``t`` older than
        ``tolerance`` seconds before ``now`` (or as far in the future).
    """
    parts: dict[str, list[str]] = {}
    for item in (header or "").split(","):
        key, sep, value = item.strip().partition("=")
        if sep:
            parts.setdefault(key, []).append(value)
    stamps = parts.get("t", [])
    if len(stamps) != 1 or not stamps[0].isdigit() or not parts.get("v1"):
        raise SignatureInvalid("no t=<unix>,v1=<hex> signature")
    timestamp = int(stamps[0])
    expected = sign(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, given) for given in parts["v1"]):
        raise SignatureInvalid("the signature does not match")
    if abs(now - timestamp) > tolerance:
        raise SignatureInvalid(f"t is more than {tolerance} seconds away from now")
    return timestamp
