"""Microsoft 365 (Microsoft Graph v1.0) as a calendar provider (SPEC §5, C1–C4).

- Discovery: ``/me/calendars``; ``isDefaultCalendar`` is the default, ``canEdit`` says
  writable; calendars whose owner is not the account (shared with it) start switched off.
- Sync: ``calendarView/delta`` over the cache's span, then the stored ``@odata.deltaLink``
  only; removals arrive as ``@removed``; a 410 means a full round again. Each event travels
  as its JSON resource and is read by :func:`busy_event`.
- The commit-time check: ``calendarView`` over the padded meeting, read by the same rules.
- Write-back: ``POST /me/calendars/{id}/events`` with a ``transactionId`` made from the
  booking's UID (a retry returns the event already made, never a copy), ``PATCH`` on a
  reschedule, ``DELETE`` on a cancel. Graph mails the attendees itself, so for a Microsoft
  host our own email is a confirmation without an invitation file (SPEC §10): the visitor
  gets one invitation.

Times are asked in UTC (``Prefer: outlook.timezone="UTC"``). An all-day event is answered as
midnight to midnight of whatever zone was asked, so its days are read from the dates and
placed in the event's own zone (``originalStartTimeZone``), else the host's (SPEC §10).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from server.calendars.expand import BusyEvent, BusyOptions
from server.calendars.oauth import OAuthApp
from server.calendars.providers import Changes, EventData, RemoteCalendar, Resource, SyncExpired
from server.calendars.rest import Gone, RestClient, TokenSource

__all__ = [
    "MicrosoftProvider",
    "busy_event",
    "meeting_of",
    "transaction_id",
]

_PREFER = {"Prefer": 'outlook.timezone="UTC", odata.maxpagesize=200'}
#: showAs values that leave the host free
_FREE = {"free", "workingElsewhere"}


def transaction_id(uid: str) -> str:
    """Graph's idempotency key for the booking's event: the booking's UID itself, so the
    event is recognised as ours when it syncs back (:func:`busy_event` reads it as the UID)."""
    return uid


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    for candidate in (name, WINDOWS_TO_OLSON.get(name)):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return None


def _utc(edge: dict[str, Any]) -> datetime:
    """A dateTimeTimeZone asked in UTC ("2027-03-15T14:00:00.0000000")."""
    text = str(edge["dateTime"])[:26]
    moment = datetime.fromisoformat(text)
    zone = _zone(edge.get("timeZone")) or UTC
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC)


def _day(edge: dict[str, Any]) -> date:
    return date.fromisoformat(str(edge["dateTime"])[:10])


def busy_event(event: dict[str, Any], options: BusyOptions) -> BusyEvent | None:
    """What a Graph event means for the host (C3), or None when it leaves them free.

    Free: ``isCancelled``, ``showAs`` free or workingElsewhere, and events the host
    declined (``responseStatus``). Tentative (``showAs: tentative`` or the host's
    "tentatively accepted") is busy unless the calendar says otherwise.
    """
    if event.get("@removed") or event.get("isCancelled"):
        return None
    show_as = event.get("showAs") or "busy"
    if show_as in _FREE:
        return None
    answer = (event.get("responseStatus") or {}).get("response")
    if answer == "declined":
        return None
    tentative = show_as == "tentative" or answer == "tentativelyAccepted"
    if tentative and not options.tentative_busy:
        return None
    if event.get("isAllDay") and options.ignore_all_day:
        return None
    return meeting_of(event, options)


def meeting_of(event: dict[str, Any], options: BusyOptions) -> BusyEvent | None:
    """The event's times and participants, busy or free (C5); None once it is cancelled."""
    if event.get("@removed") or event.get("isCancelled"):
        return None
    if "start" not in event or "end" not in event:
        return None
    all_day = bool(event.get("isAllDay"))
    if all_day:
        zone = (
            _zone(event.get("originalStartTimeZone"))
            or _zone(options.calendar_zone)
            or _zone(options.host_zone)
            or UTC
        )
        start = datetime.combine(_day(event["start"]), time(0), zone).astimezone(UTC)
        end = datetime.combine(_day(event["end"]), time(0), zone).astimezone(UTC)
    else:
        start, end = _utc(event["start"]), _utc(event["end"])
    if end <= start:
        return None
    people = [(a.get("emailAddress") or {}).get("address") for a in event.get("attendees") or ()]
    people.append(((event.get("organizer") or {}).get("emailAddress") or {}).get("address"))
    return BusyEvent(
        start=start,
        end=end,
        # Graph makes its own iCalUId; the events we wrote carry the booking's UID here
        uid=str(event.get("transactionId") or event.get("iCalUId") or ""),
        summary=str(event.get("subject") or ""),
        all_day=all_day,
        participants=frozenset(p.lower() for p in people if p),
    )


class MicrosoftProvider:
    """One host's Microsoft 365 account, through ``token`` (a :class:`~.oauth.TokenKeeper`)."""

    def __init__(self, app: OAuthApp, token: TokenSource, *, timeout: float = 10.0) -> None:
        self._api = RestClient(app.api_base, token, timeout=timeout)
        self._me: dict[str, Any] | None = None

    def close(self) -> None:
        self._api.close()

    def __enter__(self) -> MicrosoftProvider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- discovery ------------------------------------------------------------------------

    def account_email(self) -> str:
        if self._me is None:
            self._me = self._api.request("GET", "/me") or {}
        return str(self._me.get("mail") or self._me.get("userPrincipalName") or "").lower()

    def discover(self) -> list[RemoteCalendar]:
        own = self.account_email()
        found = []
        for entry in self._items("/me/calendars", {}):
            owner = ((entry.get("owner") or {}).get("address") or "").lower()
            found.append(
                RemoteCalendar(
                    remote_id=str(entry["id"]),
                    name=str(entry.get("name") or "Calendar"),
                    time_zone=None,
                    writable=bool(entry.get("canEdit")),
                    default=bool(entry.get("isDefaultCalendar")),
                    owned=not owner or owner == own,
                )
            )
        return found

    # -- sync -----------------------------------------------------------------------------

    def changes(
        self, remote_id: str, sync_token: str | None, start: datetime, end: datetime
    ) -> Changes:
        """``sync_token`` is the ``@odata.deltaLink`` of the last round."""
        if sync_token:
            try:
                return self._round(sync_token, None, full=False)
            except SyncExpired:
                pass  # 410: a full round again
        path = f"/me/calendars/{quote(remote_id, safe='')}/calendarView/delta"
        window = {"startDateTime": _iso(start), "endDateTime": _iso(end)}
        return self._round(path, window, full=True)

    def _round(self, path: str, params: dict[str, str] | None, *, full: bool) -> Changes:
        changed: list[Resource] = []
        removed: list[str] = []
        delta = None
        for page in self._pages(path, params):
            for event in page.get("value") or ():
                if "@removed" in event:
                    removed.append(str(event["id"]))
                    continue
                changed.append(
                    Resource(
                        href=str(event["id"]),
                        etag=event.get("changeKey"),
                        data=json.dumps(event).encode(),
                        format="graph",
                    )
                )
            delta = page.get("@odata.deltaLink") or delta
        return Changes(full=full, changed=changed, removed=removed, sync_token=delta)

    # -- the commit-time check -----------------------------------------------------------

    def busy_events(
        self,
        remote_id: str,
        start: datetime,
        end: datetime,
        options: BusyOptions,
    ) -> list[BusyEvent]:
        """``calendarView`` over ``[start, end)``, read by the C3 rules."""
        path = f"/me/calendars/{quote(remote_id, safe='')}/calendarView"
        window = {"startDateTime": _iso(start), "endDateTime": _iso(end)}
        found = []
        for event in self._items(path, window):
            busy = busy_event(event, options)
            if busy is not None and busy.start < end and busy.end > start:
                found.append(busy)
        return found

    # -- write-back -------------------------------------------------------------------------

    def put_event(
        self, remote_id: str, event: EventData, href: str | None
    ) -> tuple[str, str | None]:
        """Create or move the booking's event: (Graph's event id, its ``webLink``)."""
        body = self._body(event)
        if href:
            try:
                written = self._api.request(
                    "PATCH", f"/me/events/{quote(href, safe='')}", json=body, headers=_PREFER
                )
                return str(written["id"]), written.get("webLink")
            except Gone:
                pass  # deleted in Outlook meanwhile: write it again
        body["transactionId"] = transaction_id(event.uid)
        written = self._api.request(
            "POST",
            f"/me/calendars/{quote(remote_id, safe='')}/events",
            json=body,
            headers=_PREFER,
        )
        return str(written["id"]), written.get("webLink")

    def delete_event(self, remote_id: str, uid: str, href: str | None) -> bool:
        """Delete the booking's event by its id (known from the put that made it)."""
        if not href:
            return False
        try:
            self._api.request("DELETE", f"/me/events/{quote(href, safe='')}")
        except Gone:
            return False
        return True

    @staticmethod
    def _body(event: EventData) -> dict[str, Any]:
        return {
            "subject": event.summary,
            "body": {"contentType": "text", "content": event.description},
            "start": {"dateTime": _iso(event.start), "timeZone": "UTC"},
            "end": {"dateTime": _iso(event.end), "timeZone": "UTC"},
            "location": {"displayName": event.location},
            "attendees": [
                {"emailAddress": {"address": email, "name": name}, "type": "required"}
                for name, email in event.attendees
            ],
            "isReminderOn": True,
        }

    # -- paging -------------------------------------------------------------------------------

    def _pages(self, path: str, params: dict[str, str] | None) -> Iterator[dict[str, Any]]:
        url: str | None = path
        while url:
            page = self._api.request("GET", url, params=params, headers=_PREFER) or {}
            yield page
            url, params = page.get("@odata.nextLink"), None  # the link carries its query

    def _items(self, path: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        for page in self._pages(path, params):
            yield from page.get("value") or ()


def _iso(value: datetime) -> str:
    """UTC without an offset, as Graph's dateTime values and window parameters are written."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
