"""The one clock: aware UTC now.

Services take it as a parameter so tests can pass another. The whole process's clock can also
be moved: ``set_now(instant)`` (or ``RENDEZVOUS_NOW=<ISO instant>`` in the environment, for
servers a test starts as processes) makes "now" that instant, and time runs on from there, so
a test suite runs on the day it chooses rather than the day it is run.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

__all__ = ["set_now", "utcnow"]

_offset = timedelta(0)


def utcnow() -> datetime:
    return datetime.now(UTC) + _offset


def set_now(instant: datetime | None) -> None:
    """Move the clock so that it reads ``instant`` now (None: back to the real time)."""
    global _offset
    if instant is None:
        _offset = timedelta(0)
        return
    if instant.tzinfo is None:
        raise ValueError("set_now needs an aware datetime")
    _offset = instant - datetime.now(UTC)


if os.environ.get("RENDEZVOUS_NOW"):
    set_now(datetime.fromisoformat(os.environ["RENDEZVOUS_NOW"]))
