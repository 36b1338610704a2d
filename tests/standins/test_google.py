"""The Google stand-in's self-test: driven over real HTTP with ``requests`` (and authlib's
OAuth2Session for the code exchange), so what Rendezvous will meet is what is checked here.
Fixed 2027 dates; the host's calendars are in Europe/Paris (UTC+1 in January)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

from tests.standins.google import GoogleStandIn

HOST = "host@example.com"
REDIRECT = "http://127.0.0.1:5999/oauth/google/callback"
CALENDAR = "https://www.googleapis.com/auth/calendar"
EVENTS = "https://www.googleapis.com/auth/calendar.events"


@pytest.fixture
def google() -> Iterator[GoogleStandIn]:
    with GoogleStandIn() as stand_in:
        stand_in.add_user(HOST)
        yield stand_in


# -- helpers -------------------------------------------------------------------------------------


class _Form(HTMLParser):
    """The consent page's form: its action, hidden inputs and buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.action = ""
        self.hidden: dict[str, str] = {}
        self.buttons: dict[str, tuple[str, str]] = {}
        self._in: str | None = None
        self._button: tuple[str, str] = ("", "")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = a["action"]
        elif tag == "input" and a.get("type") == "hidden":
            self.hidden[a["name"]] = a["value"]
        elif tag in ("button", "title"):
            self._in = tag
            self._button = (a.get("name", ""), a.get("value", ""))

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "button":
            self.buttons[data.strip()] = self._button

    def handle_endtag(self, tag: str) -> None:
        self._in = None


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _auth_params(challenge: str | None, scope: str = CALENDAR, **extra: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": GoogleStandIn.client_id,
        "redirect_uri": REDIRECT,
        "scope": scope,
        "state": "st4te",
        "access_type": "offline",
        "prompt": "consent",
    } | extra
    if challenge:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    return params


def _consent(google: GoogleStandIn, params: dict[str, str], button: str = "Allow") -> dict:
    """GET the consent page, press ``button``; the redirect's query (never followed)."""
    page = requests.get(google.settings()["RENDEZVOUS_GOOGLE_AUTH_URL"], params=params)
    assert page.status_code == 200, page.text
    form = _Form()
    form.feed(page.text)
    name, value = form.buttons[button]
    answer = requests.post(
        urljoin(page.url, form.action), data=form.hidden | {name: value}, allow_redirects=False
    )
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def _connect(google: GoogleStandIn, scope: str = CALENDAR, **extra: str) -> dict[str, Any]:
    """The whole flow: consent, then the code exchange (client_secret_post)."""
    verifier, challenge = _pkce()
    code = _consent(google, _auth_params(challenge, scope, **extra))["code"]
    answer = requests.post(
        google.settings()["RENDEZVOUS_GOOGLE_TOKEN_URL"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
            "client_id": google.client_id,
            "client_secret": google.client_secret,
        },
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _refresh(google: GoogleStandIn, refresh_token: str) -> requests.Response:
    return requests.post(
        google.settings()["RENDEZVOUS_GOOGLE_TOKEN_URL"],
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(google.client_id, google.client_secret),
    )


def _api(google: GoogleStandIn, token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def _events_url(google: GoogleStandIn, calendar: str = HOST) -> str:
    return f"{google.settings()['RENDEZVOUS_GOOGLE_API_BASE']}/calendars/{calendar}/events"


def _timed(start: str, end: str, **fields: Any) -> dict[str, Any]:
    return {"start": {"dateTime": start}, "end": {"dateTime": end}} | fields


# -- OAuth ---------------------------------------------------------------------------------------


def test_consent_page_grants_with_code_and_state_and_a_standard_client_exchanges_it(
    google: GoogleStandIn,
) -> None:
    settings = google.settings()
    assert settings["RENDEZVOUS_GOOGLE_AUTH_URL"] == google.base_url + "/o/oauth2/v2/auth"
    assert google.revoke_url == google.base_url + "/revoke"
    client = OAuth2Session(
        google.client_id,
        google.client_secret,
        scope=CALENDAR,
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    verifier = secrets.token_urlsafe(48)
    url, state = client.create_authorization_url(
        settings["RENDEZVOUS_GOOGLE_AUTH_URL"],
        code_verifier=verifier,
        access_type="offline",
        prompt="consent",
    )
    page = requests.get(url)
    form = _Form()
    form.feed(page.text)
    assert form.title == "Sign in – Google Accounts (stand-in)"
    assert HOST in page.text and CALENDAR in page.text
    assert set(form.buttons) == {"Allow", "Cancel"}

    name, value = form.buttons["Allow"]
    answer = requests.post(
        urljoin(page.url, form.action), data=form.hidden | {name: value}, allow_redirects=False
    )
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == [state] and query["code"]

    token = client.fetch_token(
        settings["RENDEZVOUS_GOOGLE_TOKEN_URL"],
        authorization_response=answer.headers["Location"],
        code_verifier=verifier,
    )
    assert token["token_type"] == "Bearer" and token["scope"] == CALENDAR
    assert token["expires_in"] == 3600 and token["refresh_token"]
    assert google.issued_access_tokens == [token["access_token"]]


def test_cancel_redirects_with_access_denied_and_state(google: GoogleStandIn) -> None:
    _, challenge = _pkce()
    assert _consent(google, _auth_params(challenge), "Cancel") == {
        "error": "access_denied",
        "state": "st4te",
    }


def test_pkce_is_required_and_s256_only(google: GoogleStandIn) -> None:
    auth_url = google.settings()["RENDEZVOUS_GOOGLE_AUTH_URL"]
    without = requests.get(auth_url, params=_auth_params(None), allow_redirects=False)
    assert without.status_code == 400 and "invalid_request" in without.text
    _, challenge = _pkce()
    plain = _auth_params(None) | {"code_challenge": challenge, "code_challenge_method": "plain"}
    assert requests.get(auth_url, params=plain, allow_redirects=False).status_code == 400
    elsewhere = _auth_params(challenge) | {"redirect_uri": "https://evil.example/cb"}
    answer = requests.get(auth_url, params=elsewhere, allow_redirects=False)
    assert answer.status_code == 400 and "redirect_uri_mismatch" in answer.text


def test_code_exchange_checks_verifier_secret_and_single_use(google: GoogleStandIn) -> None:
    token_url = google.settings()["RENDEZVOUS_GOOGLE_TOKEN_URL"]
    verifier, challenge = _pkce()
    code = _consent(google, _auth_params(challenge))["code"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    auth = (google.client_id, google.client_secret)

    wrong = requests.post(token_url, data=form | {"code_verifier": _pkce()[0]}, auth=auth)
    assert (wrong.status_code, wrong.json()) == (
        400,
        {"error": "invalid_grant", "error_description": "Invalid code verifier."},
    )
    bad_secret = requests.post(
        token_url, data=form | {"code_verifier": verifier}, auth=(google.client_id, "nope")
    )
    assert bad_secret.status_code == 401 and bad_secret.json()["error"] == "invalid_client"

    good = requests.post(token_url, data=form | {"code_verifier": verifier}, auth=auth)
    assert good.status_code == 200 and good.json()["refresh_token"]
    again = requests.post(token_url, data=form | {"code_verifier": verifier}, auth=auth)
    assert again.json() == {"error": "invalid_grant", "error_description": "Bad Request"}


def test_refresh_token_is_not_rotated_and_only_given_on_consent(google: GoogleStandIn) -> None:
    first = _connect(google)
    refreshed = _refresh(google, first["refresh_token"])
    assert refreshed.status_code == 200
    assert "refresh_token" not in refreshed.json()
    assert refreshed.json()["access_token"] != first["access_token"]
    assert _refresh(google, first["refresh_token"]).status_code == 200  # still valid
    assert google.refresh_count == 2
    assert len(google.issued_access_tokens) == 3

    # Google only hands a refresh token again when the app forces the consent screen.
    assert "refresh_token" not in _connect(google, prompt="select_account")
    assert "refresh_token" not in _connect(google, access_type="online")


def test_revoke_kills_the_grant(google: GoogleStandIn) -> None:
    token = _connect(google)
    answer = requests.post(google.revoke_url, params={"token": token["access_token"]})
    assert answer.status_code == 200
    dead = _refresh(google, token["refresh_token"])
    assert (dead.status_code, dead.json()) == (
        400,
        {"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
    )
    listing = _api(google, token["access_token"]).get(_events_url(google))
    assert listing.status_code == 401
    again = requests.post(google.revoke_url, data={"token": token["refresh_token"]})
    assert again.status_code == 400 and again.json()["error"] == "invalid_token"

    other = _connect(google)
    google.revoke_grants(HOST)
    assert _refresh(google, other["refresh_token"]).json()["error"] == "invalid_grant"


def test_expired_access_tokens_answer_401_in_googles_shape(google: GoogleStandIn) -> None:
    token = _connect(google)
    api = _api(google, token["access_token"])
    assert api.get(_events_url(google)).status_code == 200
    google.expire_access_tokens()
    answer = api.get(_events_url(google))
    assert answer.status_code == 401
    error = answer.json()["error"]
    assert error["status"] == "UNAUTHENTICATED" and error["code"] == 401
    assert error["message"].startswith("Request had invalid authentication credentials.")
    assert error["errors"] == [
        {
            "message": "Invalid Credentials",
            "domain": "global",
            "reason": "authError",
            "location": "Authorization",
            "locationType": "header",
        }
    ]
    fresh = _refresh(google, token["refresh_token"]).json()["access_token"]
    assert _api(google, fresh).get(_events_url(google)).status_code == 200


def test_access_tokens_expire_in_real_time() -> None:
    with GoogleStandIn(access_token_lifetime=1) as google:
        google.add_user(HOST)
        token = _connect(google)
        assert token["expires_in"] == 1
        time.sleep(1.1)
        assert _api(google, token["access_token"]).get(_events_url(google)).status_code == 401


def test_scopes_are_enforced_per_method(google: GoogleStandIn) -> None:
    api = _api(google, _connect(google, scope=EVENTS)["access_token"])
    assert api.get(_events_url(google)).status_code == 200
    answer = api.post(
        f"{google.settings()['RENDEZVOUS_GOOGLE_API_BASE']}/freeBusy",
        json={"timeMin": "2027-01-04T00:00:00Z", "timeMax": "2027-01-05T00:00:00Z"},
    )
    assert answer.status_code == 403
    assert answer.json()["error"]["errors"][0]["reason"] == "insufficientPermissions"


# -- Calendar ------------------------------------------------------------------------------------


@pytest.fixture
def api(google: GoogleStandIn) -> requests.Session:
    return _api(google, _connect(google)["access_token"])


def test_calendar_list(google: GoogleStandIn, api: requests.Session) -> None:
    google.add_calendar(HOST, "team@group.calendar.google.com", "Team", access_role="reader")
    answer = api.get(f"{google.settings()['RENDEZVOUS_GOOGLE_API_BASE']}/users/me/calendarList")
    body = answer.json()
    assert body["kind"] == "calendar#calendarList" and body["etag"]
    primary, team = body["items"]
    assert primary["kind"] == "calendar#calendarListEntry"
    assert (primary["id"], primary["summary"], primary["accessRole"], primary["primary"]) == (
        HOST,
        HOST,
        "owner",
        True,
    )
    assert primary["timeZone"] == "Europe/Paris"
    assert (team["id"], team["accessRole"]) == ("team@group.calendar.google.com", "reader")
    assert "primary" not in team


def test_full_list_pages_by_start_and_ends_with_a_sync_token(
    google: GoogleStandIn, api: requests.Session
) -> None:
    for day in (7, 5, 6, 4):
        google.put_event(
            HOST,
            HOST,
            _timed(f"2027-01-0{day}T09:00:00Z", f"2027-01-0{day}T10:00:00Z", summary=f"d{day}"),
        )
    google.put_event(HOST, HOST, _timed("2027-02-01T09:00:00Z", "2027-02-01T10:00:00Z"))
    gone = google.put_event(HOST, HOST, _timed("2027-01-05T12:00:00Z", "2027-01-05T13:00:00Z"))
    google.delete_event(HOST, HOST, gone["id"])

    window = {"timeMin": "2027-01-01T00:00:00+01:00", "timeMax": "2027-01-31T00:00:00+01:00"}
    params = window | {"singleEvents": "true", "maxResults": "3"}
    first = api.get(_events_url(google), params=params).json()
    assert first["kind"] == "calendar#events" and first["summary"] == HOST
    assert first["timeZone"] == "Europe/Paris" and first["accessRole"] == "owner"
    assert [e["summary"] for e in first["items"]] == ["d4", "d5", "d6"]
    assert first["items"][0]["start"] == {"dateTime": "2027-01-04T10:00:00+01:00"}
    assert "nextSyncToken" not in first
    second = api.get(_events_url(google), params=params | {"pageToken": first["nextPageToken"]})
    last = second.json()
    assert [e["summary"] for e in last["items"]] == ["d7"]
    assert "nextPageToken" not in last and last["nextSyncToken"]

    event = first["items"][0]
    assert event["kind"] == "calendar#event" and event["status"] == "confirmed"
    assert event["iCalUID"] == event["id"] + "@google.com" and event["etag"].startswith('"')
    assert event["htmlLink"] and event["updated"].endswith("Z") and event["sequence"] == 0

    deleted = api.get(_events_url(google), params=window | {"showDeleted": "true"}).json()
    assert gone["id"] in [e["id"] for e in deleted["items"]]


def test_incremental_sync_reports_changes_and_cancellations(
    google: GoogleStandIn, api: requests.Session
) -> None:
    kept = google.put_event(HOST, HOST, _timed("2027-01-04T09:00:00Z", "2027-01-04T10:00:00Z"))
    moved = google.put_event(HOST, HOST, _timed("2027-01-05T09:00:00Z", "2027-01-05T10:00:00Z"))
    dropped = google.put_event(HOST, HOST, _timed("2027-01-06T09:00:00Z", "2027-01-06T10:00:00Z"))
    token = api.get(_events_url(google)).json()["nextSyncToken"]

    google.put_event(HOST, HOST, moved | _timed("2027-01-05T14:00:00Z", "2027-01-05T15:00:00Z"))
    google.delete_event(HOST, HOST, dropped["id"])
    added = google.put_event(HOST, HOST, _timed("2027-03-01T09:00:00Z", "2027-03-01T10:00:00Z"))

    page = api.get(_events_url(google), params={"syncToken": token, "maxResults": "2"}).json()
    rest = api.get(
        _events_url(google),
        params={"syncToken": token, "maxResults": "2", "pageToken": page["nextPageToken"]},
    ).json()
    changes = {e["id"]: e for e in page["items"] + rest["items"]}
    assert set(changes) == {moved["id"], dropped["id"], added["id"]}
    assert kept["id"] not in changes
    assert changes[moved["id"]]["start"]["dateTime"] == "2027-01-05T15:00:00+01:00"
    assert changes[dropped["id"]] == {
        "kind": "calendar#event",
        "etag": changes[dropped["id"]]["etag"],
        "id": dropped["id"],
        "status": "cancelled",
    }
    quiet = api.get(_events_url(google), params={"syncToken": rest["nextSyncToken"]}).json()
    assert quiet["items"] == [] and quiet["nextSyncToken"]

    restricted = api.get(
        _events_url(google), params={"syncToken": token, "timeMin": "2027-01-01T00:00:00Z"}
    )
    assert restricted.status_code == 400


def test_expired_or_unknown_sync_tokens_answer_410(
    google: GoogleStandIn, api: requests.Session
) -> None:
    token = api.get(_events_url(google)).json()["nextSyncToken"]
    google.expire_sync_tokens()
    gone = {
        "error": {
            "errors": [
                {
                    "domain": "global",
                    "reason": "fullSyncRequired",
                    "message": "Sync token is no longer valid, a full sync is required.",
                }
            ],
            "code": 410,
            "message": "Sync token is no longer valid, a full sync is required.",
        }
    }
    for stale in (token, "1" + token):
        answer = api.get(_events_url(google), params={"syncToken": stale})
        assert (answer.status_code, answer.json()) == (410, gone)
    fresh = api.get(_events_url(google)).json()["nextSyncToken"]
    assert api.get(_events_url(google), params={"syncToken": fresh}).status_code == 200


def test_insert_answers_the_event_and_409_for_a_live_ical_uid(
    google: GoogleStandIn, api: requests.Session
) -> None:
    booking = _timed(
        "2027-01-04T10:00:00+01:00",
        "2027-01-04T10:30:00+01:00",
        summary="Intro call",
        iCalUID="booking-42@rendezvous.test",
        attendees=[{"email": HOST}, {"email": "guest@example.org"}],
        extendedProperties={"private": {"rendezvousBooking": "42"}},
    )
    created = api.post(_events_url(google), params={"sendUpdates": "none"}, json=booking)
    assert created.status_code == 200
    event = created.json()
    assert event["iCalUID"] == "booking-42@rendezvous.test" and event["status"] == "confirmed"
    assert event["organizer"] == {"email": HOST, "self": True}
    host, guest = event["attendees"]
    assert host["self"] is True and host["responseStatus"] == "needsAction"
    assert "self" not in guest
    assert google.requests_to("/events", "POST")[-1].query["sendUpdates"] == "none"

    again = api.post(_events_url(google), params={"sendUpdates": "none"}, json=booking)
    assert (again.status_code, again.json()) == (
        409,
        {
            "error": {
                "errors": [
                    {
                        "domain": "global",
                        "reason": "duplicate",
                        "message": "The requested identifier already exists.",
                    }
                ],
                "code": 409,
                "message": "The requested identifier already exists.",
            }
        },
    )
    found = api.get(
        _events_url(google), params={"privateExtendedProperty": "rendezvousBooking=42"}
    ).json()
    assert [e["id"] for e in found["items"]] == [event["id"]]

    google.add_calendar(HOST, "holidays@group.v.calendar.google.com", "H", access_role="reader")
    refused = api.post(_events_url(google, "holidays@group.v.calendar.google.com"), json=booking)
    assert refused.status_code == 403
    assert refused.json()["error"]["errors"][0]["reason"] == "requiredAccessLevel"


def test_patch_merges_and_keeps_the_sequence(google: GoogleStandIn, api: requests.Session) -> None:
    event = google.put_event(
        HOST,
        HOST,
        _timed("2027-01-04T09:00:00Z", "2027-01-04T10:00:00Z", summary="Call", sequence=2)
        | {"extendedProperties": {"private": {"a": "1"}}},
    )
    url = f"{_events_url(google)}/{event['id']}"
    patched = api.patch(
        url,
        params={"sendUpdates": "all"},
        json={"description": "moved", "extendedProperties": {"private": {"b": "2"}}},
    ).json()
    assert patched["summary"] == "Call" and patched["description"] == "moved"
    assert patched["extendedProperties"] == {"private": {"a": "1", "b": "2"}}
    assert patched["sequence"] == 2 and patched["etag"] != event["etag"]
    assert api.patch(url, json={"sequence": 3}).json()["sequence"] == 3
    assert api.patch(f"{_events_url(google)}/unknown0000", json={}).status_code == 404


def test_delete_then_delete_again_is_410(google: GoogleStandIn, api: requests.Session) -> None:
    event = google.put_event(HOST, HOST, _timed("2027-01-04T09:00:00Z", "2027-01-04T10:00:00Z"))
    url = f"{_events_url(google)}/{event['id']}"
    first = api.delete(url, params={"sendUpdates": "all"})
    assert first.status_code == 204 and first.content == b""
    assert google.events(HOST, HOST) == []
    assert google.events(HOST, HOST, include_cancelled=True)[0]["status"] == "cancelled"
    second = api.delete(url)
    assert (second.status_code, second.json()["error"]["errors"][0]["reason"]) == (410, "deleted")
    assert second.json()["error"]["message"] == "Resource has been deleted"
    assert api.delete(f"{_events_url(google)}/unknown0000").status_code == 404


def test_freebusy_counts_only_what_blocks_time(
    google: GoogleStandIn, api: requests.Session
) -> None:
    day = ("2027-01-04T{}:00:00Z", "2027-01-04T{}:00:00Z")
    google.put_event(HOST, HOST, _timed(day[0].format("08"), day[1].format("09")))
    google.put_event(HOST, HOST, _timed(day[0].format("09"), day[1].format("10")))  # touches
    google.put_event(
        HOST, HOST, _timed(day[0].format("11"), day[1].format("12"), transparency="transparent")
    )
    google.put_event(
        HOST,
        HOST,
        _timed(
            day[0].format("12"),
            day[1].format("13"),
            attendees=[{"email": HOST, "responseStatus": "declined"}],
            organizer={"email": "boss@example.org"},
        ),
    )
    google.put_event(
        HOST, HOST, _timed(day[0].format("14"), day[1].format("15"), eventType="workingLocation")
    )
    gone = google.put_event(HOST, HOST, _timed(day[0].format("15"), day[1].format("16")))
    google.delete_event(HOST, HOST, gone["id"])
    google.put_event(HOST, HOST, {"start": {"date": "2027-01-06"}, "end": {"date": "2027-01-07"}})

    answer = api.post(
        f"{google.settings()['RENDEZVOUS_GOOGLE_API_BASE']}/freeBusy",
        json={
            "timeMin": "2027-01-04T00:00:00Z",
            "timeMax": "2027-01-07T00:00:00Z",
            "items": [{"id": HOST}, {"id": "nobody@example.org"}],
        },
    ).json()
    assert answer["kind"] == "calendar#freeBusy"
    assert answer["timeMin"] == "2027-01-04T00:00:00.000Z"
    assert answer["calendars"][HOST] == {
        "busy": [
            {"start": "2027-01-04T08:00:00Z", "end": "2027-01-04T10:00:00Z"},
            # the all-day event, midnight to midnight in Europe/Paris
            {"start": "2027-01-05T23:00:00Z", "end": "2027-01-06T23:00:00Z"},
        ]
    }
    assert answer["calendars"]["nobody@example.org"] == {
        "errors": [{"domain": "global", "reason": "notFound"}],
        "busy": [],
    }


def test_injected_429_carries_retry_after(google: GoogleStandIn, api: requests.Session) -> None:
    google.fail_next(429, path_contains="/events", retry_after=7)
    throttled = api.get(_events_url(google))
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
    assert throttled.json()["error"]["errors"][0]["reason"] == "rateLimitExceeded"
    assert api.get(_events_url(google)).status_code == 200
    assert len(google.requests_to("/events", "GET")) == 2
