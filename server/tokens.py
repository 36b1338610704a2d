"""Secret tokens handed out once (API tokens, manage links, invitations), kept only as hashes.

A token is random and long, so a plain SHA-256 is enough to store it: nobody can guess the
token from the hash, and a lookup by hash is one indexed query (no salt to try per row).
"""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["new_token", "token_hash"]


def new_token(prefix: str = "") -> str:
    """256 random bits, URL-safe; ``prefix`` makes a token's kind visible (``rdv_`` for API)."""
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps instead of the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()
