"""A stand-in for Google's OAuth 2.0 (web-server flow, PKCE) and the Google Calendar API v3,
served for real over HTTP, so Rendezvous's Google connection is exercised end to end with no
internet: the consent redirect, the code exchange, refreshes, revocation, incremental sync,
freeBusy and event writes all travel over a socket and meet Google's documented JSON shapes,
status codes and error bodies.

What it models
--------------
OAuth (built on authlib's own server classes, with in-memory models):

* ``GET /o/oauth2/v2/auth``: ``response_type=code``, the registered ``client_id``, any
  ``http://127.0.0.1:*`` or ``http://localhost:*`` ``redirect_uri``, ``scope`` (required),
  ``state``, and PKCE, which this stand-in *requires*, with ``code_challenge_method=S256``
  (Google also accepts ``plain`` and does not require PKCE from web clients; refusing both
  keeps Rendezvous honest). ``access_type=offline``, ``prompt``, ``include_granted_scopes`` and
  ``login_hint`` are accepted. A bad request shows Google's "Error 400: invalid_request" page
  rather than redirecting. A good one shows a consent page for the signed-in account
  (``sign_in``) with an ``Allow`` and a ``Cancel`` button; Allow redirects to
  ``redirect_uri?code=…&state=…&scope=…&authuser=0&prompt=consent`` (as Google does), Cancel
  to ``redirect_uri?error=access_denied&state=…``.
* ``POST /token``: ``authorization_code`` (with ``code_verifier``; client authentication by
  ``client_secret_post`` or ``client_secret_basic``) and ``refresh_token``. A refresh token is
  issued only with ``access_type=offline``, and, as Google does, only on the first consent of
  that account to this client unless the request says ``prompt=consent``. Refreshing does not
  rotate the refresh token (no ``refresh_token`` in the answer; the old one stays valid).
  Errors use Google's descriptions: ``invalid_grant``/"Bad Request" for a bad or used code,
  ``invalid_grant``/"Token has been expired or revoked." for a dead refresh token,
  ``invalid_grant``/"Missing code verifier." or "Invalid code verifier." for PKCE,
  ``redirect_uri_mismatch``, 401 ``invalid_client``/"Unauthorized".
* ``POST /revoke?token=…`` (query or form; no client authentication, as at Google): 200, and
  the whole grant behind the token (refresh and access tokens) stops working; an unknown or
  dead token answers 400 ``invalid_token``.
* Access tokens expire after ``access_token_lifetime`` seconds of real time (``time.time()``),
  or at once with ``expire_access_tokens()``; ``revoke_grants(email)`` kills a user's grants.

Calendar API v3 (``/calendar/v3``; ``Authorization: Bearer`` required, 401 in Google's shape,
403 ``insufficientPermissions`` when the token's scopes don't cover the method, using the
scope lists of Google's reference pages, e.g. ``calendar.events`` does NOT allow freeBusy):

* ``users/me/calendarList`` (list and get), ``calendars/{id}`` (get); ``primary`` is an alias.
* ``calendars/{id}/events``: list (``timeMin``/``timeMax`` overlap, ``showDeleted``,
  ``singleEvents``, ``orderBy``, ``iCalUID``, ``privateExtendedProperty``,
  ``sharedExtendedProperty``, ``updatedMin``, ``q`` as a plain substring, ``eventTypes``,
  ``timeZone``, ``maxResults`` 250 by default and at most 2500, ``pageToken``; the last page
  carries ``nextSyncToken``), incremental sync (``syncToken``: every event changed since,
  cancelled ones as Google sends them, i.e. ``kind``, ``etag``, ``id``, ``status`` and, for an
  instance, ``recurringEventId``/``originalStartTime``; 400 when combined with the filters
  Google forbids; 410 ``fullSyncRequired`` for an expired or unknown token), get, insert
  (409 ``duplicate`` for a live event with the same ``iCalUID`` or any event with the same
  ``id``), patch, update (PUT), delete (204; 410 ``deleted`` when already cancelled), with
  ``sendUpdates`` validated (and visible in the request log), ``If-Match`` answered with 412,
  and 403 ``requiredAccessLevel`` for writes to a ``reader``/``freeBusyReader`` calendar.
  Event times are answered in the calendar's time zone (or the ``timeZone`` parameter), like
  ``2027-01-04T10:00:00+01:00``; ``updated``/``created`` like ``2027-01-04T08:00:00.000Z``.
* ``POST /calendar/v3/freeBusy``: busy periods from events that are not cancelled, not
  ``transparent``, not declined by the calendar's own attendee (``self``) and not
  ``workingLocation``; all-day events count from midnight to midnight in the calendar's time
  zone; periods are clipped to the window and overlapping or touching ones merged; UTC ``Z``
  times unless the request names a ``timeZone``. Unknown calendars get
  ``{"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}``.
* ``fail_next`` (from the base) answers with Google-shaped bodies: ``rateLimitExceeded`` for
  429/403, ``backendError`` for 5xx on the API, ``{"error": ..., "error_description": ...}``
  on the OAuth endpoints.

What it does NOT model
----------------------
* Recurrence is NOT expanded. The stand-in stores instances only: a test that wants a series
  puts each instance itself (with ``recurringEventId`` and ``originalStartTime``). There are no
  recurring "master" events, so ``singleEvents=false`` returns the same stored instances (plus,
  as Google does when ``singleEvents`` and ``showDeleted`` are both false, cancelled instances),
  and ``events.instances`` is not served.
* No OpenID Connect (no ``id_token``, no userinfo endpoint), no ``prompt=none``, no granular
  consent (the user grants every requested scope or none), no consent-screen sign-in or
  account chooser (``sign_in`` picks the account; ``login_hint`` is ignored), no
  ``include_granted_scopes`` merging, no refresh-token expiry or 100-token limit.
* Calendar: no ACLs or sharing between users (each user's calendars and events are their own;
  a calendar id unknown to the token's user is 404), no ``calendarList`` sync tokens or paging,
  no ``events.import``/``move``/``quickAdd``/``watch`` (push notifications), no
  ``conferenceData``, reminders are always ``{"useDefault": true}`` unless given, no attendee
  emails sent, ``sequence`` is never bumped by the server (the client may set it), no field
  masks (``fields=``), no freeBusy groups or range limits, no quota beyond ``fail_next``.
* A ``freeBusyReader`` calendar's events are listed with ``id``, ``status``, ``start`` and
  ``end`` only (roughly what Google shows such a reader).
* The 400 answered for ``syncToken`` with forbidden filters uses reason ``invalid``; Google's
  exact reason string for that case is not documented.
* Patching a cancelled event is allowed (as Google allows); it stays cancelled unless the patch
  sets ``status``.
"""

from __future__ import annotations

import base64
import copy
import hmac
import html
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from datetime import time as dt_time
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from authlib.common.urls import add_params_to_uri
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.base import OAuth2Error
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    TokenMixin,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask, Response, request

from tests.standins.base import Injected, StandIn, bearer_token

__all__ = ["GoogleStandIn"]

SCOPE = "https://www.googleapis.com/auth/"

# Scopes that authorize each method, from the "Authorization" section of Google's reference pages.
_CALENDAR_LIST_SCOPES = frozenset(
    SCOPE + s
    for s in (
        "calendar",
        "calendar.readonly",
        "calendar.calendarlist",
        "calendar.calendarlist.readonly",
    )
)
_CALENDAR_GET_SCOPES = frozenset(
    SCOPE + s
    for s in ("calendar", "calendar.readonly", "calendar.calendars", "calendar.calendars.readonly")
)
_EVENTS_READ_SCOPES = frozenset(
    SCOPE + s
    for s in (
        "calendar",
        "calendar.readonly",
        "calendar.events",
        "calendar.events.readonly",
        "calendar.events.owned",
        "calendar.events.owned.readonly",
    )
)
_EVENTS_WRITE_SCOPES = frozenset(
    SCOPE + s for s in ("calendar", "calendar.events", "calendar.events.owned")
)
_FREEBUSY_SCOPES = frozenset(
    SCOPE + s
    for s in ("calendar", "calendar.readonly", "calendar.events.freebusy", "calendar.freebusy")
)

_WRITE_ROLES = frozenset({"owner", "writer"})
_ACCESS_ROLES = frozenset({"owner", "writer", "reader", "freeBusyReader"})
_SEND_UPDATES = frozenset({"all", "externalOnly", "none"})
_EVENT_STATUSES = frozenset({"confirmed", "tentative", "cancelled"})
_EVENT_TYPES = frozenset(
    {"default", "focusTime", "outOfOffice", "workingLocation", "birthday", "fromGmail"}
)
_BASE32HEX = "0123456789abcdefghijklmnopqrstuv"
#: filters Google refuses next to ``syncToken`` (events.list reference, ``syncToken``)
_NOT_WITH_SYNC_TOKEN = (
    "iCalUID",
    "orderBy",
    "privateExtendedProperty",
    "q",
    "sharedExtendedProperty",
    "timeMin",
    "timeMax",
    "updatedMin",
)
_READ_ONLY_EVENT_FIELDS = ("kind", "etag", "htmlLink", "created", "updated", "creator")
_AUTH_CODE_LIFETIME = 600


# -- time --------------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _zone(name: str) -> tzinfo:
    return UTC if name == "UTC" else ZoneInfo(name)


def _parse_instant(value: Any) -> datetime | None:
    """An RFC 3339 timestamp with its offset, or None (Google refuses a time without one)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _fmt_updated(instant: datetime) -> str:
    """``updated``/``created``: UTC with milliseconds, as Google writes them."""
    instant = instant.astimezone(UTC)
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


def _fmt_in_zone(instant: datetime, zone: tzinfo) -> str:
    """An event time as Google answers it: seconds, and the zone's offset (``Z`` for UTC)."""
    local = instant.astimezone(zone).replace(microsecond=0)
    text = local.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") and zone is UTC else text


def _fmt_utc(instant: datetime) -> str:
    return instant.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _when_instant(when: dict[str, Any], calendar_zone: tzinfo) -> datetime:
    """The instant of a stored (validated) ``start``/``end``/``originalStartTime``."""
    if "dateTime" in when:
        parsed = datetime.fromisoformat(when["dateTime"])
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=_zone(when["timeZone"]))
        return parsed
    return datetime.combine(date.fromisoformat(when["date"]), dt_time(0), tzinfo=calendar_zone)


# -- errors ------------------------------------------------------------------------------------


class _ApiError(Exception):
    """Raised by a view; answered as Google's JSON error body."""

    def __init__(self, code: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(code)
        self.code = code
        self.body = body
        self.headers = headers or {}


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(
        json.dumps(body, indent=2), status=status, content_type="application/json; charset=UTF-8"
    )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _error(
    code: int,
    reason: str,
    message: str,
    *,
    domain: str = "global",
    location: str | None = None,
    location_type: str | None = None,
) -> _ApiError:
    """The classic Calendar API error body (``errors`` list first, then ``code``/``message``)."""
    item: dict[str, Any] = {"domain": domain, "reason": reason, "message": message}
    if location_type:
        item["locationType"] = location_type
    if location:
        item["location"] = location
    return _ApiError(code, {"error": {"errors": [item], "code": code, "message": message}})


def _bad_request(message: str = "Bad Request", reason: str = "badRequest") -> _ApiError:
    return _error(400, reason, message)


def _not_found() -> _ApiError:
    return _error(404, "notFound", "Not Found")


_LOGIN_HELP = (
    "Expected OAuth 2 access token, login cookie or other valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)


def _unauthenticated(missing: bool) -> _ApiError:
    if missing:
        message = "Request is missing required authentication credential. " + _LOGIN_HELP
        detail = {"message": "Login Required.", "domain": "global", "reason": "required"}
    else:
        message = "Request had invalid authentication credentials. " + _LOGIN_HELP
        detail = {"message": "Invalid Credentials", "domain": "global", "reason": "authError"}
    detail |= {"location": "Authorization", "locationType": "header"}
    body = {
        "error": {"code": 401, "message": message, "errors": [detail], "status": "UNAUTHENTICATED"}
    }
    return _ApiError(401, body, {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'})


def _insufficient_scopes(method: str) -> _ApiError:
    body = {
        "error": {
            "code": 403,
            "message": "Request had insufficient authentication scopes.",
            "errors": [
                {
                    "message": "Insufficient Permission",
                    "domain": "global",
                    "reason": "insufficientPermissions",
                }
            ],
            "status": "PERMISSION_DENIED",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                    "domain": "googleapis.com",
                    "metadata": {"service": "calendar-json.googleapis.com", "method": method},
                }
            ],
        }
    }
    return _ApiError(403, body, {"WWW-Authenticate": 'Bearer error="insufficient_scope"'})


# -- OAuth models ------------------------------------------------------------------------------


@dataclass
class _Client(ClientMixin):
    client_id: str
    client_secret: str
    #: redirect URIs registered exactly (the app's own callback), besides any loopback one
    redirect_uris: tuple[str, ...] = ()

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        if not scope:
            return None
        return " ".join(dict.fromkeys(scope.split()))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        """A registered URI exactly, or any loopback http URI, whatever its port or path."""
        if redirect_uri in self.redirect_uris:
            return True
        try:
            parts = urlsplit(redirect_uri)
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError:
            return False
        return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(self.client_secret, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint == "token":
            return method in ("client_secret_basic", "client_secret_post")
        return True

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass
class _AuthCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: str
    code_challenge: str
    code_challenge_method: str
    issue_refresh_token: bool
    issued_at: float = field(default_factory=time.time)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass
class _Grant(TokenMixin):
    """One consent: the refresh token (if any) and every access token issued under it."""

    user: str
    client_id: str
    scope: str
    refresh_token: str | None = None
    revoked: bool = False

    def check_client(self, client: ClientMixin) -> bool:
        return client.get_client_id() == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return 0

    def is_expired(self) -> bool:
        return False

    def is_revoked(self) -> bool:
        return self.revoked

    def get_user(self) -> str:
        return self.user

    def get_client(self) -> ClientMixin:
        raise NotImplementedError


@dataclass
class _AccessToken:
    token: str
    grant: _Grant
    scope: str
    issued_at: float
    lifetime: int
    expired: bool = False

    def alive(self) -> bool:
        return (
            not self.expired
            and not self.grant.revoked
            and time.time() < self.issued_at + self.lifetime
        )


# -- authlib server, grants and endpoints ------------------------------------------------------


class _Server(AuthorizationServer):
    """authlib's Flask authorization server, answering errors with Google's descriptions."""

    stand_in: GoogleStandIn

    def handle_error_response(self, request: Any, error: OAuth2Error) -> Response:
        status, body, headers = error(self.get_error_uri(request, error))
        status, body = _google_oauth_error(error, status, dict(body))
        return self.handle_response(status, body, headers)


def _google_oauth_error(
    error: OAuth2Error, status: int, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    description = error.description or ""
    if isinstance(error, InvalidClientError):
        return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
    if "code_verifier" in description or "Code challenge" in description:
        text = "Missing code verifier." if "Missing" in description else "Invalid code verifier."
        return 400, {"error": "invalid_grant", "error_description": text}
    if error.error == "invalid_grant":
        if "redirect_uri" in description:
            return 400, {"error": "redirect_uri_mismatch", "error_description": "Bad Request"}
        if description != "Token has been expired or revoked.":
            return 400, {"error": "invalid_grant", "error_description": "Bad Request"}
    if error.error == "unsupported_grant_type":
        grant_type = getattr(error, "grant_type", "")
        return 400, {"error": error.error, "error_description": f"Invalid grant_type: {grant_type}"}
    body.pop("error_uri", None)
    return status, body


class _RequiredS256(CodeChallenge):
    """PKCE required, S256 only (authlib's ``required=True`` only binds public clients)."""

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing required parameter: code_challenge")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Invalid code_challenge_method: this stand-in accepts S256")
        super().validate_code_challenge(grant, redirect_uri)


class _CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    @property
    def _google(self) -> GoogleStandIn:
        return self.server.stand_in

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        user = request.user
        offline = data.get("access_type") == "offline"
        forced = "consent" in (data.get("prompt") or "").split()
        client_id = request.client.get_client_id()
        self._google._codes[code] = _AuthCode(
            code=code,
            client_id=client_id,
            redirect_uri=request.payload.redirect_uri,
            scope=request.scope,
            user=user,
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            issue_refresh_token=offline
            and (forced or not self._google._has_live_refresh(user, client_id)),
        )

    def query_authorization_code(self, code: str, client: ClientMixin) -> _AuthCode | None:
        found = self._google._codes.get(code)
        if found is None or found.client_id != client.get_client_id():
            return None
        if time.time() > found.issued_at + _AUTH_CODE_LIFETIME:
            return None
        return found

    def delete_authorization_code(self, authorization_code: _AuthCode) -> None:
        self._google._codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: _AuthCode) -> str:
        return authorization_code.user

    def generate_token(
        self,
        user: Any = None,
        scope: str | None = None,
        grant_type: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        code = self.request.authorization_code
        return super().generate_token(
            user=user,
            scope=scope,
            grant_type=grant_type,
            expires_in=expires_in,
            include_refresh_token=bool(code and code.issue_refresh_token),
        )

    def create_authorization_response(self, redirect_uri: str, grant_user: Any) -> Any:
        status, body, headers = super().create_authorization_response(redirect_uri, grant_user)
        location = dict(headers)["Location"]
        extra = [("scope", self.request.scope), ("authuser", "0"), ("prompt", "consent")]
        return status, body, [("Location", add_params_to_uri(location, extra))]


class _RefreshGrant(RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
    INCLUDE_NEW_REFRESH_TOKEN = False

    def authenticate_refresh_token(self, refresh_token: str) -> _Grant:
        grant = self.server.stand_in._refresh_tokens.get(refresh_token)
        if grant is None or grant.revoked:
            raise InvalidGrantError("Token has been expired or revoked.")
        return grant

    def authenticate_user(self, refresh_token: _Grant) -> str:
        return refresh_token.user

    def revoke_old_credential(self, refresh_token: _Grant) -> None:
        """Google keeps the refresh token valid after a refresh: nothing to revoke."""


class _InvalidToken(OAuth2Error):
    error = "invalid_token"


class _Revocation(RevocationEndpoint):
    """Google's revocation: the token in the query or the form, no client authentication, the
    whole grant revoked, 400 ``invalid_token`` for a token it doesn't know (RFC 7009 says 200)."""

    CLIENT_AUTH_METHODS = ["google_unauthenticated"]

    def authenticate_token(self, request: Any, client: ClientMixin) -> _Grant:
        token = request.payload.data.get("token")
        if not token:
            raise InvalidRequestError("Missing required parameter: token")
        grant = self.query_token(token, request.payload.data.get("token_type_hint"))
        if grant is None or grant.revoked:
            raise _InvalidToken("Token expired or revoked")
        return grant

    def query_token(self, token_string: str, token_type_hint: str | None) -> _Grant | None:
        google = self.server.stand_in
        access = google._access_tokens.get(token_string)
        if access is not None:
            return None if not access.alive() else access.grant
        return google._refresh_tokens.get(token_string)

    def revoke_token(self, token: _Grant, request: Any) -> None:
        token.revoked = True


# -- calendars ---------------------------------------------------------------------------------


@dataclass
class _Calendar:
    id: str
    summary: str
    access_role: str
    time_zone: str
    primary: bool
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: event id -> the change counter's value when it last changed
    changed: dict[str, int] = field(default_factory=dict)

    @property
    def zone(self) -> tzinfo:
        return _zone(self.time_zone)


@dataclass
class _User:
    email: str
    calendars: dict[str, _Calendar] = field(default_factory=dict)


@dataclass
class _SyncToken:
    user: str
    calendar_id: str
    since: int
    expired: bool = False


@dataclass
class _Page:
    user: str
    calendar_id: str
    ids: list[str]
    offset: int
    sync_base: int
    incremental: bool
    zone: tzinfo


def _event_id() -> str:
    return "".join(secrets.choice(_BASE32HEX) for _ in range(26))


def _bool_arg(name: str) -> bool | None:
    value = request.args.get(name)
    if value is None:
        return None
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise _error(400, "invalidParameter", f"Invalid boolean value: '{value}'.", location=name)


def _merge_patch(target: dict[str, Any], patch: dict[str, Any]) -> None:
    """Google's patch semantics: objects merge, arrays and times are replaced, null clears."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif (
            isinstance(value, dict)
            and isinstance(target.get(key), dict)
            and key not in ("start", "end", "originalStartTime")
        ):
            _merge_patch(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def _merge_intervals(
    intervals: Iterable[tuple[datetime, datetime]],
) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


# -- the stand-in ------------------------------------------------------------------------------


class GoogleStandIn(StandIn):
    """Google's OAuth 2.0 and Calendar API v3, on 127.0.0.1 (see the module docstring)."""

    client_id: str = "rendezvous-test.apps.googleusercontent.com"
    client_secret: str = "stand-in-secret"

    def __init__(
        self, *, access_token_lifetime: int = 3600, redirect_uris: tuple[str, ...] = ()
    ) -> None:
        self.access_token_lifetime = access_token_lifetime
        self.issued_access_tokens: list[str] = []
        self.refresh_count = 0
        self._state = threading.RLock()
        self._users: dict[str, _User] = {}
        self._signed_in: str | None = None
        self._client = _Client(self.client_id, self.client_secret, tuple(redirect_uris))
        self._codes: dict[str, _AuthCode] = {}
        self._grants: list[_Grant] = []
        self._refresh_tokens: dict[str, _Grant] = {}
        self._access_tokens: dict[str, _AccessToken] = {}
        self._sync_tokens: dict[str, _SyncToken] = {}
        self._sync_token_by_point: dict[tuple[str, str, int], str] = {}
        self._pages: dict[str, _Page] = {}
        self._counter = 0
        app = Flask(__name__)
        self._oauth = self._build_oauth(app)
        self._add_routes(app)
        super().__init__(app=app)
        # The base serves with serve_forever's default 0.5 s poll, which makes every stop() take
        # half a second; a shorter poll keeps suites that start a stand-in per test fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.revoke_url = self.base_url + "/revoke"

    # -- what tests ask of it ----------------------------------------------------------------

    def settings(self) -> dict[str, str]:
        """The RENDEZVOUS_GOOGLE_* settings that point Rendezvous at this stand-in."""
        return {
            "RENDEZVOUS_GOOGLE_CLIENT_ID": self.client_id,
            "RENDEZVOUS_GOOGLE_CLIENT_SECRET": self.client_secret,
            "RENDEZVOUS_GOOGLE_AUTH_URL": self.base_url + "/o/oauth2/v2/auth",
            "RENDEZVOUS_GOOGLE_TOKEN_URL": self.base_url + "/token",
            "RENDEZVOUS_GOOGLE_API_BASE": self.base_url + "/calendar/v3",
        }

    def add_user(self, email: str) -> None:
        """A Google account with its primary calendar (id and summary: the email) and signed in."""
        with self._state:
            user = self._users.setdefault(email, _User(email))
            user.calendars.setdefault(
                email, _Calendar(email, email, "owner", "Europe/Paris", primary=True)
            )
            self._signed_in = email

    def add_calendar(
        self,
        email: str,
        calendar_id: str,
        summary: str,
        *,
        access_role: str = "owner",
        time_zone: str = "Europe/Paris",
    ) -> None:
        """Another calendar in the user's calendar list (``reader`` and ``freeBusyReader`` ones
        can't be written)."""
        if access_role not in _ACCESS_ROLES:
            raise ValueError(f"unknown accessRole {access_role!r}")
        _zone(time_zone)
        with self._state:
            self._user(email).calendars[calendar_id] = _Calendar(
                calendar_id, summary, access_role, time_zone, primary=False
            )

    def sign_in(self, email: str) -> None:
        """The account the consent page grants for (by default the last user added)."""
        with self._state:
            self._user(email)
            self._signed_in = email

    def put_event(self, email: str, calendar_id: str, event: dict[str, Any]) -> dict[str, Any]:
        """Create or replace (by ``event["id"]``) an event as if made in Google Calendar; returns
        it as the API would. Organizer and creator default to the calendar."""
        with self._state:
            calendar = self._calendar(email, calendar_id)
            body = copy.deepcopy(event)
            event_id = body.get("id") or _event_id()
            body["id"] = event_id
            existing = calendar.events.get(event_id)
            stored = self._normalize(email, calendar, body, existing, trusted=True)
            self._store(email, calendar, stored, existing)
            return self._render(calendar, stored, calendar.zone)

    def delete_event(self, email: str, calendar_id: str, event_id: str) -> None:
        """Cancel an event (kept, status ``cancelled``, so incremental syncs report it)."""
        with self._state:
            calendar = self._calendar(email, calendar_id)
            if event_id not in calendar.events:
                raise KeyError(event_id)
            stored = copy.deepcopy(calendar.events[event_id])
            stored["status"] = "cancelled"
            self._store(email, calendar, stored, calendar.events[event_id])

    def events(
        self, email: str, calendar_id: str, *, include_cancelled: bool = False
    ) -> list[dict[str, Any]]:
        """The calendar's events as the API renders them, by start."""
        with self._state:
            calendar = self._calendar(email, calendar_id)
            return [
                self._render(calendar, ev, calendar.zone)
                for ev in self._by_start(calendar, calendar.events.values())
                if include_cancelled or ev["status"] != "cancelled"
            ]

    def expire_access_tokens(self) -> None:
        """Every access token issued so far now answers 401 (refresh tokens still work)."""
        with self._state:
            for token in self._access_tokens.values():
                token.expired = True

    def revoke_grants(self, email: str) -> None:
        """The user removed Rendezvous from their Google account: every token of theirs dies."""
        with self._state:
            for grant in self._grants:
                if grant.user == email:
                    grant.revoked = True

    def expire_sync_tokens(self) -> None:
        """Every sync token issued so far answers 410 ``fullSyncRequired``."""
        with self._state:
            for token in self._sync_tokens.values():
                token.expired = True
            self._sync_token_by_point.clear()

    # -- failures in Google's shape ----------------------------------------------------------

    def _failure_response(self, failure: Injected) -> Response:  # type: ignore[override]
        """The base's injected failure, with a body like Google's for that status."""
        if failure.body is not None:
            return StandIn._failure_response(failure)
        if request.path.startswith("/calendar/"):
            if failure.status in (403, 429):
                reason, message = "rateLimitExceeded", "Rate Limit Exceeded"
                domain = "usageLimits"
            elif failure.status >= 500:
                reason, message, domain = "backendError", "Backend Error", "global"
            else:
                reason, message, domain = "injected", "Injected by the test.", "global"
            body = _error(failure.status, reason, message, domain=domain).body
        else:
            error = "temporarily_unavailable" if failure.status >= 500 else "rate_limit_exceeded"
            body = {"error": error, "error_description": "Injected by the test."}
        return StandIn._failure_response(
            Injected(failure.status, 0, failure.path_contains, failure.retry_after, body)
        )

    # -- internals: users, tokens ----------------------------------------------------------------

    def _user(self, email: str) -> _User:
        try:
            return self._users[email]
        except KeyError:
            raise KeyError(f"no Google user {email!r}: call add_user first") from None

    def _calendar(self, email: str, calendar_id: str) -> _Calendar:
        user = self._user(email)
        calendar_id = email if calendar_id == "primary" else calendar_id
        try:
            return user.calendars[calendar_id]
        except KeyError:
            raise KeyError(f"{email} has no calendar {calendar_id!r}") from None

    def _has_live_refresh(self, user: str, client_id: str) -> bool:
        return any(
            g.user == user and g.client_id == client_id and g.refresh_token and not g.revoked
            for g in self._grants
        )

    def _save_token(self, token: dict[str, Any], oauth_request: Any) -> None:
        """authlib's ``save_token``: a code exchange makes a grant, a refresh reuses it."""
        grant: _Grant | None = oauth_request.refresh_token
        if grant is None:
            grant = _Grant(
                user=oauth_request.user,
                client_id=oauth_request.client.get_client_id(),
                scope=token.get("scope", ""),
                refresh_token=token.get("refresh_token"),
            )
            self._grants.append(grant)
            if grant.refresh_token:
                self._refresh_tokens[grant.refresh_token] = grant
        else:
            self.refresh_count += 1
        access = token["access_token"]
        self._access_tokens[access] = _AccessToken(
            access,
            grant,
            token.get("scope", grant.scope),
            time.time(),
            int(token.get("expires_in", self.access_token_lifetime)),
        )
        self.issued_access_tokens.append(access)

    def _build_oauth(self, app: Flask) -> _Server:
        server = _Server(app, query_client=self._query_client, save_token=self._save_token)
        server.stand_in = self
        server.register_token_generator(
            "default",
            BearerTokenGenerator(
                lambda **_: "ya29.standin-" + secrets.token_urlsafe(32),
                lambda **_: "1//standin-" + secrets.token_urlsafe(40),
                lambda client, grant_type: self.access_token_lifetime,
            ),
        )
        server.register_grant(_CodeGrant, [_RequiredS256(required=True)])
        server.register_grant(_RefreshGrant)
        server.register_client_auth_method(
            "google_unauthenticated", lambda query_client, req: self._client
        )
        server.register_endpoint(_Revocation)
        return server

    def _query_client(self, client_id: str) -> _Client | None:
        return self._client if client_id == self._client.client_id else None

    def _api_user(self, scopes: frozenset[str], method: str) -> str:
        """The user behind the request's Bearer token, or a 401/403 in Google's shape."""
        header = request.headers.get("Authorization")
        token = bearer_token()
        if not header:
            raise _unauthenticated(missing=True)
        access = self._access_tokens.get(token or "")
        if access is None or not access.alive():
            raise _unauthenticated(missing=False)
        if not scopes.intersection(access.scope.split()):
            raise _insufficient_scopes(method)
        return access.grant.user

    # -- internals: events -----------------------------------------------------------------------

    def _bump(self) -> int:
        self._counter += 1
        return self._counter

    def _store(
        self,
        email: str,
        calendar: _Calendar,
        stored: dict[str, Any],
        existing: dict[str, Any] | None,
    ) -> None:
        counter = self._bump()
        now = _now()
        stored["kind"] = "calendar#event"
        stored["etag"] = f'"{3_400_000_000_000_000 + counter}"'
        stored["created"] = existing["created"] if existing else _fmt_updated(now)
        stored["updated"] = _fmt_updated(now)
        eid = base64.urlsafe_b64encode(f"{stored['id']} {calendar.id}".encode()).decode()
        stored["htmlLink"] = "https://www.google.com/calendar/event?eid=" + eid.rstrip("=")
        calendar.events[stored["id"]] = stored
        calendar.changed[stored["id"]] = counter

    def _normalize(
        self,
        email: str,
        calendar: _Calendar,
        body: dict[str, Any],
        existing: dict[str, Any] | None,
        *,
        trusted: bool = False,
    ) -> dict[str, Any]:
        """A client's event body made into a stored event, validated as Google validates it;
        ``trusted`` (``put_event``) keeps the organizer/creator the test gives."""
        if not isinstance(body, dict):
            raise _bad_request("Parse Error", "parseError")
        for key in _READ_ONLY_EVENT_FIELDS:
            if not (trusted and key == "creator"):
                body.pop(key, None)
        if existing is not None:
            body["id"] = existing["id"]
            body["iCalUID"] = existing["iCalUID"]
        for key in ("start", "end"):
            if key not in body:
                raise _error(400, "required", f"Missing {key} time.")
        self._check_when(body["start"], "start")
        self._check_when(body["end"], "end")
        if ("date" in body["start"]) != ("date" in body["end"]):
            raise _bad_request("Start and end times must either both be date or both be dateTime.")
        if _when_instant(body["end"], calendar.zone) < _when_instant(body["start"], calendar.zone):
            raise _error(
                400,
                "timeRangeEmpty",
                "The specified time range is empty.",
                domain="calendar",
                location="end.dateTime",
                location_type="parameter",
            )
        if "originalStartTime" in body:
            self._check_when(body["originalStartTime"], "originalStartTime")
        body.setdefault("status", "confirmed")
        if body["status"] not in _EVENT_STATUSES:
            raise _error(
                400, "invalid", f"Invalid value for: {body['status']!r}", location="status"
            )
        body.setdefault("eventType", "default")
        if body["eventType"] not in _EVENT_TYPES:
            raise _error(400, "invalid", "Invalid event type.", location="eventType")
        if body.get("transparency", "opaque") not in ("opaque", "transparent"):
            raise _error(400, "invalid", "Invalid transparency value.", location="transparency")
        if "sequence" in body and not isinstance(body["sequence"], int):
            raise _error(400, "invalid", "Invalid sequence value.", location="sequence")
        body.setdefault("sequence", existing.get("sequence", 0) if existing else 0)
        body.setdefault("reminders", {"useDefault": True})
        if "iCalUID" not in body:
            body["iCalUID"] = f"{body.get('id') or ''}@google.com"
        organizer = {"email": calendar.id, "self": True}
        if not calendar.primary:
            organizer["displayName"] = calendar.summary
        if trusted and isinstance(body.get("organizer"), dict) and body["organizer"].get("email"):
            organizer = dict(body["organizer"])
            organizer["self"] = organizer["email"].lower() == calendar.id.lower()
            if not organizer["self"]:
                organizer.pop("self")
        elif existing is not None:
            organizer = existing["organizer"]
        body["organizer"] = organizer
        if not (trusted and isinstance(body.get("creator"), dict)):
            body["creator"] = existing["creator"] if existing else {"email": email, "self": True}
        if "attendees" in body:
            attendees = []
            for attendee in body["attendees"] or []:
                if not isinstance(attendee, dict) or not attendee.get("email"):
                    raise _error(400, "required", "Missing attendee email.", location="attendees")
                entry = {k: v for k, v in attendee.items() if k not in ("self", "organizer")}
                entry.setdefault("responseStatus", "needsAction")
                if entry["email"].lower() == organizer["email"].lower():
                    entry["organizer"] = True
                if entry["email"].lower() == calendar.id.lower():
                    entry["self"] = True
                attendees.append(entry)
            body["attendees"] = attendees
        return body

    @staticmethod
    def _check_when(when: Any, name: str) -> dict[str, Any]:
        if not isinstance(when, dict) or ("date" not in when and "dateTime" not in when):
            raise _error(400, "required", f"Missing {name} time.")
        if "timeZone" in when:
            try:
                _zone(when["timeZone"])
            except (ZoneInfoNotFoundError, ValueError, TypeError):
                raise _error(
                    400, "timeZoneInvalid", f"Invalid time zone definition for {name} time."
                ) from None
        if "date" in when:
            try:
                date.fromisoformat(when["date"])
            except (TypeError, ValueError):
                raise _bad_request() from None
            return when
        try:
            parsed = datetime.fromisoformat(when["dateTime"])
        except (TypeError, ValueError):
            raise _bad_request() from None
        if parsed.tzinfo is None and "timeZone" not in when:
            raise _error(400, "required", f"Missing time zone definition for {name} time.")
        return when

    def _render(self, calendar: _Calendar, stored: dict[str, Any], zone: tzinfo) -> dict[str, Any]:
        out = copy.deepcopy(stored)
        for key in ("start", "end", "originalStartTime"):
            when = out.get(key)
            if isinstance(when, dict) and "dateTime" in when:
                when["dateTime"] = _fmt_in_zone(_when_instant(when, calendar.zone), zone)
        order = ["kind", "etag", "id", "status", "htmlLink", "created", "updated"]
        return {k: out[k] for k in order if k in out} | {
            k: v for k, v in out.items() if k not in order
        }

    def _render_listed(
        self, calendar: _Calendar, stored: dict[str, Any], zone: tzinfo
    ) -> dict[str, Any]:
        """An event in a list: cancelled ones reduced to what Google keeps of them."""
        if stored["status"] == "cancelled":
            keep = ("kind", "etag", "id", "status", "recurringEventId", "originalStartTime")
            rendered = self._render(calendar, stored, zone)
            return {k: rendered[k] for k in keep if k in rendered}
        rendered = self._render(calendar, stored, zone)
        if calendar.access_role == "freeBusyReader":
            keep = ("kind", "etag", "id", "status", "start", "end")
            return {k: rendered[k] for k in keep if k in rendered}
        return rendered

    def _by_start(
        self, calendar: _Calendar, events: Iterable[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        return sorted(events, key=lambda ev: (_when_instant(ev["start"], calendar.zone), ev["id"]))

    def _sync_token_for(self, email: str, calendar: _Calendar, point: int) -> str:
        key = (email, calendar.id, point)
        token = self._sync_token_by_point.get(key)
        if token is None:
            token = base64.b64encode(secrets.token_bytes(18)).decode()
            self._sync_tokens[token] = _SyncToken(email, calendar.id, point)
            self._sync_token_by_point[key] = token
        return token

    def _api_calendar(self, email: str, calendar_id: str) -> _Calendar:
        user = self._users[email]
        calendar = user.calendars.get(email if calendar_id == "primary" else calendar_id)
        if calendar is None:
            raise _not_found()
        return calendar

    @staticmethod
    def _check_send_updates() -> None:
        value = request.args.get("sendUpdates")
        if value is not None and value not in _SEND_UPDATES:
            raise _error(
                400,
                "invalidParameter",
                f"Invalid value for: {value} is not a valid value",
                location="sendUpdates",
                location_type="parameter",
            )

    @staticmethod
    def _check_writable(calendar: _Calendar) -> None:
        if calendar.access_role not in _WRITE_ROLES:
            raise _error(
                403,
                "requiredAccessLevel",
                "You need to have writer access to this calendar.",
                domain="calendar",
            )

    @staticmethod
    def _check_if_match(stored: dict[str, Any]) -> None:
        wanted = request.headers.get("If-Match")
        if wanted and wanted != "*" and wanted != stored["etag"]:
            raise _error(
                412,
                "conditionNotMet",
                "Precondition Failed",
                location="If-Match",
                location_type="header",
            )

    @staticmethod
    def _response_zone(calendar: _Calendar) -> tzinfo:
        name = request.args.get("timeZone")
        if not name:
            return calendar.zone
        try:
            return _zone(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise _error(400, "timeZoneInvalid", "Invalid time zone definition.") from None

    # -- routes ----------------------------------------------------------------------------------

    def _add_routes(self, app: Flask) -> None:
        def locked(view: Callable[..., Response]) -> Callable[..., Response]:
            @wraps(view)
            def wrapper(*args: Any, **kwargs: Any) -> Response:
                with self._state:
                    return view(*args, **kwargs)

            return wrapper

        @app.errorhandler(_ApiError)
        def api_error(error: _ApiError) -> Response:
            return _json(error.body, error.code, error.headers)

        app.add_url_rule(
            "/o/oauth2/v2/auth", "authorize", locked(self._authorize), methods=["GET", "POST"]
        )
        app.add_url_rule("/token", "token", locked(self._token), methods=["POST"])
        app.add_url_rule("/revoke", "revoke", locked(self._revoke), methods=["POST"])
        api = "/calendar/v3"
        routes: list[tuple[str, str, Callable[..., Response], list[str]]] = [
            ("/users/me/calendarList", "calendar_list", self._calendar_list, ["GET"]),
            (
                "/users/me/calendarList/<path:calendar_id>",
                "calendar_list_get",
                self._calendar_list_get,
                ["GET"],
            ),
            ("/calendars/<calendar_id>", "calendar_get", self._calendar_get, ["GET"]),
            ("/calendars/<calendar_id>/events", "events_list", self._events_list, ["GET"]),
            ("/calendars/<calendar_id>/events", "events_insert", self._events_insert, ["POST"]),
            ("/calendars/<calendar_id>/events/<event_id>", "events_get", self._events_get, ["GET"]),
            (
                "/calendars/<calendar_id>/events/<event_id>",
                "events_write",
                self._events_write,
                ["PATCH", "PUT"],
            ),
            (
                "/calendars/<calendar_id>/events/<event_id>",
                "events_delete",
                self._events_delete,
                ["DELETE"],
            ),
            ("/freeBusy", "freebusy", self._freebusy, ["POST"]),
        ]
        for rule, name, view, methods in routes:
            app.add_url_rule(api + rule, name, locked(view), methods=methods)

    # -- OAuth views -------------------------------------------------------------------------

    def _error_page(self, error: str, description: str, status: int = 400) -> Response:
        page = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<title>Error – Google Accounts (stand-in)</title></head><body>"
            f"<h1>Access blocked: authorization error</h1><p id='error'>Error {status}: "
            f"{html.escape(error)}</p><p id='description'>{html.escape(description)}</p>"
            "</body></html>"
        )
        return Response(page, status=status, content_type="text/html; charset=utf-8")

    def _authorize(self) -> Response:
        """Google's consent screen; POST with ``decision=allow`` grants, anything else cancels."""
        email = request.form.get("account") if request.method == "POST" else self._signed_in
        if not email or email not in self._users:
            return self._error_page("invalid_request", "No Google account is signed in.")
        for required in ("response_type", "client_id", "redirect_uri", "scope"):
            if not request.values.get(required):
                return self._error_page(
                    "invalid_request", f"Missing required parameter: {required}"
                )
        try:
            grant = self._oauth.get_consent_grant(end_user=email)
        except OAuth2Error as error:
            if error.error == "invalid_client":
                return self._error_page("invalid_client", "The OAuth client was not found.", 401)
            if "Redirect URI" in (error.description or ""):
                return self._error_page(
                    "redirect_uri_mismatch",
                    "The redirect URI in the request does not match the ones authorized "
                    "for the OAuth client.",
                )
            return self._error_page(error.error, error.description or error.error)
        scopes = grant.request.scope.split()
        if request.method == "GET":
            return self._consent_page(email, scopes)
        if request.form.get("decision") != "allow":
            params = [("error", "access_denied")]
            if request.values.get("state"):
                params.append(("state", request.values["state"]))
            location = add_params_to_uri(grant.redirect_uri, params)
            return Response("", status=302, headers={"Location": location})
        return self._oauth.create_authorization_response(grant=grant, grant_user=email)

    def _consent_page(self, email: str, scopes: list[str]) -> Response:
        action = html.escape(request.path + "?" + urlencode(list(request.args.items(multi=True))))
        items = "".join(f"<li class='scope'>{html.escape(s)}</li>" for s in scopes)
        page = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<title>Sign in – Google Accounts (stand-in)</title></head><body>"
            "<h1>Rendezvous wants access to your Google Account</h1>"
            f"<p id='account'>{html.escape(email)}</p>"
            f"<p>This will allow Rendezvous to:</p><ul id='scopes'>{items}</ul>"
            f"<form method='post' action='{action}'>"
            f"<input type='hidden' name='account' value='{html.escape(email)}'>"
            "<button type='submit' name='decision' value='cancel'>Cancel</button>"
            "<button type='submit' name='decision' value='allow'>Allow</button>"
            "</form></body></html>"
        )
        return Response(page, status=200, content_type="text/html; charset=utf-8")

    def _token(self) -> Response:
        return self._oauth.create_token_response()

    def _revoke(self) -> Response:
        return self._oauth.create_endpoint_response("revocation")

    # -- Calendar views ----------------------------------------------------------------------

    def _calendar_list_entry(self, calendar: _Calendar) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "kind": "calendar#calendarListEntry",
            "etag": f'"{abs(hash((calendar.id, calendar.summary))) % 10**16:016d}"',
            "id": calendar.id,
            "summary": calendar.summary,
            "timeZone": calendar.time_zone,
            "colorId": "14",
            "backgroundColor": "#9fe1e7",
            "foregroundColor": "#000000",
            "selected": True,
            "accessRole": calendar.access_role,
            "defaultReminders": [],
        }
        if calendar.primary:
            entry["primary"] = True
        return entry

    def _calendar_list(self) -> Response:
        email = self._api_user(_CALENDAR_LIST_SCOPES, "calendar.v3.CalendarList.List")
        items = [self._calendar_list_entry(c) for c in self._users[email].calendars.values()]
        body = {
            "kind": "calendar#calendarList",
            "etag": f'"{3_400_000_000_000_000 + len(items)}"',
            "items": items,
        }
        return _json(body)

    def _calendar_list_get(self, calendar_id: str) -> Response:
        email = self._api_user(_CALENDAR_LIST_SCOPES, "calendar.v3.CalendarList.Get")
        return _json(self._calendar_list_entry(self._api_calendar(email, calendar_id)))

    def _calendar_get(self, calendar_id: str) -> Response:
        email = self._api_user(_CALENDAR_GET_SCOPES, "calendar.v3.Calendars.Get")
        calendar = self._api_calendar(email, calendar_id)
        return _json(
            {
                "kind": "calendar#calendar",
                "etag": f'"{abs(hash(calendar.id)) % 10**16:016d}"',
                "id": calendar.id,
                "summary": calendar.summary,
                "timeZone": calendar.time_zone,
            }
        )

    def _list_matches(self, calendar: _Calendar) -> list[dict[str, Any]]:
        """A full (non-incremental) list's events, filtered and ordered as Google does."""
        args = request.args
        time_min = self._time_arg("timeMin")
        time_max = self._time_arg("timeMax")
        if time_min and time_max and time_max <= time_min:
            raise _error(
                400,
                "timeRangeEmpty",
                "The specified time range is empty.",
                domain="calendar",
                location="timeMax",
                location_type="parameter",
            )
        updated_min = self._time_arg("updatedMin")
        show_deleted = _bool_arg("showDeleted") or False
        single = _bool_arg("singleEvents") or False
        order_by = args.get("orderBy")
        if order_by not in (None, "startTime", "updated"):
            raise _error(
                400, "invalidParameter", f"Invalid value for: {order_by} is not a valid value"
            )
        if order_by == "startTime" and not single:
            raise _bad_request("The requested ordering is not available for the particular query.")
        private = [p.split("=", 1) for p in args.getlist("privateExtendedProperty")]
        shared = [p.split("=", 1) for p in args.getlist("sharedExtendedProperty")]
        if any(len(p) != 2 for p in private + shared):
            raise _bad_request()
        ical_uid = args.get("iCalUID")
        query = (args.get("q") or "").lower()
        event_types = set(args.getlist("eventTypes"))
        matches = []
        for ev in calendar.events.values():
            if ev["status"] == "cancelled" and not (
                show_deleted or (not single and "recurringEventId" in ev)
            ):
                continue
            if ical_uid is not None and ev.get("iCalUID") != ical_uid:
                continue
            props = ev.get("extendedProperties") or {}
            if any((props.get("private") or {}).get(k) != v for k, v in private):
                continue
            if any((props.get("shared") or {}).get(k) != v for k, v in shared):
                continue
            if event_types and ev.get("eventType", "default") not in event_types:
                continue
            if query and not any(
                query in str(ev.get(k, "")).lower() for k in ("summary", "description", "location")
            ):
                continue
            if time_min and _when_instant(ev["end"], calendar.zone) <= time_min:
                continue
            if time_max and _when_instant(ev["start"], calendar.zone) >= time_max:
                continue
            if updated_min and datetime.fromisoformat(ev["updated"]) < updated_min:
                continue
            matches.append(ev)
        if order_by == "updated":
            return sorted(matches, key=lambda ev: (ev["updated"], ev["id"]))
        return self._by_start(calendar, matches)

    @staticmethod
    def _time_arg(name: str) -> datetime | None:
        value = request.args.get(name)
        if value is None:
            return None
        parsed = _parse_instant(value)
        if parsed is None:
            raise _bad_request()
        return parsed

    @staticmethod
    def _max_results() -> int:
        value = request.args.get("maxResults", "250")
        try:
            number = int(value)
        except ValueError:
            raise _error(400, "invalidParameter", f"Invalid value '{value}'.") from None
        if number < 1:
            raise _error(400, "invalid", "Invalid max results value.", location="maxResults")
        return min(number, 2500)

    def _events_list(self, calendar_id: str) -> Response:
        email = self._api_user(_EVENTS_READ_SCOPES, "calendar.v3.Events.List")
        calendar = self._api_calendar(email, calendar_id)
        zone = self._response_zone(calendar)
        size = self._max_results()
        page_token = request.args.get("pageToken")
        sync_token = request.args.get("syncToken")
        if page_token:
            page = self._pages.get(page_token)
            if page is None or page.user != email or page.calendar_id != calendar.id:
                raise _error(400, "invalid", "Invalid page token value.", location="pageToken")
        elif sync_token:
            if any(name in request.args for name in _NOT_WITH_SYNC_TOKEN) or (
                _bool_arg("showDeleted") is False
            ):
                raise _error(
                    400,
                    "invalid",
                    "Sync token cannot be used with other request restrictions.",
                    location="syncToken",
                    location_type="parameter",
                )
            known = self._sync_tokens.get(sync_token)
            if (
                known is None
                or known.expired
                or known.user != email
                or known.calendar_id != calendar.id
            ):
                raise _error(
                    410,
                    "fullSyncRequired",
                    "Sync token is no longer valid, a full sync is required.",
                )
            changed = sorted((c, i) for i, c in calendar.changed.items() if c > known.since)
            page = _Page(email, calendar.id, [i for _, i in changed], 0, self._counter, True, zone)
        else:
            ids = [ev["id"] for ev in self._list_matches(calendar)]
            page = _Page(email, calendar.id, ids, 0, self._counter, False, zone)
        chunk = page.ids[page.offset : page.offset + size]
        items = [
            self._render_listed(calendar, calendar.events[i], page.zone)
            for i in chunk
            if i in calendar.events
        ]
        updated = max((ev["updated"] for ev in calendar.events.values()), default=None)
        body: dict[str, Any] = {
            "kind": "calendar#events",
            "etag": f'"p{3_400_000_000_000_000 + page.sync_base}"',
            "summary": calendar.summary,
            "description": "",
            "updated": updated or _fmt_updated(_now()),
            "timeZone": calendar.time_zone,
            "accessRole": calendar.access_role,
            "defaultReminders": [],
        }
        if page.offset + size < len(page.ids):
            next_token = secrets.token_urlsafe(18)
            self._pages[next_token] = _Page(
                page.user,
                page.calendar_id,
                page.ids,
                page.offset + size,
                page.sync_base,
                page.incremental,
                page.zone,
            )
            body["nextPageToken"] = next_token
        else:
            body["nextSyncToken"] = self._sync_token_for(email, calendar, page.sync_base)
        body["items"] = items
        return _json(body)

    def _events_get(self, calendar_id: str, event_id: str) -> Response:
        email = self._api_user(_EVENTS_READ_SCOPES, "calendar.v3.Events.Get")
        calendar = self._api_calendar(email, calendar_id)
        stored = calendar.events.get(event_id)
        if stored is None:
            raise _not_found()
        zone = self._response_zone(calendar)
        if calendar.access_role == "freeBusyReader":
            return _json(self._render_listed(calendar, stored, zone))
        return _json(self._render(calendar, stored, zone))

    def _body(self) -> dict[str, Any]:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise _bad_request("Parse Error", "parseError")
        return body

    def _events_insert(self, calendar_id: str) -> Response:
        email = self._api_user(_EVENTS_WRITE_SCOPES, "calendar.v3.Events.Insert")
        calendar = self._api_calendar(email, calendar_id)
        self._check_send_updates()
        self._check_writable(calendar)
        body = self._body()
        wanted_id = body.get("id")
        if wanted_id is not None:
            if not (
                isinstance(wanted_id, str)
                and 5 <= len(wanted_id) <= 1024
                and all(ch in _BASE32HEX for ch in wanted_id)
            ):
                raise _error(400, "invalid", "Invalid resource id value.")
            if wanted_id in calendar.events:
                raise _error(409, "duplicate", "The requested identifier already exists.")
        ical_uid = body.get("iCalUID")
        if ical_uid and any(
            ev.get("iCalUID") == ical_uid and ev["status"] != "cancelled"
            for ev in calendar.events.values()
        ):
            raise _error(409, "duplicate", "The requested identifier already exists.")
        event_id = wanted_id or _event_id()
        body["id"] = event_id
        stored = self._normalize(email, calendar, body, None)
        self._store(email, calendar, stored, None)
        return _json(self._render(calendar, stored, self._response_zone(calendar)))

    def _events_write(self, calendar_id: str, event_id: str) -> Response:
        method = "Patch" if request.method == "PATCH" else "Update"
        email = self._api_user(_EVENTS_WRITE_SCOPES, f"calendar.v3.Events.{method}")
        calendar = self._api_calendar(email, calendar_id)
        self._check_send_updates()
        existing = calendar.events.get(event_id)
        if existing is None:
            raise _not_found()
        self._check_writable(calendar)
        self._check_if_match(existing)
        body = self._body()
        if request.method == "PATCH":
            merged = copy.deepcopy(existing)
            _merge_patch(merged, body)
            merged.setdefault("sequence", existing.get("sequence", 0))
            stored = self._normalize(email, calendar, merged, existing)
        else:
            body.setdefault("status", "confirmed")
            stored = self._normalize(email, calendar, body, existing)
        self._store(email, calendar, stored, existing)
        return _json(self._render(calendar, stored, self._response_zone(calendar)))

    def _events_delete(self, calendar_id: str, event_id: str) -> Response:
        email = self._api_user(_EVENTS_WRITE_SCOPES, "calendar.v3.Events.Delete")
        calendar = self._api_calendar(email, calendar_id)
        self._check_send_updates()
        existing = calendar.events.get(event_id)
        if existing is None:
            raise _not_found()
        self._check_writable(calendar)
        if existing["status"] == "cancelled":
            raise _error(410, "deleted", "Resource has been deleted")
        self._check_if_match(existing)
        stored = copy.deepcopy(existing)
        stored["status"] = "cancelled"
        self._store(email, calendar, stored, existing)
        return Response(status=204)

    def _freebusy(self) -> Response:
        email = self._api_user(_FREEBUSY_SCOPES, "calendar.v3.Freebusy.Query")
        body = self._body()
        for name in ("timeMin", "timeMax"):
            if name not in body:
                raise _error(400, "required", f"Missing {name} parameter.")
        time_min = _parse_instant(body["timeMin"])
        time_max = _parse_instant(body["timeMax"])
        if time_min is None or time_max is None:
            raise _bad_request()
        if time_max <= time_min:
            raise _error(
                400, "timeRangeEmpty", "The specified time range is empty.", domain="calendar"
            )
        zone: tzinfo = UTC
        if body.get("timeZone"):
            try:
                zone = _zone(body["timeZone"])
            except (ZoneInfoNotFoundError, ValueError, TypeError):
                raise _error(400, "timeZoneInvalid", "Invalid time zone definition.") from None
        calendars: dict[str, Any] = {}
        for item in body.get("items") or []:
            calendar_id = item.get("id") if isinstance(item, dict) else None
            if not calendar_id:
                continue
            user = self._users[email]
            calendar = user.calendars.get(email if calendar_id == "primary" else calendar_id)
            if calendar is None:
                calendars[calendar_id] = {
                    "errors": [{"domain": "global", "reason": "notFound"}],
                    "busy": [],
                }
                continue
            busy = _merge_intervals(
                (max(start, time_min), min(end, time_max))
                for start, end in self._busy(calendar)
                if end > time_min and start < time_max
            )
            fmt = _fmt_utc if zone is UTC else (lambda t: _fmt_in_zone(t, zone))
            calendars[calendar_id] = {
                "busy": [{"start": fmt(s), "end": fmt(e)} for s, e in busy if e > s]
            }
        return _json(
            {
                "kind": "calendar#freeBusy",
                "timeMin": _fmt_updated(time_min),
                "timeMax": _fmt_updated(time_max),
                "calendars": calendars,
            }
        )

    @staticmethod
    def _busy(calendar: _Calendar) -> Iterable[tuple[datetime, datetime]]:
        for ev in calendar.events.values():
            if ev["status"] == "cancelled" or ev.get("transparency") == "transparent":
                continue
            if ev.get("eventType") == "workingLocation":
                continue
            if any(
                a.get("self") and a.get("responseStatus") == "declined"
                for a in ev.get("attendees") or []
            ):
                continue
            yield (
                _when_instant(ev["start"], calendar.zone),
                _when_instant(ev["end"], calendar.zone),
            )
