"""What messages need from the configuration: the public base URL and the sender address.

Kept apart from Flask so rendering stays pure; :func:`current_settings` reads the running
app's config for callers (booking services, the worker) that run inside one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = ["MailSettings", "current_settings"]


@dataclass(frozen=True, slots=True)
class MailSettings:
    """``base_url`` builds every link in a message; ``sender`` is the From address."""

    base_url: str
    sender: str

    @property
    def domain(self) -> str:
        """The host name of the app, for iCalendar UIDs and Message-IDs."""
        return urlsplit(self.base_url).hostname or "localhost"

    # -- the dashboard pages a message links to (the host's side) --------------------------

    def contact_url(self, contact_id: int) -> str:
        return f"{self.base_url}/app/contacts/{contact_id}"

    def booking_url(self, booking_id: int) -> str:
        return f"{self.base_url}/app/bookings/{booking_id}"

    @property
    def calendars_url(self) -> str:
        """Where a host connects or reconnects their calendars (the request notice says why)."""
        return f"{self.base_url}/app/calendars"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        base_url = str(config.get("RENDEZVOUS_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
        settings = cls(base_url=base_url, sender="")
        sender = config.get("RENDEZVOUS_MAIL_FROM") or f"no-reply@{settings.domain}"
        return cls(base_url=base_url, sender=str(sender))


def current_settings() -> MailSettings:
    """The settings of the app in whose context we run (a request, a CLI command)."""
    from flask import current_app

    return MailSettings.from_config(current_app.config)
