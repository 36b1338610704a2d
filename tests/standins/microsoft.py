"""A stand-in for the Microsoft identity platform (OAuth 2.0, v2.0 endpoints) and the calendar
part of Microsoft Graph v1.0, served for real over HTTP, so Rendezvous' Microsoft 365 code meets
the same URLs, JSON shapes, status codes and error bodies it would meet in production.

Why it exists: there is no emulator for Entra ID or Graph and no internet in tests. The product
reaches this server only through its settings (``settings()``); nothing here imports ``server``.

What it models
==============

Identity platform, under ``/{tenant}/oauth2/v2.0`` (``common`` in ``settings()``), built on
authlib's own server classes with in-memory models:

* ``GET /authorize`` (``response_type=code``, ``client_id``, ``redirect_uri``, ``scope``,
  ``state``, ``code_challenge`` + ``code_challenge_method=S256``, ``response_mode=query``,
  ``prompt``). PKCE is required, S256 only. Redirect URIs: any ``http://127.0.0.1:*`` or
  ``http://localhost:*`` plus whatever ``register_redirect_uri()`` adds. An unknown client or
  redirect URI gets an error *page* (AADSTS700016 / AADSTS50011), never a redirect, as Entra
  does; other errors redirect with ``error``, ``error_description`` (``AADSTSnnnn: ...``) and
  ``state``. The consent page ("Sign in to your account (stand-in)") shows the signed-in email
  and the permissions asked; its ``Accept`` button redirects with ``code`` and ``state``,
  ``Cancel`` with ``error=access_denied`` (AADSTS65004).
* ``POST /token``: ``authorization_code`` (with ``code_verifier``) and ``refresh_token``; client
  authentication ``client_secret_post`` (``client_secret_basic`` too). The answer is Entra's:
  ``token_type``, ``scope`` (the granted scopes, ``offline_access`` left out as Entra does),
  ``expires_in``, ``ext_expires_in``, ``access_token``, and ``refresh_token`` when
  ``offline_access`` was granted. Codes live 10 minutes and redeem once (AADSTS54005).
* Refresh tokens ROTATE strictly: each refresh answers a new refresh token and the one used is
  dead at once (a second use is ``400 invalid_grant``, AADSTS70000). Real Entra ID keeps an old
  refresh token usable for a while; the stand-in is strict on purpose, so that two workers
  racing to refresh the same grant show up as a failure instead of passing by luck. Token
  requests are serialised, so the race has exactly one winner.
* Errors have the identity platform's shape: ``{"error", "error_description" ("AADSTSnnnn: ...
  Trace ID: ... Correlation ID: ... Timestamp: ..."), "error_codes": [nnnn], "timestamp",
  "trace_id", "correlation_id", "error_uri"}``. A revoked grant (``revoke_grants``) is
  ``invalid_grant`` AADSTS50173.
* Access tokens are opaque strings; they die after ``access_token_lifetime`` seconds of real
  time, on ``expire_access_tokens()`` or on ``revoke_grants()``.

Graph, under ``/v1.0`` (``Authorization: Bearer`` required; scopes enforced: reads need
``Calendars.Read`` or ``Calendars.ReadWrite``, writes ``Calendars.ReadWrite``, ``/me``
``User.Read``; the ``https://graph.microsoft.com/`` prefix on scopes is understood):

* ``GET /me``; ``GET /me/calendars``, ``/me/calendars/{id}``, ``/me/calendar``.
* ``GET /me/calendars/{id}/calendarView`` (also ``/me/calendarView``, ``/me/calendar/...``):
  instances overlapping ``[startDateTime, endDateTime)`` (a value without offset is UTC; the
  ``Prefer`` time zone does not change how the window is read), ordered by start, ``$select``,
  ``$top``/``Prefer: odata.maxpagesize`` (default page: 10, as Graph; ``default_page_size``
  changes it), ``@odata.nextLink`` with ``$skip``. Missing window → 400
  ``ErrorInvalidParameter``.
* ``GET .../calendarView/delta``: pages (``Prefer: odata.maxpagesize``, default 10) linked by
  ``@odata.nextLink`` (``$skiptoken``) and closed by ``@odata.deltaLink`` (``$deltatoken``).
  The window is the one of the round's first request and stays bound to the tokens (later
  ``startDateTime``/``endDateTime`` are ignored). A deltaLink answers what changed since:
  added or updated events in full, and events deleted *or moved out of the window* as
  ``{"@odata.type": "#microsoft.graph.event", "id", "@removed": {"reason": "deleted"}}``.
  An unknown or expired token is ``410`` with code ``SyncStateNotFound``: that is the code
  Outlook answers for calendarView delta (microsoftgraph/microsoft-graph-docs issue 2350, and
  Graph's error list spells it ``syncStateNotFound``; the stand-in uses Outlook's casing), with
  a ``Location`` header holding the round's initial request when the stand-in still knows it
  (Graph's "synchronization reset").
* ``POST /me/calendars/{id}/events`` (and ``/me/events``, ``/me/calendar/events``) → 201;
  ``transactionId`` makes a retry return the existing event, not a copy; a calendar with
  ``canEdit`` false → 403 ``ErrorAccessDenied``. ``GET``/``PATCH``/``DELETE /me/events/{id}``
  (and ``/me/calendars/{cid}/events/{id}``), ``POST /me/events/{id}/cancel``; unknown → 404
  ``ErrorItemNotFound``.
* Times: ``start``/``end`` are dateTimeTimeZone; ``Prefer: outlook.timezone="..."`` ("UTC", IANA
  names, a few Windows names such as "Pacific Standard Time") sets the zone of the answer,
  default UTC, and is echoed in ``Preference-Applied``; an unknown zone in the Prefer header
  falls back to UTC (no ``Preference-Applied``); an unknown zone in an event body → 400
  ``TimeZoneNotSupportedException``. All-day events must be midnight to midnight in their own
  zone (that zone decides which instants they cover in a window), and — as Graph does — they
  are always *answered* as midnight to midnight labelled with the requested zone, whatever
  that zone is (the original zone is in ``originalStartTimeZone``).
* Mail that Graph would send: ``sent_invitations`` gets ``(event id, attendee address)`` for
  each attendee on create, for every attendee again when PATCH changes ``start``/``end``/
  ``isAllDay``, and for attendees a PATCH adds; ``sent_cancellations`` likewise on DELETE or
  cancel of a meeting with attendees.
* Throttling and outages: ``fail_next(429, retry_after=...)`` etc. from the base class, answered
  with Graph's error body (``TooManyRequests``...) on Graph paths and the identity platform's
  (``temporarily_unavailable``/``server_error``) on token paths. Every request is in ``log``.

What it does NOT model
======================

* Recurrence: the stand-in stores instances only. A ``recurrence`` in a body is kept as data but
  never expanded; ``type`` is whatever was stored (``singleInstance`` by default), and there
  are no series masters, occurrences or ``/instances``.
* Other people's calendars: attendees' mailboxes, responses (accept/decline), free/busy
  (``getSchedule``), ``findMeetingTimes``, rooms, shared/delegated calendars beyond a
  ``canEdit`` flag, calendar groups, group calendars.
* id_tokens / OpenID Connect, the v1.0 endpoints, ``response_mode=form_post`` or
  ``fragment``, ``prompt`` semantics (accepted and ignored), client credentials, device code,
  incremental consent, conditional access, signed JWT access tokens (tokens are opaque).
* OData beyond ``$select``, ``$top``, ``$skip``: no ``$filter``, ``$orderby`` (always by start),
  ``$expand``, ``$search``, ``$count``, batching (``/$batch``), change notifications
  (webhooks), ETag preconditions (``If-Match``), extensions, attachments, online meetings.
* Body conversion: ``body`` is stored as sent (Graph would turn text into HTML);
  ``bodyPreview`` is the text of the body, cut at 255 characters.
* Validation of event bodies is lighter than Graph's and some 400 codes are approximations
  (``ErrorInvalidRequest`` for a missing or inverted start/end or a non-midnight all-day event).
* The delta default page size (10) is a guess; real Graph pages vary and may exceed
  ``odata.maxpagesize``. Real delta tokens also expire on their own; here only on
  ``expire_delta_tokens()``.
* Timestamps (``createdDateTime``, ``lastModifiedDateTime``) come from the machine's real clock,
  not the product's test clock.
"""

from __future__ import annotations

import base64
import copy
import html
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from authlib.common.urls import add_params_to_uri
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask, Response, request

from tests.standins.base import Injected, StandIn, bearer_token

__all__ = ["MicrosoftStandIn"]

#: the Windows time zone names the stand-in understands besides IANA names and "UTC"
WINDOWS_ZONES = {
    "utc": "UTC",
    "tzone://microsoft/utc": "UTC",
    "greenwich standard time": "Atlantic/Reykjavik",
    "gmt standard time": "Europe/London",
    "romance standard time": "Europe/Paris",
    "w. europe standard time": "Europe/Berlin",
    "central europe standard time": "Europe/Budapest",
    "e. europe standard time": "Europe/Chisinau",
    "eastern standard time": "America/New_York",
    "central standard time": "America/Chicago",
    "mountain standard time": "America/Denver",
    "pacific standard time": "America/Los_Angeles",
    "tokyo standard time": "Asia/Tokyo",
    "india standard time": "Asia/Kolkata",
    "aus eastern standard time": "Australia/Sydney",
}

#: what the consent page says each permission lets the app do
SCOPE_DESCRIPTIONS = {
    "offline_access": "Maintain access to data you have given it access to",
    "openid": "Sign you in",
    "profile": "View your basic profile",
    "email": "View your email address",
    "user.read": "Sign you in and read your profile",
    "calendars.read": "Read your calendars",
    "calendars.readwrite": "Have full access to your calendars",
}

GRAPH_SCOPE_PREFIX = "https://graph.microsoft.com/"
NO_TIME = "0001-01-01T00:00:00Z"
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 1000
AUTHORIZATION_CODE_LIFETIME = 600
READ_ONLY_EVENT_FIELDS = {
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "changeKey",
    "iCalUId",
    "uid",
    "webLink",
    "isOrganizer",
    "type",
    "bodyPreview",
    "hasAttachments",
    "responseStatus",
    "seriesMasterId",
    "originalStartTimeZone",
    "originalEndTimeZone",
    "onlineMeeting",
    "onlineMeetingUrl",
    "isCancelled",
    "@odata.etag",
    "@odata.type",
    "@odata.context",
}


class GraphError(Exception):
    """A Graph error answer: ``{"error": {"code", "message", "innerError"}}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        #: a Location header to answer with (Graph's "synchronization reset" on 410)
        self.location: str | None = None


# -- in-memory OAuth models (authlib mixins, duck-typed) ----------------------------------------


@dataclass
class User:
    email: str
    name: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    calendars: dict[str, Calendar] = field(default_factory=dict)

    def get_user_id(self) -> str:
        return self.id


@dataclass
class Calendar:
    id: str
    name: str
    owner_email: str
    owner_name: str
    can_edit: bool
    is_default: bool
    change_key: str
    events: dict[str, StoredEvent] = field(default_factory=dict)


@dataclass
class StoredEvent:
    """An event as stored: Graph's JSON with start/end in the event's own zone, plus the UTC
    instants it covers (what windows are matched against)."""

    data: dict[str, Any]
    calendar_id: str
    start_utc: datetime
    end_utc: datetime


@dataclass
class Client:
    """The one registered app (authlib ClientMixin)."""

    client_id: str
    client_secret: str
    stand_in: MicrosoftStandIn

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        return scope or None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return self.stand_in.redirect_uri_allowed(redirect_uri)

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_post", "client_secret_basic")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass
class AuthorizationCode:
    """authlib AuthorizationCodeMixin."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user_email: str
    code_challenge: str | None
    code_challenge_method: str | None
    issued_at: float = field(default_factory=time.time)
    redeemed: bool = False
    revoked: bool = False

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass
class Token:
    """One issued access token with its refresh token (authlib TokenMixin)."""

    access_token: str
    refresh_token: str | None
    scope: str
    user_email: str
    client_id: str
    expires_in: int
    issued_at: float = field(default_factory=time.time)
    access_expired: bool = False
    refresh_used: bool = False
    revoked: bool = False

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return self.access_expired or time.time() >= self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return self.revoked


@dataclass
class DeltaRound:
    """The pages of one delta round, fixed when its first request came in."""

    user_email: str
    calendar_id: str
    start: datetime
    end: datetime
    items: list[tuple[str, Any]]  # ("event", StoredEvent copy) | ("removed", event id)
    baseline: dict[str, str]  # event id -> changeKey once the round is complete
    path: str


@dataclass
class DeltaState:
    """What a deltaLink remembers: the window and what the client knew at the end of a round."""

    user_email: str
    calendar_id: str
    start: datetime
    end: datetime
    baseline: dict[str, str]
    path: str


# -- authlib grants -----------------------------------------------------------------------------


def _aadsts(code: int, text: str) -> str:
    return f"AADSTS{code}: {text}"


class _S256Challenge(CodeChallenge):
    """PKCE required for every client, confidential ones included, and S256 only."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError(
                _aadsts(
                    9002325,
                    "Proof Key for Code Exchange is required (the stand-in requires "
                    "code_challenge with code_challenge_method=S256).",
                )
            )
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError(
                _aadsts(
                    50149,
                    "The code_challenge_method is not supported; the stand-in accepts S256.",
                )
            )
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError(
                _aadsts(
                    900144,
                    "The request body must contain the following parameter: 'code_verifier'.",
                )
            )
        try:
            super().validate_code_verifier(grant, result)
        except InvalidGrantError as error:
            raise InvalidGrantError(
                _aadsts(
                    501481,
                    "The Code_Verifier does not match the code_challenge supplied in the "
                    "authorization request.",
                )
            ) from error


def _make_grants(stand_in: MicrosoftStandIn) -> tuple[type, type]:
    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_post", "client_secret_basic"]

        def save_authorization_code(self, code: str, request: Any) -> None:
            data = request.payload.data
            stand_in._codes[code] = AuthorizationCode(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                user_email=request.user.email,
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
            )

        def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode:
            item = stand_in._codes.get(code)
            if item is None or item.client_id != client.client_id:
                raise InvalidGrantError(
                    _aadsts(70000, "The provided value for the 'code' parameter is not valid.")
                )
            if item.redeemed:
                raise InvalidGrantError(
                    _aadsts(
                        54005,
                        "OAuth2 Authorization code was already redeemed, please retry with a "
                        "new valid code or use an existing refresh token.",
                    )
                )
            if item.revoked:
                raise InvalidGrantError(
                    _aadsts(50173, "The provided grant has expired due to it being revoked.")
                )
            if time.time() > item.issued_at + AUTHORIZATION_CODE_LIFETIME:
                raise InvalidGrantError(
                    _aadsts(
                        70008,
                        "The provided authorization code or refresh token has "
                        "expired due to inactivity.",
                    )
                )
            return item

        def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
            authorization_code.redeemed = True

        def authenticate_user(self, authorization_code: AuthorizationCode) -> User | None:
            return stand_in._users.get(authorization_code.user_email)

    class RefreshGrant(grants.RefreshTokenGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_post", "client_secret_basic"]
        INCLUDE_NEW_REFRESH_TOKEN = True

        def authenticate_refresh_token(self, refresh_token: str) -> Token:
            token = stand_in._refresh_tokens.get(refresh_token)
            if token is None:
                raise InvalidGrantError(
                    _aadsts(9002313, "Invalid request. Request is malformed or invalid.")
                )
            if token.revoked:
                raise InvalidGrantError(
                    _aadsts(
                        50173,
                        "The provided grant has expired due to it being revoked, a fresh auth "
                        "token is needed. The user might have changed or reset their password.",
                    )
                )
            if token.refresh_used:
                raise InvalidGrantError(
                    _aadsts(
                        70000,
                        "The provided grant is invalid: this refresh token was already used "
                        "and the stand-in rotates refresh tokens strictly.",
                    )
                )
            return token

        def authenticate_user(self, refresh_token: Token) -> User | None:  # type: ignore[override]
            return stand_in._users.get(refresh_token.user_email)

        def revoke_old_credential(self, refresh_token: Token) -> None:
            refresh_token.refresh_used = True

        def create_token_response(self) -> Any:
            answer = super().create_token_response()
            stand_in.refresh_count += 1
            return answer

    return CodeGrant, RefreshGrant


class _EntraAuthorizationServer(AuthorizationServer):
    """authlib's server, answering errors the way the identity platform does."""

    DEFAULT_CODES = {
        "invalid_grant": (70000, "The provided grant is invalid or malformed."),
        "invalid_request": (9002313, "Invalid request. Request is malformed or invalid."),
        "invalid_client": (7000215, "Invalid client secret provided."),
        "unauthorized_client": (700016, "The application is not authorized."),
        "unsupported_grant_type": (70003, "The app requested an unsupported grant type."),
        "unsupported_response_type": (
            9002313,
            "Invalid request. The response_type is not supported.",
        ),
        "invalid_scope": (
            70011,
            "The provided value for the input parameter 'scope' is not valid.",
        ),
        "access_denied": (65004, "User declined to consent to access the app."),
    }

    def handle_error_response(self, request: Any, error: OAuth2Error) -> Response:
        code, description = self._describe(error)
        if error.redirect_uri:
            params = [("error", error.error), ("error_description", description)]
            if error.state:
                params.append(("state", error.state))
            location = add_params_to_uri(error.redirect_uri, params)
            return self.handle_response(302, "", [("Location", location)])
        return self.handle_response(
            error.status_code,
            entra_error_body(error.error, description, code),
            [
                ("Content-Type", "application/json; charset=utf-8"),
                ("Cache-Control", "no-store, no-cache"),
                ("Pragma", "no-cache"),
            ],
        )

    def _describe(self, error: OAuth2Error) -> tuple[int, str]:
        description = error.description or ""
        match = re.match(r"AADSTS(\d+): ", description)
        if match:
            return int(match.group(1)), description
        code, text = self.DEFAULT_CODES.get(error.error, (9002313, "Invalid request."))
        detailed = error.error in ("invalid_request", "invalid_grant", "invalid_scope")
        if detailed and description and description != type(error).description:
            text = f"{text} {description}"
        return code, _aadsts(code, text)


def entra_error_body(error: str, description: str, code: int) -> dict[str, Any]:
    """The JSON body of an identity platform error, trailer lines included."""
    now = datetime.now(UTC)
    trace_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
    stamp = now.strftime("%Y-%m-%d %H:%M:%SZ")
    return {
        "error": error,
        "error_description": (
            f"{description}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}"
            f"\r\nTimestamp: {now.strftime('%Y-%m-%d %H:%M:%S')}Z"
        ),
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }


# -- times ------------------------------------------------------------------------------------


def zone(name: str | None) -> ZoneInfo | None:
    """The zone a Graph timeZone value names ("UTC", IANA, a few Windows names), or None."""
    if name is None or not name.strip():
        return None
    mapped = WINDOWS_ZONES.get(name.strip().lower(), name.strip())
    try:
        return ZoneInfo(mapped)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse_wall(value: Any) -> datetime:
    """A naive wall-clock datetime from Graph's ``dateTime`` (date-only and 7 digits allowed)."""
    if not isinstance(value, str):
        raise ValueError("dateTime must be a string")
    parsed = datetime.fromisoformat(value.strip())
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def parse_window(value: str | None) -> datetime | None:
    """A query-string instant (``startDateTime``): without an offset it is UTC."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.strip().replace(" ", "+"))
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def wall_text(moment: datetime) -> str:
    """Graph's dateTime text: ``2027-03-15T14:00:00.0000000``."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}0"


def stamp_text(moment: datetime) -> str:
    """Graph's DateTimeOffset text in UTC: ``2027-03-15T14:00:00.1234567Z``."""
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}0Z"


def _describe_scope(scope: str) -> str:
    short = scope.lower().removeprefix(GRAPH_SCOPE_PREFIX.lower())
    return SCOPE_DESCRIPTIONS.get(short, scope)


def _is_midnight(moment: datetime) -> bool:
    return (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0)


def _b64(size: int, *, urlsafe: bool = True) -> str:
    raw = secrets.token_bytes(size)
    return (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(raw).decode()


def _text_of(body: dict[str, Any]) -> str:
    content = str(body.get("content") or "")
    if str(body.get("contentType", "")).lower() == "html":
        content = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", content)
        content = re.sub(r"<[^>]+>", " ", content)
        content = html.unescape(content)
    return re.sub(r"\s+", " ", content).strip()[:255]


# -- the stand-in -------------------------------------------------------------------------------


class MicrosoftStandIn(StandIn):
    """Entra ID + Graph calendars on 127.0.0.1. See the module docstring for what it models."""

    client_id: str = "00000000-0000-4000-8000-7e0de2700001"
    client_secret: str = "stand-in-secret"

    def __init__(self, *, access_token_lifetime: int = 3600) -> None:
        self.access_token_lifetime = access_token_lifetime
        #: events per page of calendarView and delta when neither $top nor odata.maxpagesize says
        self.default_page_size = DEFAULT_PAGE_SIZE
        self.issued_access_tokens: list[str] = []
        self.refresh_count = 0
        self.sent_invitations: list[tuple[str, str]] = []
        self.sent_cancellations: list[tuple[str, str]] = []
        self._mutex = threading.RLock()
        self._users: dict[str, User] = {}
        self._signed_in: str | None = None
        self._redirect_uris: set[str] = set()
        self._codes: dict[str, AuthorizationCode] = {}
        self._access_tokens: dict[str, Token] = {}
        self._refresh_tokens: dict[str, Token] = {}
        self._rounds: dict[str, tuple[str, int]] = {}  # skiptoken -> (round id, offset)
        self._round_data: dict[str, DeltaRound] = {}
        self._delta_tokens: dict[str, DeltaState] = {}
        self._expired_tokens: dict[str, tuple[str, datetime, datetime]] = {}
        self._client = Client(self.client_id, self.client_secret, self)
        super().__init__(self._build_app())

    # -- what tests set up and read ---------------------------------------------------------

    def start(self) -> MicrosoftStandIn:
        """Serve in a thread. The base serves with ``serve_forever``'s default 0.5 s poll, so
        every ``stop()`` waits up to half a second; a 0.05 s poll keeps suites of short tests
        fast."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        super().start()
        return self

    def settings(self) -> dict[str, str]:
        """The product settings that point it at this stand-in."""
        return {
            "RENDEZVOUS_MICROSOFT_CLIENT_ID": self.client_id,
            "RENDEZVOUS_MICROSOFT_CLIENT_SECRET": self.client_secret,
            "RENDEZVOUS_MICROSOFT_AUTHORITY": f"{self.base_url}/common/oauth2/v2.0",
            "RENDEZVOUS_GRAPH_BASE": f"{self.base_url}/v1.0",
        }

    def add_user(self, email: str, name: str = "") -> str:
        """A mailbox with its default calendar "Calendar"; the user becomes the signed-in one.
        Returns the default calendar's id."""
        with self._mutex:
            user = User(email=email, name=name or email.split("@")[0].title())
            self._users[email] = user
            self._signed_in = email
            calendar = self._new_calendar(user, "Calendar", can_edit=True, is_default=True)
            return calendar.id

    def add_calendar(
        self, email: str, name: str, *, can_edit: bool = True, owner: str | None = None
    ) -> str:
        """Another calendar of ``email``; ``can_edit=False`` is one shared read-only with them
        (by ``owner``, default themselves). Returns its id."""
        with self._mutex:
            user = self._user(email)
            calendar = self._new_calendar(user, name, can_edit=can_edit, is_default=False)
            if owner:
                calendar.owner_email = owner
                calendar.owner_name = owner.split("@")[0].title()
            return calendar.id

    def sign_in(self, email: str) -> None:
        """Who the consent page grants for (default: the last user added)."""
        with self._mutex:
            self._user(email)
            self._signed_in = email

    def register_redirect_uri(self, uri: str) -> None:
        """Accept ``uri`` (exactly) as a redirect URI, besides loopback ones."""
        self._redirect_uris.add(uri)

    def put_event(self, email: str, calendar_id: str, event: dict[str, Any]) -> dict[str, Any]:
        """Create or replace (by ``event["id"]``) an event, as someone else would through
        Outlook: any calendar, read-only or not, no mail sent. Returns it as Graph shows it."""
        with self._mutex:
            user = self._user(email)
            calendar = self._calendar(user, calendar_id)
            existing = self._find_event(user, event["id"]) if event.get("id") else None
            try:
                stored = self._complete(user, calendar, dict(event), existing=existing)
            except GraphError as error:
                raise ValueError(error.message) from error
            if existing is not None:
                user.calendars[existing.calendar_id].events.pop(existing.data["id"])
            calendar.events[stored.data["id"]] = stored
            return self._render(stored, None)

    def delete_event(self, email: str, event_id: str) -> None:
        """Remove an event (no mail); a delta since before reports it ``@removed``."""
        with self._mutex:
            user = self._user(email)
            stored = self._find_event(user, event_id)
            if stored is None:
                raise KeyError(event_id)
            user.calendars[stored.calendar_id].events.pop(event_id)

    def events(self, email: str, calendar_id: str) -> list[dict[str, Any]]:
        """The calendar's events as Graph shows them in UTC, ordered by start."""
        with self._mutex:
            calendar = self._calendar(self._user(email), calendar_id)
            ordered = sorted(calendar.events.values(), key=lambda e: (e.start_utc, e.end_utc))
            return [self._render(e, None) for e in ordered]

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is expired (refresh tokens still work)."""
        with self._mutex:
            for token in self._access_tokens.values():
                token.access_expired = True

    def revoke_grants(self, email: str) -> None:
        """The user revoked the app: refresh → 400 invalid_grant, Graph → 401."""
        with self._mutex:
            for token in self._access_tokens.values():
                if token.user_email == email:
                    token.revoked = True
            for code in self._codes.values():
                if code.user_email == email:
                    code.revoked = True

    def expire_delta_tokens(self) -> None:
        """Every delta (and skip) token issued so far → 410 SyncStateNotFound."""
        with self._mutex:
            for token, state in self._delta_tokens.items():
                self._expired_tokens[token] = (state.path, state.start, state.end)
            for token, (round_id, _offset) in self._rounds.items():
                data = self._round_data[round_id]
                self._expired_tokens[token] = (data.path, data.start, data.end)
            self._delta_tokens.clear()
            self._rounds.clear()
            self._round_data.clear()

    def redirect_uri_allowed(self, uri: str) -> bool:
        if uri in self._redirect_uris:
            return True
        try:
            parts = urlsplit(uri)
        except ValueError:
            return False
        return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")

    # -- failures in the provider's shapes ------------------------------------------------------

    def _failure_response(self, failure: Injected) -> Response:  # type: ignore[override]
        if failure.body is not None:
            return StandIn._failure_response(failure)
        if "/oauth2/" in request.path:
            error = "temporarily_unavailable" if failure.status in (429, 503) else "server_error"
            body = entra_error_body(
                error, _aadsts(50196, "The server terminated an operation (injected)."), 50196
            )
        else:
            codes = {
                429: ("TooManyRequests", "Please retry again later."),
                500: ("generalException", "An unspecified error has occurred."),
                503: ("serviceNotAvailable", "The service is not available. Try again later."),
                504: ("UnknownError", "The gateway timed out."),
            }
            code, message = codes.get(failure.status, ("UnknownError", "Injected by the test."))
            body = self._graph_error_body(code, message)
        response = Response(json.dumps(body), status=failure.status, mimetype="application/json")
        if failure.retry_after is not None:
            response.headers["Retry-After"] = str(failure.retry_after)
        return response

    # -- model helpers ----------------------------------------------------------------------

    def _user(self, email: str) -> User:
        try:
            return self._users[email]
        except KeyError:
            raise KeyError(f"no such stand-in user: {email}") from None

    @staticmethod
    def _calendar(user: User, calendar_id: str) -> Calendar:
        try:
            return user.calendars[calendar_id]
        except KeyError:
            raise KeyError(f"no such calendar for {user.email}: {calendar_id}") from None

    def _new_calendar(self, user: User, name: str, *, can_edit: bool, is_default: bool) -> Calendar:
        calendar = Calendar(
            id="AAMkAD" + _b64(79),
            name=name,
            owner_email=user.email,
            owner_name=user.name,
            can_edit=can_edit,
            is_default=is_default,
            change_key=_b64(22, urlsafe=False),
        )
        user.calendars[calendar.id] = calendar
        return calendar

    @staticmethod
    def _find_event(user: User, event_id: str) -> StoredEvent | None:
        for calendar in user.calendars.values():
            if event_id in calendar.events:
                return calendar.events[event_id]
        return None

    def _complete(
        self,
        user: User,
        calendar: Calendar,
        event: dict[str, Any],
        *,
        existing: StoredEvent | None = None,
    ) -> StoredEvent:
        """Graph's full representation of ``event`` (defaults filled, derived fields computed),
        validated; raises GraphError on a body Graph would refuse."""
        now = stamp_text(datetime.now(UTC))
        event_id = event.get("id") or (existing.data["id"] if existing else "AAMkA" + _b64(100))
        ical = event.get("iCalUId") or (
            existing.data["iCalUId"]
            if existing
            else "040000008200E00074C5B7101A82E00800000000" + secrets.token_hex(28).upper()
        )
        data: dict[str, Any] = {
            "id": event_id,
            "createdDateTime": existing.data["createdDateTime"] if existing else now,
            "lastModifiedDateTime": now,
            "changeKey": _b64(22, urlsafe=False),
            "categories": [],
            "transactionId": None,
            "originalStartTimeZone": "UTC",
            "originalEndTimeZone": "UTC",
            "iCalUId": ical,
            "uid": ical,
            "reminderMinutesBeforeStart": 15,
            "isReminderOn": True,
            "hasAttachments": False,
            "subject": "",
            "bodyPreview": "",
            "importance": "normal",
            "sensitivity": "normal",
            "isAllDay": False,
            "isCancelled": False,
            "isOrganizer": True,
            "responseRequested": True,
            "seriesMasterId": None,
            "showAs": "busy",
            "type": "singleInstance",
            "webLink": "https://outlook.office365.com/owa/?itemid="
            f"{quote(event_id, safe='')}&exvsurl=1&path=/calendar/item",
            "onlineMeetingUrl": None,
            "isOnlineMeeting": False,
            "onlineMeetingProvider": "unknown",
            "allowNewTimeProposals": True,
            "isDraft": False,
            "hideAttendees": False,
            "recurrence": None,
            "onlineMeeting": None,
            "responseStatus": None,
            "body": {"contentType": "html", "content": ""},
            "start": None,
            "end": None,
            "location": None,
            "locations": [],
            "attendees": [],
            "organizer": {
                "emailAddress": {"name": calendar.owner_name, "address": calendar.owner_email}
            },
        }
        for key, value in event.items():
            if key not in ("id", "iCalUId", "uid", "changeKey", "lastModifiedDateTime", "webLink"):
                data[key] = copy.deepcopy(value)
        if data["transactionId"] is None:
            data.pop("transactionId")
        data["createdDateTime"] = data.get("createdDateTime") or now

        start_utc, end_utc = self._times(data)
        data["body"] = {
            "contentType": str((data.get("body") or {}).get("contentType", "html")).lower(),
            "content": str((data.get("body") or {}).get("content", "")),
        }
        data["bodyPreview"] = _text_of(data["body"])
        data["location"] = self._location(data.get("location"))
        data["locations"] = (
            [copy.deepcopy(data["location"])] if data["location"]["displayName"] else []
        )
        data["attendees"] = [self._attendee(a) for a in data.get("attendees") or []]
        organizer = (data.get("organizer") or {}).get("emailAddress") or {}
        address = organizer.get("address") or calendar.owner_email
        data["organizer"] = {
            "emailAddress": {"name": organizer.get("name") or address, "address": address}
        }
        data["isOrganizer"] = address.lower() == calendar.owner_email.lower()
        if not data.get("responseStatus"):
            data["responseStatus"] = {
                "response": "organizer" if data["isOrganizer"] else "none",
                "time": NO_TIME,
            }
        return StoredEvent(data, calendar.id, start_utc, end_utc)

    @staticmethod
    def _times(data: dict[str, Any]) -> tuple[datetime, datetime]:
        """Normalise start/end in place; returns the UTC instants they cover."""
        instants = []
        for key in ("start", "end"):
            value = data.get(key)
            if not isinstance(value, dict) or not value.get("dateTime"):
                raise GraphError(
                    400,
                    "ErrorInvalidRequest",
                    f"Your request can't be completed. The {key} "
                    "of the event must be a dateTimeTimeZone with dateTime and timeZone.",
                )
            name = value.get("timeZone") or ""
            tz = zone(name)
            if tz is None:
                raise GraphError(
                    400,
                    "TimeZoneNotSupportedException",
                    "A valid TimeZone value must be specified. The following TimeZone value is "
                    f"not supported: '{name}'.",
                )
            try:
                wall = parse_wall(value["dateTime"])
            except ValueError as error:
                raise GraphError(
                    400,
                    "UnableToDeserializePostBody",
                    f"Cannot convert the literal "
                    f"'{value['dateTime']}' to the expected type 'Edm.DateTime'.",
                ) from error
            data[key] = {"dateTime": wall_text(wall), "timeZone": name}
            data["originalStartTimeZone" if key == "start" else "originalEndTimeZone"] = name
            instants.append((wall, wall.replace(tzinfo=tz).astimezone(UTC)))
        (start_wall, start_utc), (end_wall, end_utc) = instants
        if end_utc < start_utc:
            raise GraphError(
                400,
                "ErrorInvalidRequest",
                "Your request can't be completed. The end time of "
                "the event must be later than its start time.",
            )
        if data.get("isAllDay"):
            if not (_is_midnight(start_wall) and _is_midnight(end_wall)):
                raise GraphError(
                    400,
                    "ErrorInvalidRequest",
                    "Your request can't be completed. The start and "
                    "end of an all-day event must be at midnight.",
                )
            if end_wall - start_wall < timedelta(days=1):
                raise GraphError(
                    400,
                    "ErrorInvalidRequest",
                    "The duration of an event marked as All day must be at least 24 hours.",
                )
        return start_utc, end_utc

    @staticmethod
    def _location(value: Any) -> dict[str, Any]:
        value = value if isinstance(value, dict) else {}
        name = str(value.get("displayName") or "")
        location = {
            "displayName": name,
            "locationType": value.get("locationType", "default"),
            "uniqueIdType": value.get("uniqueIdType", "private" if name else "unknown"),
            "address": value.get("address", {}),
            "coordinates": value.get("coordinates", {}),
        }
        if name:
            location["uniqueId"] = value.get("uniqueId", name)
        return location

    @staticmethod
    def _attendee(value: dict[str, Any]) -> dict[str, Any]:
        email = value.get("emailAddress") or {}
        address = str(email.get("address") or "")
        return {
            "type": value.get("type", "required"),
            "status": copy.deepcopy(value.get("status")) or {"response": "none", "time": NO_TIME},
            "emailAddress": {"name": email.get("name") or address, "address": address},
        }

    def _render(
        self, stored: StoredEvent, tz_name: str | None, select: list[str] | None = None
    ) -> dict[str, Any]:
        """The event as Graph answers it, in ``tz_name`` (None: UTC)."""
        data = copy.deepcopy(stored.data)
        label = tz_name or "UTC"
        tz = zone(label) or UTC
        if data.get("isAllDay"):
            for key in ("start", "end"):
                wall = parse_wall(data[key]["dateTime"])
                data[key] = {"dateTime": wall_text(wall), "timeZone": label}
        else:
            for key, moment in (("start", stored.start_utc), ("end", stored.end_utc)):
                local = moment.astimezone(tz).replace(tzinfo=None)
                data[key] = {"dateTime": wall_text(local), "timeZone": label}
        if select:
            wanted = {s.strip().lower() for s in select if s.strip()} | {"id"}
            data = {k: v for k, v in data.items() if k.lower() in wanted}
        return {"@odata.etag": f'W/"{stored.data["changeKey"]}"', **data}

    @staticmethod
    def _calendar_json(user: User, calendar: Calendar) -> dict[str, Any]:
        own = calendar.owner_email == user.email
        return {
            "id": calendar.id,
            "name": calendar.name,
            "color": "auto",
            "hexColor": "",
            "isDefaultCalendar": calendar.is_default,
            "changeKey": calendar.change_key,
            "canShare": own and calendar.can_edit,
            "canViewPrivateItems": own,
            "canEdit": calendar.can_edit,
            "allowedOnlineMeetingProviders": ["teamsForBusiness"],
            "defaultOnlineMeetingProvider": "teamsForBusiness",
            "isTallyingResponses": own,
            "isRemovable": not calendar.is_default,
            "owner": {"name": calendar.owner_name, "address": calendar.owner_email},
        }

    # -- HTTP helpers -------------------------------------------------------------------------

    @property
    def _graph(self) -> str:
        return f"{self.base_url}/v1.0"

    @staticmethod
    def _request_id() -> str:
        return request.headers.get("client-request-id") or str(uuid.uuid4())

    def _graph_error_body(self, code: str, message: str) -> dict[str, Any]:
        request_id = self._request_id()
        return {
            "error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                    "request-id": request_id,
                    "client-request-id": request_id,
                },
            }
        }

    def _json(
        self, body: dict[str, Any] | None, status: int = 200, headers: dict[str, str] | None = None
    ) -> Response:
        response = Response(
            json.dumps(body) if body is not None else None,
            status=status,
            content_type=(
                "application/json;odata.metadata=minimal;odata.streaming=true;"
                "IEEE754Compatible=false;charset=utf-8"
            )
            if body is not None
            else None,
        )
        if body is None:
            response.headers.pop("Content-Type", None)
        request_id = self._request_id()
        response.headers["request-id"] = request_id
        response.headers["client-request-id"] = request_id
        for key, value in (headers or {}).items():
            response.headers[key] = value
        return response

    @staticmethod
    def _prefs() -> dict[str, str]:
        prefs: dict[str, str] = {}
        for header in request.headers.getlist("Prefer"):
            for part in header.split(","):
                key, _, value = part.strip().partition("=")
                if key:
                    prefs[key.strip().lower()] = value.strip().strip('"')
        return prefs

    def _tz_pref(self, applied: list[str]) -> str | None:
        name = self._prefs().get("outlook.timezone")
        if name and zone(name) is not None:
            applied.append(f'outlook.timezone="{name}"')
            return name
        return None

    def _page_size(self, applied: list[str]) -> int:
        raw = self._prefs().get("odata.maxpagesize")
        if raw and raw.isdigit() and int(raw) > 0:
            applied.append(f"odata.maxpagesize={raw}")
            return min(int(raw), MAX_PAGE_SIZE)
        return self.default_page_size

    @staticmethod
    def _arg(name: str) -> str | None:
        """A query parameter, case-insensitively (``startdatetime``, ``$skipToken`` work)."""
        for key, value in request.args.items():
            if key.lower() == name.lower():
                return value
        return None

    def _authenticate(self, need: str) -> User:
        """The user behind the bearer token, if it is valid and carries ``need``
        ("read", "write", "user")."""
        token_text = bearer_token()
        if not token_text:
            raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
        token = self._access_tokens.get(token_text)
        if token is None:
            raise GraphError(401, "InvalidAuthenticationToken", "Access token validation failure.")
        if token.is_expired() or token.is_revoked():
            raise GraphError(
                401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid."
            )
        scopes = {s.lower().removeprefix(GRAPH_SCOPE_PREFIX.lower()) for s in token.scope.split()}
        allowed = {
            "read": {"calendars.read", "calendars.readwrite"},
            "write": {"calendars.readwrite"},
            "user": {"user.read", "user.readwrite", "user.readbasic.all", "user.read.all"},
        }[need]
        if not scopes & allowed:
            if need == "user":
                raise GraphError(
                    403,
                    "Authorization_RequestDenied",
                    "Insufficient privileges to complete the operation.",
                )
            raise GraphError(
                403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
            )
        return self._users[token.user_email]

    def _resolve_calendar(self, user: User, calendar_id: str | None) -> Calendar:
        if calendar_id is None:
            return next(c for c in user.calendars.values() if c.is_default)
        calendar = user.calendars.get(calendar_id)
        if calendar is None:
            raise GraphError(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        return calendar

    @staticmethod
    def _body() -> dict[str, Any]:
        try:
            body = json.loads(request.get_data(cache=True) or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise GraphError(
                400,
                "BadRequest",
                "Unable to read JSON request payload. Please ensure Content-Type header is set "
                "and payload is of valid JSON format.",
            )
        return body

    def _window(self) -> tuple[datetime, datetime]:
        try:
            start = parse_window(self._arg("startDateTime"))
            end = parse_window(self._arg("endDateTime"))
        except ValueError as error:
            raise GraphError(
                400,
                "ErrorInvalidParameter",
                "The value of the parameter 'startDateTime' or 'endDateTime' is invalid.",
            ) from error
        if start is None or end is None:
            raise GraphError(
                400,
                "ErrorInvalidParameter",
                "This request requires a time window specified by the query string parameters "
                "StartDateTime and EndDateTime.",
            )
        return start, end

    @staticmethod
    def _in_window(calendar: Calendar, start: datetime, end: datetime) -> list[StoredEvent]:
        found = [e for e in calendar.events.values() if e.start_utc < end and e.end_utc > start]
        return sorted(found, key=lambda e: (e.start_utc, e.end_utc, e.data["id"]))

    # -- the Flask app ----------------------------------------------------------------------

    def _build_app(self) -> Flask:
        app = Flask("microsoft-standin")
        app.json.sort_keys = False  # type: ignore[attr-defined]  # Graph's field order
        server = _EntraAuthorizationServer(
            app, query_client=self._query_client, save_token=self._save_token
        )
        server.register_token_generator("default", self._generate_token)
        code_grant, refresh_grant = _make_grants(self)
        server.register_grant(code_grant, [_S256Challenge(required=True)])
        server.register_grant(refresh_grant)
        self._server_oauth = server

        oauth = "/<tenant>/oauth2/v2.0"
        app.add_url_rule(f"{oauth}/authorize", view_func=self._authorize, methods=["GET", "POST"])
        app.add_url_rule(f"{oauth}/token", view_func=self._token, methods=["POST"])

        routes: list[tuple[str, str, list[str]]] = [
            ("/v1.0/me", "me", ["GET"]),
            ("/v1.0/me/calendars", "calendars", ["GET"]),
            ("/v1.0/me/calendar", "calendar", ["GET"]),
            ("/v1.0/me/calendars/<calendar_id>", "calendar", ["GET"]),
            ("/v1.0/me/calendarView", "calendar_view", ["GET"]),
            ("/v1.0/me/calendar/calendarView", "calendar_view", ["GET"]),
            ("/v1.0/me/calendars/<calendar_id>/calendarView", "calendar_view", ["GET"]),
            ("/v1.0/me/calendarView/delta", "delta", ["GET"]),
            ("/v1.0/me/calendar/calendarView/delta", "delta", ["GET"]),
            ("/v1.0/me/calendars/<calendar_id>/calendarView/delta", "delta", ["GET"]),
            ("/v1.0/me/events", "create_event", ["POST"]),
            ("/v1.0/me/calendar/events", "create_event", ["POST"]),
            ("/v1.0/me/calendars/<calendar_id>/events", "create_event", ["POST"]),
            ("/v1.0/me/events/<event_id>", "event", ["GET", "PATCH", "DELETE"]),
            (
                "/v1.0/me/calendars/<calendar_id>/events/<event_id>",
                "event",
                ["GET", "PATCH", "DELETE"],
            ),
            ("/v1.0/me/events/<event_id>/cancel", "cancel_event", ["POST"]),
        ]
        for rule, name, methods in routes:
            view = getattr(self, f"_view_{name}")
            app.add_url_rule(
                rule, endpoint=f"{name}:{rule}", view_func=self._graph_view(view), methods=methods
            )
        app.add_url_rule(
            "/v1.0/<path:rest>",
            endpoint="unknown",
            view_func=self._unknown_segment,
            methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
        )
        return app

    def _graph_view(self, view: Callable[..., Response]) -> Callable[..., Response]:
        def wrapped(**kwargs: str) -> Response:
            try:
                with self._mutex:
                    return view(**kwargs)
            except GraphError as error:
                headers = {}
                if error.status == 401:
                    headers["WWW-Authenticate"] = (
                        'Bearer realm="", authorization_uri="https://login.microsoftonline.com/'
                        'common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"'
                    )
                return self._error(error, headers)

        return wrapped

    def _unknown_segment(self, rest: str) -> Response:
        segment = rest.split("/")[-1]
        return self._error(
            GraphError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")
        )

    # -- OAuth views ------------------------------------------------------------------------

    def _query_client(self, client_id: str) -> Client | None:
        return self._client if client_id == self.client_id else None

    def _generate_token(
        self,
        grant_type: str,
        client: Client,
        user: User | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        scopes = (scope or "").split()
        token: dict[str, Any] = {
            "token_type": "Bearer",
            "scope": " ".join(s for s in scopes if s.lower() != "offline_access"),
            "expires_in": self.access_token_lifetime,
            "ext_expires_in": self.access_token_lifetime,
            "access_token": "EwB" + secrets.token_urlsafe(64),
        }
        offline = any(s.lower() == "offline_access" for s in scopes)
        if grant_type == "refresh_token" or offline:
            token["refresh_token"] = "M.C5" + secrets.token_urlsafe(72)
        return token

    def _save_token(self, token: dict[str, Any], oauth_request: Any) -> None:
        source = getattr(oauth_request, "authorization_code", None) or getattr(
            oauth_request, "refresh_token", None
        )
        record = Token(
            access_token=token["access_token"],
            refresh_token=token.get("refresh_token"),
            scope=source.get_scope() if source else token["scope"],
            user_email=oauth_request.user.email,
            client_id=oauth_request.client.client_id,
            expires_in=int(token["expires_in"]),
        )
        self._access_tokens[record.access_token] = record
        if record.refresh_token:
            self._refresh_tokens[record.refresh_token] = record
        self.issued_access_tokens.append(record.access_token)

    def _token(self, tenant: str) -> Response:
        with self._mutex:
            return self._server_oauth.create_token_response()

    def _error_page(self, code: int, text: str) -> Response:
        page = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>Sign in to your account (stand-in)</title></head><body>"
            "<h1>Sorry, but we're having trouble signing you in.</h1>"
            f'<p id="error">AADSTS{code}: {html.escape(text)}</p></body></html>'
        )
        return Response(page, status=400, mimetype="text/html")

    def _authorize(self, tenant: str) -> Response:
        with self._mutex:
            values = request.values
            if values.get("client_id") != self.client_id:
                return self._error_page(
                    700016,
                    f"Application with identifier '{values.get('client_id', '')}' was not found "
                    "in the directory.",
                )
            redirect_uri = values.get("redirect_uri", "")
            if not self.redirect_uri_allowed(redirect_uri):
                return self._error_page(
                    50011,
                    f"The redirect URI '{redirect_uri}' specified in the request does not match "
                    "the redirect URIs configured for the application.",
                )
            user = self._users.get(self._signed_in or "")
            if user is None:
                return self._error_page(
                    50034, "The user account does not exist (no stand-in user was added)."
                )
            server = self._server_oauth
            try:
                grant = server.get_consent_grant(end_user=user)
            except OAuth2Error as error:
                return server.handle_error_response(None, error)
            if request.method == "GET":
                return self._consent_page(user, grant.request.scope or "")
            accepted = request.form.get("decision", "accept") != "cancel"
            return server.create_authorization_response(
                grant=grant, grant_user=user if accepted else None
            )

    def _consent_page(self, user: User, scope: str) -> Response:
        permissions = "".join(
            f"<li><code>{html.escape(s)}</code>: {html.escape(_describe_scope(s))}</li>"
            for s in scope.split()
        )
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in request.args.items(multi=True)
        )
        page = f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in to your account (stand-in)</title></head>
<body>
<h1>Sign in to your account (stand-in)</h1>
<p>Signed in as <strong id="email">{html.escape(user.email)}</strong></p>
<p>Permissions requested by the app <code>{html.escape(self.client_id)}</code>:</p>
<ul id="permissions">{permissions}</ul>
<form method="post" action="{html.escape(request.path)}">
{hidden}
<button type="submit" name="decision" value="accept">Accept</button>
<button type="submit" name="decision" value="cancel">Cancel</button>
</form>
</body>
</html>
"""
        return Response(page, mimetype="text/html")

    # -- Graph views ------------------------------------------------------------------------

    def _view_me(self) -> Response:
        user = self._authenticate("user")
        given, _, surname = user.name.partition(" ")
        return self._json(
            {
                "@odata.context": f"{self._graph}/$metadata#users/$entity",
                "businessPhones": [],
                "displayName": user.name,
                "givenName": given or None,
                "jobTitle": None,
                "mail": user.email,
                "mobilePhone": None,
                "officeLocation": None,
                "preferredLanguage": "en-US",
                "surname": surname or None,
                "userPrincipalName": user.email,
                "id": user.id,
            }
        )

    def _view_calendars(self) -> Response:
        user = self._authenticate("read")
        return self._json(
            {
                "@odata.context": f"{self._graph}/$metadata#users('{user.id}')/calendars",
                "value": [self._calendar_json(user, c) for c in user.calendars.values()],
            }
        )

    def _view_calendar(self, calendar_id: str | None = None) -> Response:
        user = self._authenticate("read")
        calendar = self._resolve_calendar(user, calendar_id)
        return self._json(
            {
                "@odata.context": f"{self._graph}/$metadata#users('{user.id}')/calendars/$entity",
                **self._calendar_json(user, calendar),
            }
        )

    def _view_calendar_view(self, calendar_id: str | None = None) -> Response:
        user = self._authenticate("read")
        calendar = self._resolve_calendar(user, calendar_id)
        start, end = self._window()
        applied: list[str] = []
        tz_name = self._tz_pref(applied)
        page_size = self._page_size(applied)
        top, skip = self._arg("$top"), self._arg("$skip")
        if top is not None:
            if not top.isdigit() or int(top) < 1:
                raise GraphError(400, "BadRequest", f"Invalid value '{top}' for $top.")
            page_size = min(int(top), MAX_PAGE_SIZE)
        offset = int(skip) if skip and skip.isdigit() else 0
        select = (self._arg("$select") or "").split(",") if self._arg("$select") else None
        found = self._in_window(calendar, start, end)
        page = found[offset : offset + page_size]
        body: dict[str, Any] = {
            "@odata.context": f"{self._graph}/$metadata#users('{user.id}')/calendars"
            f"('{calendar.id}')/calendarView",
            "value": [self._render(e, tz_name, select) for e in page],
        }
        if offset + page_size < len(found):
            params = [
                ("startDateTime", self._arg("startDateTime") or ""),
                ("endDateTime", self._arg("endDateTime") or ""),
            ]
            if self._arg("$select"):
                params.append(("$select", self._arg("$select") or ""))
            params += [("$top", str(page_size)), ("$skip", str(offset + page_size))]
            query = "&".join(f"{k}={quote(v, safe=':,')}" for k, v in params)
            body["@odata.nextLink"] = f"{self.base_url}{request.path}?{query}"
        headers = {"Preference-Applied": ", ".join(applied)} if applied else None
        return self._json(body, headers=headers)

    def _view_delta(self, calendar_id: str | None = None) -> Response:
        user = self._authenticate("read")
        calendar = self._resolve_calendar(user, calendar_id)
        applied: list[str] = ["odata.track-changes"]
        tz_name = self._tz_pref(applied)
        page_size = self._page_size(applied)
        skiptoken, deltatoken = self._arg("$skiptoken"), self._arg("$deltatoken")
        if skiptoken is not None:
            round_id, offset = self._known_skiptoken(skiptoken, user, calendar)
        else:
            if deltatoken is not None:
                state = self._known_deltatoken(deltatoken, user, calendar)
                start, end, baseline = state.start, state.end, state.baseline
            else:
                start, end = self._window()
                baseline = {}
            round_id, offset = self._open_round(user, calendar, start, end, baseline), 0
        data = self._round_data[round_id]
        page = data.items[offset : offset + page_size]
        value = []
        for kind, item in page:
            if kind == "removed":
                value.append(
                    {
                        "@odata.type": "#microsoft.graph.event",
                        "id": item,
                        "@removed": {"reason": "deleted"},
                    }
                )
            else:
                value.append(
                    {"@odata.type": "#microsoft.graph.event", **self._render(item, tz_name)}
                )
        body: dict[str, Any] = {"@odata.context": f"{self._graph}/$metadata#Collection(event)"}
        link = f"{self.base_url}{request.path}"
        if offset + page_size < len(data.items):
            token = secrets.token_urlsafe(48)
            self._rounds[token] = (round_id, offset + page_size)
            body["@odata.nextLink"] = f"{link}?$skiptoken={token}"
        else:
            token = secrets.token_urlsafe(48)
            self._delta_tokens[token] = DeltaState(
                user.email, calendar.id, data.start, data.end, data.baseline, data.path
            )
            body["@odata.deltaLink"] = f"{link}?$deltatoken={token}"
        body["value"] = value
        return self._json(body, headers={"Preference-Applied": ", ".join(applied)})

    def _open_round(
        self,
        user: User,
        calendar: Calendar,
        start: datetime,
        end: datetime,
        baseline: dict[str, str],
    ) -> str:
        current = self._in_window(calendar, start, end)
        items: list[tuple[str, Any]] = [
            ("event", copy.deepcopy(e))
            for e in current
            if baseline.get(e.data["id"]) != e.data["changeKey"]
        ]
        current_ids = {e.data["id"] for e in current}
        items += [("removed", event_id) for event_id in baseline if event_id not in current_ids]
        round_id = secrets.token_hex(8)
        self._round_data[round_id] = DeltaRound(
            user_email=user.email,
            calendar_id=calendar.id,
            start=start,
            end=end,
            items=items,
            baseline={e.data["id"]: e.data["changeKey"] for e in current},
            path=request.path,
        )
        return round_id

    def _known_skiptoken(self, token: str, user: User, calendar: Calendar) -> tuple[str, int]:
        entry = self._rounds.get(token)
        if (
            entry is None
            or self._round_data[entry[0]].calendar_id != calendar.id
            or (self._round_data[entry[0]].user_email != user.email)
        ):
            raise self._gone_with_location(token)
        return entry

    def _known_deltatoken(self, token: str, user: User, calendar: Calendar) -> DeltaState:
        state = self._delta_tokens.get(token)
        if state is None or state.calendar_id != calendar.id or state.user_email != user.email:
            raise self._gone_with_location(token)
        return state

    def _gone_with_location(self, token: str) -> GraphError:
        error = GraphError(
            410,
            "SyncStateNotFound",
            "The sync state generation is not found; the delta token is expired or unknown, "
            "and the data must be synchronized again.",
        )
        expired = self._expired_tokens.get(token)
        if expired:
            path, start, end = expired
            query = urlencode(
                {
                    "startDateTime": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "endDateTime": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
            )
            error.location = f"{self.base_url}{path}?{query}"
        return error

    def _error(self, error: GraphError, headers: dict[str, str] | None = None) -> Response:
        headers = dict(headers or {})
        if error.location:
            headers["Location"] = error.location
        return self._json(self._graph_error_body(error.code, error.message), error.status, headers)

    def _view_create_event(self, calendar_id: str | None = None) -> Response:
        user = self._authenticate("write")
        calendar = self._resolve_calendar(user, calendar_id)
        body = self._body()
        if not calendar.can_edit:
            raise GraphError(
                403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
            )
        context = (
            f"{self._graph}/$metadata#users('{user.id}')/calendars('{calendar.id}')/events/$entity"
        )
        transaction = body.get("transactionId")
        if transaction:
            for other in user.calendars.values():
                for stored in other.events.values():
                    if stored.data.get("transactionId") == transaction:
                        return self._json(
                            {"@odata.context": context, **self._render(stored, self._tz_pref([]))},
                            201,
                        )
        fields = {k: v for k, v in body.items() if k not in READ_ONLY_EVENT_FIELDS}
        fields.pop("organizer", None)
        stored = self._complete(user, calendar, fields)
        calendar.events[stored.data["id"]] = stored
        for attendee in stored.data["attendees"]:
            self.sent_invitations.append((stored.data["id"], attendee["emailAddress"]["address"]))
        applied: list[str] = []
        tz_name = self._tz_pref(applied)
        headers = {"Preference-Applied": ", ".join(applied)} if applied else None
        return self._json(
            {"@odata.context": context, **self._render(stored, tz_name)}, 201, headers
        )

    def _event_of(self, user: User, event_id: str, calendar_id: str | None) -> StoredEvent:
        stored = self._find_event(user, event_id)
        if stored is None or (calendar_id is not None and stored.calendar_id != calendar_id):
            raise GraphError(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        return stored

    def _view_event(self, event_id: str, calendar_id: str | None = None) -> Response:
        write = request.method in ("PATCH", "DELETE")
        user = self._authenticate("write" if write else "read")
        stored = self._event_of(user, event_id, calendar_id)
        calendar = user.calendars[stored.calendar_id]
        applied: list[str] = []
        tz_name = self._tz_pref(applied)
        headers = {"Preference-Applied": ", ".join(applied)} if applied else None
        context = f"{self._graph}/$metadata#users('{user.id}')/events/$entity"
        if write and not calendar.can_edit:
            raise GraphError(
                403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
            )
        if request.method == "GET":
            select = (self._arg("$select") or "").split(",") if self._arg("$select") else None
            return self._json(
                {"@odata.context": context, **self._render(stored, tz_name, select)},
                headers=headers,
            )
        if request.method == "DELETE":
            calendar.events.pop(event_id)
            if stored.data["isOrganizer"]:
                for attendee in stored.data["attendees"]:
                    self.sent_cancellations.append((event_id, attendee["emailAddress"]["address"]))
            return self._json(None, 204)
        body = self._body()
        merged = copy.deepcopy(stored.data)
        for key, value in body.items():
            if key not in READ_ONLY_EVENT_FIELDS and key not in ("transactionId", "organizer"):
                merged[key] = value
        updated = self._complete(user, calendar, merged, existing=stored)
        calendar.events[event_id] = updated
        before = {a["emailAddress"]["address"].lower() for a in stored.data["attendees"]}
        old_times = (stored.start_utc, stored.end_utc, bool(stored.data["isAllDay"]))
        new_times = (updated.start_utc, updated.end_utc, bool(updated.data["isAllDay"]))
        moved = old_times != new_times
        for attendee in updated.data["attendees"]:
            address = attendee["emailAddress"]["address"]
            if moved or address.lower() not in before:
                self.sent_invitations.append((event_id, address))
        return self._json(
            {"@odata.context": context, **self._render(updated, tz_name)}, headers=headers
        )

    def _view_cancel_event(self, event_id: str) -> Response:
        user = self._authenticate("write")
        stored = self._event_of(user, event_id, None)
        calendar = user.calendars[stored.calendar_id]
        if not calendar.can_edit:
            raise GraphError(
                403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
            )
        if not stored.data["isOrganizer"]:
            raise GraphError(
                400,
                "ErrorAccessDenied",
                "Your request can't be completed. You need to be an organizer to cancel a meeting.",
            )
        calendar.events.pop(event_id)
        for attendee in stored.data["attendees"]:
            self.sent_cancellations.append((event_id, attendee["emailAddress"]["address"]))
        return self._json(None, 202)
