"""The rate limiter, alone in its module so that any blueprint can decorate its views with it
without importing the API's plumbing (which imports those blueprints)."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

__all__ = ["limiter"]

#: counts per client address; its storage (memory, or Redis to share across processes) is
#: set from ``RENDEZVOUS_RATELIMIT_STORAGE_URL`` when :func:`server.api.init_app` runs
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
