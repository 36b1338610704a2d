"""What every calendar provider does for the sync, the commit-time check and write-back.

CalDAV, ICS feeds, Google Calendar and Microsoft 365: each implements
:class:`CalendarProvider`, and the rest of the feature (the busy cache, the worker, the
dashboard) never knows which one it talks to. Events travel as the provider stores them:
iCalendar data (CalDAV, ICS), expanded locally by :mod:`server.calendars.expand`, or one
event resource of a JSON API (Google, Graph), read by that provider's own C3 rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

__all__ = [
    "OWN_UID",
    "AuthFailed",
    "CalendarProvider",
    "Changes",
    "EventData",
    "SyncExpired",
    "ProviderError",
    "ProviderUnavailable",
    "RemoteCalendar",
    "Resource",
]


#: our own bookings' events (``notifications.ics.booking_uid``): busy already as bookings,
#: logged already on the contact's timeline
OWN_UID = re.compile(r"^booking-\d+@")


class ProviderError(Exception):
    """A provider call failed; ``str(exc)`` is a sentence for the host. Raised as such it is
    permanent (the server refused the request itself): retrying won't help."""


class AuthFailed(ProviderError):
    """The server refused the credentials (401/403): the connection becomes
    ``disconnected`` (C6)."""


class SyncExpired(ProviderError):
    """The provider no longer knows the sync token (Google and Graph answer 410): the next
    listing must be a full one."""


class ProviderUnavailable(ProviderError):
    """Transient: a timeout, a connection failure, 408, 429 or 5xx; retried with backoff.

    ``retry_after`` is the number of seconds the server asked us to wait, when it said.
    """

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class RemoteCalendar:
    """A calendar the host's credentials reach (C2: only those can be added)."""

    remote_id: str
    name: str
    time_zone: str | None
    writable: bool
    #: the provider's own default calendar (Google ``primary``, Graph ``isDefaultCalendar``)
    default: bool = False
    #: the host's own calendar, not one subscribed to or shared with them: only those start
    #: checking conflicts (SPEC §10)
    owned: bool = True


@dataclass(frozen=True, slots=True)
class Resource:
    """One stored object of a calendar: a CalDAV ``.ics`` resource, the whole ICS feed, or
    one event of a JSON API (``format``: ``"ical"``, ``"google"``, ``"graph"``)."""

    href: str
    etag: str | None
    data: bytes
    format: str = "ical"


@dataclass(frozen=True, slots=True)
class Changes:
    """What changed in a calendar since ``sync_token`` (everything when ``full``)."""

    full: bool
    #: new or changed resources (every resource of the window when ``full``)
    changed: Sequence[Resource] = ()
    #: hrefs of resources gone since the last sync
    removed: Sequence[str] = ()
    #: what to send next time (a CalDAV sync token or ctag, a feed's ETag)
    sync_token: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EventData:
    """The booking's event as every provider writes it: the iCalendar object (CalDAV) and
    the same facts for a JSON API (Google, Graph)."""

    uid: str
    sequence: int
    summary: str
    description: str
    location: str
    start: datetime
    end: datetime
    #: the visitor (and other guests): (name, email)
    attendees: tuple[tuple[str, str], ...]
    booking_id: int
    ics: bytes


class CalendarProvider(Protocol):
    def discover(self) -> list[RemoteCalendar]:
        """The calendars these credentials own. :raise AuthFailed: credentials refused."""
        ...

    def changes(
        self, remote_id: str, sync_token: str | None, start: datetime, end: datetime
    ) -> Changes:
        """Resources changed since ``sync_token``; a full listing of ``[start, end)`` when
        the token is ``None`` or has expired."""
        ...
