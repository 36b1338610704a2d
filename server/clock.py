"""The one clock: aware UTC now. Services take it as a parameter so tests can pass another."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)
