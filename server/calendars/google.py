"""Google Calendar (API v3) as a calendar provider (SPEC §5, C1–C4).

- Discovery: ``calendarList``; ``primary`` is the default, writable when ``accessRole`` is
  writer or owner; only owned calendars start checking conflicts.
- Sync: ``events.list`` with ``singleEvents=true`` over the cache's span, then the
  ``nextSyncToken`` only; deletions arrive as ``status: cancelled``; a 410 means a full
  listing again. Each event travels as its JSON resource and is read by :func:`busy_event`.
- The commit-time check: ``freeBusy`` over the padded meeting.
- Write-back: ``events.insert`` with the booking's ``iCalUID``, a private extended property
  naming the booking and ``sendUpdates=none`` (our own email is the visitor's invitation);
  ``patch`` on a reschedule, ``delete`` on a cancel. A retry after a lost answer finds the
  event by its ``iCalUID`` (Google answers 409 to a second insert), so there is never a
  second copy.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from server.calendars.expand import BusyEvent, BusyOptions
from server.calendars.oauth import OAuthApp
from server.calendars.providers import (
    Changes,
    EventData,
    ProviderError,
    RemoteCalendar,
    Resource,
    SyncExpired,
)
from server.calendars.rest import Conflict, Gone, RestClient, TokenSource

__all__ = ["GoogleProvider", "busy_event", "meeting_of"]

#: the private extended property naming the booking an event was written for
BOOKING_PROPERTY = "rendezvousBooking"
_PAGE = 2500
_WRITABLE = {"writer", "owner"}


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _zone(name: str | None, fallback: str) -> ZoneInfo:
    for candidate in (name, fallback):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def _instant(edge: dict[str, Any], day_zone: ZoneInfo) -> tuple[datetime, bool]:
    """An event's start or end in UTC, and whether it is a date (all day)."""
    if "dateTime" in edge:
        moment = datetime.fromisoformat(edge["dateTime"].replace("Z", "+00:00"))
        if moment.tzinfo is None:  # Google always sends an offset; be safe
            moment = moment.replace(tzinfo=_zone(edge.get("timeZone"), day_zone.key))
        return moment.astimezone(UTC), False
    day = date.fromisoformat(edge["date"])
    return datetime.combine(day, time(0), day_zone).astimezone(UTC), True


def busy_event(event: dict[str, Any], options: BusyOptions) -> BusyEvent | None:
    """What a Google event means for the host (C3), or None when it leaves them free.

    Free: ``status: cancelled``, ``transparency: transparent``, ``eventType:
    workingLocation``, and events the host declined (their own attendee entry: ``self``, or
    one of their addresses). Tentative (``status: tentative`` or the host's "maybe") is
    busy unless the calendar says otherwise. All-day events fill their days in the
    calendar's zone.
    """
    if event.get("status") == "cancelled" or event.get("transparency") == "transparent":
        return None
    if event.get("eventType") == "workingLocation":
        return None
    tentative = event.get("status") == "tentative"
    for attendee in event.get("attendees") or ():
        own = attendee.get("self") or (attendee.get("email") or "").lower() in (
            options.own_addresses
        )
        if own:
            answer = attendee.get("responseStatus")
            if answer == "declined":
                return None
            tentative = tentative or answer == "tentative"
    if tentative and not options.tentative_busy:
        return None
    found = meeting_of(event, options)
    if found is None or (found.all_day and options.ignore_all_day):
        return None
    return found


def meeting_of(event: dict[str, Any], options: BusyOptions) -> BusyEvent | None:
    """The event's times and participants, busy or free (C5); None once it is cancelled."""
    if event.get("status") == "cancelled" or "start" not in event or "end" not in event:
        return None
    day_zone = _zone(options.calendar_zone, options.host_zone)
    start, all_day = _instant(event["start"], day_zone)
    end, _ = _instant(event["end"], day_zone)
    if end <= start:
        return None
    people = [a.get("email") for a in event.get("attendees") or ()]
    people.append((event.get("organizer") or {}).get("email"))
    return BusyEvent(
        start=start,
        end=end,
        uid=str(event.get("iCalUID") or ""),
        summary=str(event.get("summary") or ""),
        all_day=all_day,
        participants=frozenset(p.lower() for p in people if p),
    )


class GoogleProvider:
    """One host's Google account, through ``token`` (a :class:`~.oauth.TokenKeeper`)."""

    def __init__(self, app: OAuthApp, token: TokenSource, *, timeout: float = 10.0) -> None:
        self._api = RestClient(app.api_base, token, timeout=timeout)

    def close(self) -> None:
        self._api.close()

    def __enter__(self) -> GoogleProvider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- discovery ------------------------------------------------------------------------

    def account_email(self) -> str:
        """The account's address: the primary calendar's id."""
        for entry in self._pages("/users/me/calendarList", {}):
            if entry.get("primary"):
                return str(entry.get("id") or "")
        return ""

    def discover(self) -> list[RemoteCalendar]:
        found = []
        for entry in self._pages("/users/me/calendarList", {}):
            role = entry.get("accessRole", "")
            found.append(
                RemoteCalendar(
                    remote_id=str(entry["id"]),
                    name=str(entry.get("summaryOverride") or entry.get("summary") or entry["id"]),
                    time_zone=entry.get("timeZone"),
                    writable=role in _WRITABLE,
                    default=bool(entry.get("primary")),
                    owned=role == "owner",
                )
            )
        return found

    # -- sync -----------------------------------------------------------------------------

    def changes(
        self, remote_id: str, sync_token: str | None, start: datetime, end: datetime
    ) -> Changes:
        path = f"/calendars/{quote(remote_id, safe='')}/events"
        if sync_token:
            try:
                return self._listing(path, {"syncToken": sync_token}, full=False)
            except SyncExpired:
                pass  # 410: the token is too old; list everything again
        window = {"timeMin": _rfc3339(start), "timeMax": _rfc3339(end)}
        return self._listing(path, window, full=True)

    def _listing(self, path: str, params: dict[str, str], *, full: bool) -> Changes:
        params = {**params, "singleEvents": "true", "maxResults": str(_PAGE)}
        changed: list[Resource] = []
        removed: list[str] = []
        token = None
        for page in self._raw_pages(path, params):
            for event in page.get("items") or ():
                if event.get("status") == "cancelled":
                    removed.append(str(event["id"]))
                else:
                    changed.append(
                        Resource(
                            href=str(event["id"]),
                            etag=event.get("etag"),
                            data=json.dumps(event).encode(),
                            format="google",
                        )
                    )
            token = page.get("nextSyncToken") or token
        return Changes(full=full, changed=changed, removed=removed, sync_token=token)

    # -- the commit-time check -----------------------------------------------------------

    def busy(
        self, remote_id: str, start: datetime, end: datetime
    ) -> list[tuple[datetime, datetime]]:
        """``freeBusy`` over ``[start, end)``: the busy spans Google reports."""
        answer = self._api.request(
            "POST",
            "/freeBusy",
            json={
                "timeMin": _rfc3339(start),
                "timeMax": _rfc3339(end),
                "items": [{"id": remote_id}],
            },
        )
        calendar = (answer.get("calendars") or {}).get(remote_id) or {}
        if calendar.get("errors"):
            reason = calendar["errors"][0].get("reason", "")
            raise ProviderError(f"Google could not read this calendar ({reason}).")
        return [
            (
                datetime.fromisoformat(span["start"].replace("Z", "+00:00")).astimezone(UTC),
                datetime.fromisoformat(span["end"].replace("Z", "+00:00")).astimezone(UTC),
            )
            for span in calendar.get("busy") or ()
        ]

    # -- write-back -------------------------------------------------------------------------

    def put_event(
        self, remote_id: str, event: EventData, href: str | None
    ) -> tuple[str, str | None]:
        """Create or move the booking's event: (Google's event id, its ``htmlLink``)."""
        path = f"/calendars/{quote(remote_id, safe='')}/events"
        body = self._body(event)
        query = {"sendUpdates": "none"}
        event_id = href or self._find(path, event.uid)
        if event_id is not None:
            try:
                written = self._api.request(
                    "PATCH", f"{path}/{quote(event_id, safe='')}", params=query, json=body
                )
                return str(written["id"]), written.get("htmlLink")
            except (Gone, SyncExpired):
                event_id = None  # deleted at Google meanwhile: write it again
        try:
            written = self._api.request("POST", path, params=query, json=body)
        except Conflict:
            found = self._find(path, event.uid)  # a lost answer: it is there already
            if found is None:
                raise
            written = self._api.request(
                "PATCH", f"{path}/{quote(found, safe='')}", params=query, json=body
            )
        return str(written["id"]), written.get("htmlLink")

    def delete_event(self, remote_id: str, uid: str, href: str | None) -> bool:
        path = f"/calendars/{quote(remote_id, safe='')}/events"
        event_id = href or self._find(path, uid)
        if event_id is None:
            return False
        try:
            self._api.request(
                "DELETE", f"{path}/{quote(event_id, safe='')}", params={"sendUpdates": "none"}
            )
        except (Gone, SyncExpired):  # 404, or 410 "deleted": gone already
            return False
        return True

    def _find(self, path: str, uid: str) -> str | None:
        answer = self._api.request("GET", path, params={"iCalUID": uid, "showDeleted": "false"})
        for item in answer.get("items") or ():
            if item.get("status") != "cancelled":
                return str(item["id"])
        return None

    @staticmethod
    def _body(event: EventData) -> dict[str, Any]:
        return {
            "iCalUID": event.uid,
            "sequence": event.sequence,
            "summary": event.summary,
            "description": event.description,
            "location": event.location,
            "start": {"dateTime": _rfc3339(event.start)},
            "end": {"dateTime": _rfc3339(event.end)},
            "attendees": [
                {"email": email, "displayName": name, "responseStatus": "accepted"}
                for name, email in event.attendees
            ],
            "extendedProperties": {"private": {BOOKING_PROPERTY: str(event.booking_id)}},
            "reminders": {"useDefault": True},
        }

    # -- paging -------------------------------------------------------------------------------

    def _raw_pages(self, path: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        page_token = None
        while True:
            query = dict(params)
            if page_token:
                query["pageToken"] = page_token
            page = self._api.request("GET", path, params=query) or {}
            yield page
            page_token = page.get("nextPageToken")
            if not page_token:
                return

    def _pages(self, path: str, params: dict[str, str]) -> Iterable[dict[str, Any]]:
        for page in self._raw_pages(path, params):
            yield from page.get("items") or ()
