"""The Microsoft stand-in, driven over real HTTP the way Rendezvous will drive Entra ID and Graph:
consent with PKCE, code exchange, rotating refresh tokens, calendarView and its delta rounds,
event writes with transactionId, and the failures (401, 403, 404, 410, 429) it must answer in
Graph's own shapes."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from tests.standins.base import ConsentForm
from tests.standins.microsoft import MicrosoftStandIn

REDIRECT = "http://127.0.0.1:5999/calendars/microsoft/callback"
SCOPE = "offline_access Calendars.ReadWrite User.Read"
PARIS = "Europe/Paris"


@pytest.fixture
def ms() -> Iterator[MicrosoftStandIn]:
    with MicrosoftStandIn() as stand_in:
        stand_in.add_user("ada@contoso.example", "Ada Lovelace")
        yield stand_in


def default_calendar(ms: MicrosoftStandIn, email: str = "ada@contoso.example") -> str:
    return next(iter(ms._users[email].calendars))


def authorize(ms: MicrosoftStandIn, **overrides: str) -> tuple[requests.Response, str]:
    """GET the consent page; returns it and the PKCE verifier."""
    verifier = secrets.token_urlsafe(48)
    params = {
        "client_id": ms.client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "response_mode": "query",
        "scope": SCOPE,
        "state": "st-123",
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
        "prompt": "consent",
    }
    params.update(overrides)
    params = {k: v for k, v in params.items() if v != ""}
    authority = ms.settings()["RENDEZVOUS_MICROSOFT_AUTHORITY"]
    page = requests.get(f"{authority}/authorize?{urlencode(params)}", allow_redirects=False)
    return page, verifier


def press(ms: MicrosoftStandIn, page: requests.Response, button: str) -> dict[str, list[str]]:
    """Submit the consent form with the button whose text is ``button``; the redirect's query."""
    form = ConsentForm()
    form.feed(page.text)
    name, value = form.buttons[button]
    answer = requests.post(
        ms.base_url + form.action, data={**form.fields, name: value}, allow_redirects=False
    )
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    return parse_qs(urlsplit(location).query)


def token_request(ms: MicrosoftStandIn, **data: str) -> requests.Response:
    body = {"client_id": ms.client_id, "client_secret": ms.client_secret, **data}
    return requests.post(ms.settings()["RENDEZVOUS_MICROSOFT_AUTHORITY"] + "/token", data=body)


def connect(ms: MicrosoftStandIn, scope: str = SCOPE) -> dict[str, Any]:
    page, verifier = authorize(ms, scope=scope)
    code = press(ms, page, "Accept")["code"][0]
    answer = token_request(
        ms,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
        scope=scope,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


class Graph:
    """A tiny Graph client: base URL from the settings, bearer token, Prefer headers."""

    def __init__(self, ms: MicrosoftStandIn, token: str) -> None:
        self.base = ms.settings()["RENDEZVOUS_GRAPH_BASE"]
        self.token = token

    def __call__(self, method: str, url: str, prefer: str | None = None, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        if prefer:
            headers["Prefer"] = prefer
        full = url if url.startswith("http") else self.base + url
        return requests.request(method, full, headers=headers, **kw)


@pytest.fixture
def graph(ms: MicrosoftStandIn) -> Graph:
    return Graph(ms, connect(ms)["access_token"])


def event(subject: str, start: str, end: str, tz: str = "UTC", **more: Any) -> dict[str, Any]:
    return {
        "subject": subject,
        "start": {"dateTime": start, "timeZone": tz},
        "end": {"dateTime": end, "timeZone": tz},
        **more,
    }


def attendee(address: str) -> dict[str, Any]:
    return {"emailAddress": {"address": address, "name": address}, "type": "required"}


def delta_round(graph: Graph, url: str, prefer: str | None = None) -> tuple[list[dict], str, int]:
    """Follow nextLinks to the deltaLink: (items, deltaLink, pages)."""
    items, pages = [], 0
    while True:
        answer = graph("GET", url, prefer=prefer)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        pages += 1
        items += body["value"]
        if "@odata.deltaLink" in body:
            return items, body["@odata.deltaLink"], pages
        url = body["@odata.nextLink"]


# -- identity platform -----------------------------------------------------------------------------


def test_consent_page_then_accept_redirects_with_code_and_state(ms: MicrosoftStandIn) -> None:
    page, _ = authorize(ms)
    assert page.status_code == 200
    assert "<title>Sign in to your account (stand-in)</title>" in page.text
    assert "ada@contoso.example" in page.text
    for scope in SCOPE.split():
        assert f"<code>{scope}</code>" in page.text
    assert re.search(r"<button[^>]*>Accept</button>", page.text)
    assert re.search(r"<button[^>]*>Cancel</button>", page.text)
    query = press(ms, page, "Accept")
    assert query["state"] == ["st-123"] and len(query["code"][0]) > 20


def test_cancel_redirects_with_access_denied(ms: MicrosoftStandIn) -> None:
    page, _ = authorize(ms)
    query = press(ms, page, "Cancel")
    assert query["error"] == ["access_denied"]
    assert query["error_description"][0].startswith("AADSTS65004: ")
    assert query["state"] == ["st-123"] and "code" not in query


def test_unknown_redirect_uri_is_an_error_page_not_a_redirect(ms: MicrosoftStandIn) -> None:
    page, _ = authorize(ms, redirect_uri="https://evil.example/cb")
    assert page.status_code == 400 and "Location" not in page.headers
    assert "AADSTS50011" in page.text


def test_pkce_is_required(ms: MicrosoftStandIn) -> None:
    page, _ = authorize(ms, code_challenge="", code_challenge_method="")
    assert page.status_code == 302
    query = parse_qs(urlsplit(page.headers["Location"]).query)
    assert query["error"] == ["invalid_request"] and query["state"] == ["st-123"]
    assert query["error_description"][0].startswith("AADSTS")

    page, verifier = authorize(ms)
    code = press(ms, page, "Accept")["code"][0]
    base = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    missing = token_request(ms, **base)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    wrong = token_request(ms, **base, code_verifier=secrets.token_urlsafe(48))
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert wrong.json()["error_codes"] == [501481]


def test_code_exchange_answers_the_identity_platform_shape(ms: MicrosoftStandIn) -> None:
    page, verifier = authorize(ms)
    code = press(ms, page, "Accept")["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    answer = token_request(ms, **form, code_verifier=verifier)
    assert answer.status_code == 200
    token = answer.json()
    assert list(token) == [
        "token_type",
        "scope",
        "expires_in",
        "ext_expires_in",
        "access_token",
        "refresh_token",
    ]
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
    assert token["scope"] == "Calendars.ReadWrite User.Read"
    assert ms.issued_access_tokens == [token["access_token"]]

    again = token_request(ms, **form, code_verifier=verifier)
    error = again.json()
    assert again.status_code == 400 and error["error"] == "invalid_grant"
    assert error["error_codes"] == [54005]
    assert error["error_description"].startswith("AADSTS54005: ")
    assert {"timestamp", "trace_id", "correlation_id"} <= set(error)


def test_no_refresh_token_without_offline_access(ms: MicrosoftStandIn) -> None:
    token = connect(ms, scope="Calendars.ReadWrite User.Read")
    assert "refresh_token" not in token


def test_refresh_rotates_and_the_used_token_dies(ms: MicrosoftStandIn) -> None:
    first = connect(ms)
    second = token_request(ms, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second.status_code == 200
    fresh = second.json()
    assert fresh["refresh_token"] != first["refresh_token"]
    assert fresh["access_token"] != first["access_token"]
    assert ms.refresh_count == 1

    reused = token_request(ms, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    assert reused.json()["error_codes"] == [70000]
    assert reused.json()["error_description"].startswith("AADSTS70000: ")
    third = token_request(ms, grant_type="refresh_token", refresh_token=fresh["refresh_token"])
    assert third.status_code == 200 and ms.refresh_count == 2


def test_two_workers_racing_to_refresh_one_grant_have_one_winner(ms: MicrosoftStandIn) -> None:
    refresh_token = connect(ms)["refresh_token"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(
            pool.map(
                lambda _: (
                    token_request(
                        ms, grant_type="refresh_token", refresh_token=refresh_token
                    ).status_code
                ),
                range(4),
            )
        )
    assert sorted(answers) == [200, 400, 400, 400]


def test_revoked_grant_refuses_refresh_and_graph(ms: MicrosoftStandIn) -> None:
    token = connect(ms)
    graph = Graph(ms, token["access_token"])
    assert graph("GET", "/me").status_code == 200
    ms.revoke_grants("ada@contoso.example")
    refused = token_request(ms, grant_type="refresh_token", refresh_token=token["refresh_token"])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    answer = graph("GET", "/me")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_expired_access_tokens_get_401_and_refresh_recovers(ms: MicrosoftStandIn) -> None:
    token = connect(ms)
    graph = Graph(ms, token["access_token"])
    ms.expire_access_tokens()
    answer = graph("GET", "/me/calendars")
    assert answer.status_code == 401
    error = answer.json()["error"]
    assert error["code"] == "InvalidAuthenticationToken"
    assert error["message"] == "Access token has expired or is not yet valid."
    assert "request-id" in error["innerError"]
    fresh = token_request(ms, grant_type="refresh_token", refresh_token=token["refresh_token"])
    assert Graph(ms, fresh.json()["access_token"])("GET", "/me/calendars").status_code == 200


def test_access_tokens_expire_in_real_time() -> None:
    with MicrosoftStandIn(access_token_lifetime=1) as ms:
        ms.add_user("ada@contoso.example")
        token = connect(ms)
        assert token["expires_in"] == 1
        graph = Graph(ms, token["access_token"])
        assert graph("GET", "/me").status_code == 200
        time.sleep(1.1)
        assert graph("GET", "/me").status_code == 401


# -- Graph -----------------------------------------------------------------------------------------


def test_me_and_calendars(ms: MicrosoftStandIn, graph: Graph) -> None:
    shared = ms.add_calendar("ada@contoso.example", "Team", can_edit=False, owner="bob@x.example")
    me = graph("GET", "/me").json()
    assert me["mail"] == me["userPrincipalName"] == "ada@contoso.example"
    assert me["displayName"] == "Ada Lovelace" and me["id"] and me["@odata.context"]

    body = graph("GET", "/me/calendars").json()
    assert body["@odata.context"].endswith("/calendars")
    default, team = body["value"]
    assert default["name"] == "Calendar" and default["isDefaultCalendar"] is True
    assert default["canEdit"] is True and default["id"] == default_calendar(ms)
    assert default["owner"] == {"name": "Ada Lovelace", "address": "ada@contoso.example"}
    assert team["id"] == shared and team["canEdit"] is False and team["isDefaultCalendar"] is False
    assert set(default) == {
        "id",
        "name",
        "color",
        "hexColor",
        "isDefaultCalendar",
        "changeKey",
        "canShare",
        "canViewPrivateItems",
        "canEdit",
        "allowedOnlineMeetingProviders",
        "defaultOnlineMeetingProvider",
        "isTallyingResponses",
        "isRemovable",
        "owner",
    }


def test_put_event_fills_graph_defaults(ms: MicrosoftStandIn) -> None:
    cal = default_calendar(ms)
    stored = ms.put_event(
        "ada@contoso.example", cal, event("Dentist", "2027-03-15T14:00:00", "2027-03-15T15:00:00")
    )
    assert stored["id"].startswith("AAMk") and stored["iCalUId"] and stored["changeKey"]
    assert stored["type"] == "singleInstance" and stored["showAs"] == "busy"
    assert stored["isCancelled"] is False and stored["isAllDay"] is False
    assert stored["responseStatus"]["response"] == "organizer"
    assert stored["organizer"]["emailAddress"]["address"] == "ada@contoso.example"
    assert stored["start"] == {"dateTime": "2027-03-15T14:00:00.0000000", "timeZone": "UTC"}
    replaced = ms.put_event(
        "ada@contoso.example",
        cal,
        {**event("Dentist", "2027-03-15T16:00:00", "2027-03-15T17:00:00"), "id": stored["id"]},
    )
    assert replaced["changeKey"] != stored["changeKey"]
    assert [e["start"]["dateTime"] for e in ms.events("ada@contoso.example", cal)] == [
        "2027-03-15T16:00:00.0000000"
    ]


def test_calendar_view_window_order_select_and_paging(ms: MicrosoftStandIn, graph: Graph) -> None:
    cal = default_calendar(ms)
    put = ms.put_event
    put("ada@contoso.example", cal, event("before", "2027-03-15T08:00:00", "2027-03-15T09:00:00"))
    put("ada@contoso.example", cal, event("late", "2027-03-15T16:00:00", "2027-03-15T17:00:00"))
    put("ada@contoso.example", cal, event("early", "2027-03-15T09:30:00", "2027-03-15T10:00:00"))
    put("ada@contoso.example", cal, event("straddle", "2027-03-15T08:30:00", "2027-03-15T09:15:00"))
    put("ada@contoso.example", cal, event("after", "2027-03-15T18:00:00", "2027-03-15T19:00:00"))
    url = f"/me/calendars/{cal}/calendarView"
    window = "startDateTime=2027-03-15T09:00:00Z&endDateTime=2027-03-15T18:00:00Z"

    answer = graph("GET", f"{url}?{window}&$top=2&$select=subject,start,end")
    assert answer.status_code == 200
    first = answer.json()
    assert [e["subject"] for e in first["value"]] == ["straddle", "early"]
    assert set(first["value"][0]) == {"@odata.etag", "id", "subject", "start", "end"}
    assert first["@odata.nextLink"].startswith(ms.base_url + "/v1.0/")
    second = graph("GET", first["@odata.nextLink"]).json()
    assert [e["subject"] for e in second["value"]] == ["late"]
    assert "@odata.nextLink" not in second

    missing = graph("GET", url)
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "ErrorInvalidParameter"


def test_outlook_timezone_prefer(ms: MicrosoftStandIn, graph: Graph) -> None:
    cal = default_calendar(ms)
    created = graph(
        "POST",
        f"/me/calendars/{cal}/events",
        json=event("Lunch", "2027-03-15T12:00:00", "2027-03-15T13:00:00", tz=PARIS),
    ).json()
    ms.put_event(
        "ada@contoso.example",
        cal,
        event("Holiday", "2027-03-16T00:00:00", "2027-03-17T00:00:00", tz=PARIS, isAllDay=True),
    )
    assert created["start"] == {"dateTime": "2027-03-15T11:00:00.0000000", "timeZone": "UTC"}
    assert created["originalStartTimeZone"] == PARIS
    url = (
        f"/me/calendars/{cal}/calendarView"
        "?startDateTime=2027-03-15T00:00:00Z&endDateTime=2027-03-18T00:00:00Z"
    )
    answer = graph("GET", url, prefer=f'outlook.timezone="{PARIS}"')
    assert answer.headers["Preference-Applied"] == f'outlook.timezone="{PARIS}"'
    lunch, holiday = answer.json()["value"]
    assert lunch["start"] == {"dateTime": "2027-03-15T12:00:00.0000000", "timeZone": PARIS}
    # all-day events are midnight to midnight in whatever zone is asked for, as Graph answers them
    assert holiday["start"] == {"dateTime": "2027-03-16T00:00:00.0000000", "timeZone": PARIS}
    utc = graph("GET", url).json()["value"]
    assert utc[1]["end"] == {"dateTime": "2027-03-17T00:00:00.0000000", "timeZone": "UTC"}

    bad = graph(
        "POST",
        f"/me/calendars/{cal}/events",
        json=event("x", "2027-03-15T12:00:00", "2027-03-15T13:00:00", tz="Mars/Olympus"),
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "TimeZoneNotSupportedException"


def test_delta_pages_then_delta_link_reports_changes(ms: MicrosoftStandIn, graph: Graph) -> None:
    cal = default_calendar(ms)
    ids = [
        ms.put_event(
            "ada@contoso.example",
            cal,
            event(f"e{i}", f"2027-03-{15 + i}T10:00:00", f"2027-03-{15 + i}T11:00:00"),
        )["id"]
        for i in range(5)
    ]
    ms.put_event(
        "ada@contoso.example", cal, event("far", "2027-06-01T10:00:00", "2027-06-01T11:00:00")
    )
    start = f"/me/calendars/{cal}/calendarView/delta"
    window = "?startDateTime=2027-03-14T00:00:00Z&endDateTime=2027-03-31T00:00:00Z"
    first = graph("GET", start + window, prefer="odata.maxpagesize=2")
    assert "odata.maxpagesize=2" in first.headers["Preference-Applied"]
    body = first.json()
    assert len(body["value"]) == 2 and "$skiptoken=" in body["@odata.nextLink"]
    assert body["@odata.nextLink"].startswith(f"{ms.base_url}/v1.0{start}?")
    assert body["value"][0]["@odata.type"] == "#microsoft.graph.event"
    items, delta_link, pages = delta_round(graph, start + window, prefer="odata.maxpagesize=2")
    assert pages == 3 and "$deltatoken=" in delta_link
    assert sorted(e["id"] for e in items) == sorted(ids)

    nothing, delta_link, _ = delta_round(graph, delta_link)
    assert nothing == []

    graph("PATCH", f"/me/events/{ids[0]}", json={"subject": "renamed"})
    graph("DELETE", f"/me/events/{ids[1]}")
    ms.delete_event("ada@contoso.example", ids[2])
    moved = {"start": {"dateTime": "2027-05-01T10:00:00", "timeZone": "UTC"},
             "end": {"dateTime": "2027-05-01T11:00:00", "timeZone": "UTC"}}  # fmt: skip
    graph("PATCH", f"/me/events/{ids[3]}", json=moved)
    added = ms.put_event(
        "ada@contoso.example", cal, event("new", "2027-03-25T10:00:00", "2027-03-25T11:00:00")
    )
    # the window is bound to the token: a different one in the query changes nothing
    rebound = delta_link + "&startDateTime=2027-01-01T00:00:00Z&endDateTime=2028-01-01T00:00:00Z"
    changes, _, _ = delta_round(graph, rebound)
    removed = sorted(c["id"] for c in changes if "@removed" in c)
    assert removed == sorted([ids[1], ids[2], ids[3]])
    assert all(c["@removed"] == {"reason": "deleted"} for c in changes if "@removed" in c)
    full = {c["id"]: c for c in changes if "@removed" not in c}
    assert set(full) == {ids[0], added["id"]}
    assert full[ids[0]]["subject"] == "renamed"


def test_expired_or_unknown_delta_token_is_410(ms: MicrosoftStandIn, graph: Graph) -> None:
    cal = default_calendar(ms)
    url = (
        f"/me/calendars/{cal}/calendarView/delta"
        "?startDateTime=2027-03-14T00:00:00Z&endDateTime=2027-03-31T00:00:00Z"
    )
    _, delta_link, _ = delta_round(graph, url)
    ms.expire_delta_tokens()
    gone = graph("GET", delta_link)
    assert gone.status_code == 410
    assert gone.json()["error"]["code"] == "SyncStateNotFound"
    assert "startDateTime=2027-03-14T00" in gone.headers["Location"]
    unknown = graph("GET", f"/me/calendars/{cal}/calendarView/delta?$deltatoken=nope")
    assert unknown.status_code == 410


def test_create_with_transaction_id_twice_is_one_event(ms: MicrosoftStandIn, graph: Graph) -> None:
    cal = default_calendar(ms)
    body = event(
        "Call with Bob",
        "2027-03-15T14:00:00",
        "2027-03-15T14:30:00",
        attendees=[attendee("bob@fabrikam.example")],
        transactionId="booking-42",
    )
    first = graph("POST", f"/me/calendars/{cal}/events", json=body)
    second = graph("POST", f"/me/calendars/{cal}/events", json=body)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["transactionId"] == "booking-42"
    assert first.json()["attendees"][0]["status"]["response"] == "none"
    assert len(ms.events("ada@contoso.example", cal)) == 1
    assert ms.sent_invitations == [(first.json()["id"], "bob@fabrikam.example")]


def test_patch_time_change_reinvites_attendees(ms: MicrosoftStandIn, graph: Graph) -> None:
    cal = default_calendar(ms)
    body = event(
        "Call",
        "2027-03-15T14:00:00",
        "2027-03-15T14:30:00",
        attendees=[attendee("bob@fabrikam.example")],
    )
    created = graph("POST", f"/me/calendars/{cal}/events", json=body).json()
    renamed = graph("PATCH", f"/me/events/{created['id']}", json={"subject": "Call (agenda)"})
    assert renamed.status_code == 200 and renamed.json()["subject"] == "Call (agenda)"
    assert len(ms.sent_invitations) == 1
    later = {"start": {"dateTime": "2027-03-15T16:00:00", "timeZone": "UTC"},
             "end": {"dateTime": "2027-03-15T16:30:00", "timeZone": "UTC"}}  # fmt: skip
    moved = graph("PATCH", f"/me/events/{created['id']}", json=later).json()
    assert moved["start"]["dateTime"] == "2027-03-15T16:00:00.0000000"
    assert moved["changeKey"] != created["changeKey"]
    assert ms.sent_invitations == [(created["id"], "bob@fabrikam.example")] * 2


def test_delete_then_404(ms: MicrosoftStandIn, graph: Graph) -> None:
    cal = default_calendar(ms)
    created = graph(
        "POST", f"/me/calendars/{cal}/events", json=event("x", "2027-03-15T14:00:00",
                                                         "2027-03-15T15:00:00")
    ).json()  # fmt: skip
    assert graph("GET", f"/me/events/{created['id']}").json()["subject"] == "x"
    deleted = graph("DELETE", f"/me/events/{created['id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    for method in ("GET", "DELETE", "PATCH"):
        answer = graph(method, f"/me/events/{created['id']}", json={})
        assert answer.status_code == 404
        assert answer.json()["error"] == {
            "code": "ErrorItemNotFound",
            "message": "The specified object was not found in the store.",
            "innerError": answer.json()["error"]["innerError"],
        }


def test_read_only_calendar_and_read_only_scope_refuse_writes(ms: MicrosoftStandIn) -> None:
    shared = ms.add_calendar("ada@contoso.example", "Team", can_edit=False)
    graph = Graph(ms, connect(ms)["access_token"])
    body = event("x", "2027-03-15T14:00:00", "2027-03-15T15:00:00")
    refused = graph("POST", f"/me/calendars/{shared}/events", json=body)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "ErrorAccessDenied"
    message = refused.json()["error"]["message"]
    assert message == "Access is denied. Check credentials and try again."

    reader = Graph(ms, connect(ms, scope="Calendars.Read User.Read")["access_token"])
    cal = default_calendar(ms)
    assert reader("POST", f"/me/calendars/{cal}/events", json=body).status_code == 403
    assert reader("GET", "/me/calendars").status_code == 200


def test_injected_429_has_retry_after_and_graph_shape(ms: MicrosoftStandIn, graph: Graph) -> None:
    ms.fail_next(429, retry_after=7, path_contains="/calendarView")
    cal = default_calendar(ms)
    url = f"/me/calendars/{cal}/calendarView?startDateTime=2027-03-15&endDateTime=2027-03-16"
    throttled = graph("GET", url)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
    assert throttled.json()["error"]["code"] == "TooManyRequests"
    assert graph("GET", url).status_code == 200
    assert len(ms.requests_to("/calendarView", "GET")) == 2

    ms.fail_next(503, path_contains="/token")
    down = token_request(ms, grant_type="refresh_token", refresh_token="whatever")
    assert down.status_code == 503 and down.json()["error"] == "temporarily_unavailable"
