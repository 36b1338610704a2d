"""The host API of calendars (SPEC §10 "Calendars"): connect an ICS feed or a CalDAV account,
list and change them, refresh, remove; each host sees only their own, and no answer ever
carries a password or a feed's address. Against a real feed server and a real Radicale."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.calendars import test_ics_feeds
from tests.calendars.conftest import Radicale
from tests.calendars.test_caldav import DENTIST
from tests.conftest import NOW

pytestmark = pytest.mark.db

#: a real HTTP server serving the "Family" feed (test_ics_feeds.DENTIST) with an ETag
feed = test_ics_feeds.feed

#: the feed's dentist is on Monday 2027-03-15, 09:00–10:00 UTC
DENTIST_DAY = "2027-03-15"
CALENDAR_FIELDS = {
    "id",
    "name",
    "time_zone",
    "is_default",
    "writable",
    "check_conflicts",
    "tentative_busy",
    "ignore_all_day",
}


@pytest.fixture
def work(radicale: Radicale) -> tuple[str, str]:
    """A Radicale user (name, password) with a "Work" calendar holding a dentist appointment."""
    user, password = radicale.new_user()
    url = radicale.make_calendar(user, "work", "Work")
    radicale.put(user, url, "dentist.ics", DENTIST)
    return user, password


def add_feed(client, host, url: str):
    return client.post(
        "/api/v1/calendars", json={"provider": "ics", "url": url}, headers=host.headers
    )


def add_caldav(client, host, radicale: Radicale, user: str, password: str):
    body = {
        "provider": "caldav",
        "url": radicale.base_url + "/",
        "username": user,
        "password": password,
    }
    return client.post("/api/v1/calendars", json=body, headers=host.headers)


def offered(client, link, day: str = DENTIST_DAY) -> set[str]:
    response = client.get(
        f"/api/v1/public/links/{link['slug']}/slots",
        query_string={"start": day, "end": day, "timezone": "UTC"},
    )
    assert response.status_code == 200, response.json
    return {slot[11:16] for slot in response.json["slots"]}


def synced_lately(value: str | None) -> bool:
    """The test's clock starts at NOW and runs on: a sync during the test is just after it."""
    return value is not None and NOW <= datetime.fromisoformat(value) < NOW + timedelta(hours=1)


# -- connecting ----------------------------------------------------------------------------


def test_an_ics_feed_is_201_with_its_one_read_only_calendar(lan_app, client, host, feed):
    response = add_feed(client, host, feed.url)
    assert response.status_code == 201, response.json
    body = response.json
    assert response.headers["Location"].endswith(f"/api/v1/calendars/{body['id']}")
    assert set(body) == {
        "id",
        "provider",
        "status",
        "status_message",
        "last_synced_at",
        "calendars",
    }
    assert (body["provider"], body["status"], body["status_message"]) == ("ics", "connected", "")
    assert synced_lately(body["last_synced_at"])
    (calendar,) = body["calendars"]
    assert set(calendar) == CALENDAR_FIELDS
    assert {k: v for k, v in calendar.items() if k != "id"} == {
        "name": "Family",
        "time_zone": None,
        "is_default": False,
        "writable": False,
        "check_conflicts": True,
        "tentative_busy": True,
        "ignore_all_day": False,
    }


def test_a_caldav_account_is_201_with_work_as_the_default(lan_app, client, host, radicale, work):
    response = add_caldav(client, host, radicale, *work)
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["provider"], body["status"]) == ("caldav", "connected")
    assert synced_lately(body["last_synced_at"])
    (calendar,) = body["calendars"]
    assert (calendar["name"], calendar["writable"], calendar["is_default"]) == ("Work", True, True)
    assert calendar["check_conflicts"] is True


def test_a_wrong_password_is_422_under_the_password(lan_app, client, host, radicale, work):
    user, _ = work
    response = add_caldav(client, host, radicale, user, "not the password")
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert list(response.json["error"]["fields"]) == ["password"]
    assert client.get("/api/v1/calendars", headers=host.headers).json["items"] == []


def test_a_private_address_is_422_under_the_url_unless_allowed(app, client, host, feed):
    response = add_feed(client, host, feed.url)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["url"]
    assert feed.requests == []


def test_a_page_that_is_not_a_calendar_is_422_under_the_url(lan_app, client, host, feed):
    feed.body = b"<!doctype html><title>Sign in</title>"
    response = add_feed(client, host, feed.url)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["url"]


@pytest.mark.parametrize("provider", ["google", "microsoft"])
def test_google_and_microsoft_are_connected_by_signing_in_from_the_dashboard(
    client, host, provider
):
    response = client.post(
        "/api/v1/calendars",
        json={"provider": provider, "url": "https://example.com/"},
        headers=host.headers,
    )
    assert response.status_code == 422
    (message,) = response.json["error"]["fields"]["provider"]
    assert "/app/calendars" in message and "signing in" in message


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"provider": "exchange", "url": "https://example.com/"}, {"provider"}),
        ({"url": "https://example.com/"}, {"provider"}),
        ({"provider": "ics"}, {"url"}),
        ({"provider": "ics", "url": ""}, {"url"}),
        ({"provider": "caldav"}, {"url", "username", "password"}),
        ({"provider": "caldav", "url": "https://dav.example.com/", "username": "a"}, {"password"}),
        ({"provider": "ics", "url": "https://example.com/a.ics", "password": "x"}, {"password"}),
        ({"provider": "ics", "url": "https://example.com/a.ics", "colour": "red"}, {"colour"}),
    ],
)
def test_missing_or_unknown_fields_are_422_by_field(client, host, body, fields):
    response = client.post("/api/v1/calendars", json=body, headers=host.headers)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == fields


def test_without_a_token_it_is_401(client):
    assert client.get("/api/v1/calendars").status_code == 401
    response = client.post("/api/v1/calendars", json={"provider": "ics", "url": "https://x.test"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


# -- each host's own -----------------------------------------------------------------------


def test_a_host_sees_and_reaches_only_their_own_connections(lan_app, client, host, make_host, feed):
    connection = add_feed(client, host, feed.url).json
    colleague = make_host(name="Bob Colleague", same_account_as=host)
    stranger = make_host(name="Carol Elsewhere")

    assert client.get("/api/v1/calendars", headers=host.headers).json["items"] == [connection]
    for other in (colleague, stranger):
        assert client.get("/api/v1/calendars", headers=other.headers).json["items"] == []
        path = f"/api/v1/calendars/{connection['id']}"
        calendar_id = connection["calendars"][0]["id"]
        answers = [
            client.get(path, headers=other.headers),
            client.patch(
                path,
                json={"calendars": [{"id": calendar_id, "check_conflicts": False}]},
                headers=other.headers,
            ),
            client.post(f"{path}/refresh", headers=other.headers),
            client.delete(path, headers=other.headers),
        ]
        assert [a.status_code for a in answers] == [404, 404, 404, 404]
        assert answers[0].json["error"]["code"] == "not_found"
    assert client.get("/api/v1/calendars", headers=host.headers).json["items"] == [connection]


def test_get_one_has_an_etag_and_answers_304_when_unchanged(lan_app, client, host, feed):
    connection = add_feed(client, host, feed.url).json
    path = f"/api/v1/calendars/{connection['id']}"
    first = client.get(path, headers=host.headers)
    assert first.status_code == 200
    assert first.json == connection
    again = client.get(path, headers={**host.headers, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/api/v1/calendars/999999", headers=host.headers).status_code == 404


# -- the host's choices --------------------------------------------------------------------


def test_switching_conflict_checking_off_and_on_frees_and_blocks_the_event(
    lan_app, client, host, feed, make_link
):
    link = make_link(timezone="UTC")
    connection = add_feed(client, host, feed.url).json
    (calendar,) = connection["calendars"]
    path = f"/api/v1/calendars/{connection['id']}"
    assert {"09:00", "09:30"} & offered(client, link) == set()

    off = client.patch(
        path,
        json={"calendars": [{"id": calendar["id"], "check_conflicts": False}]},
        headers=host.headers,
    )
    assert off.status_code == 200, off.json
    assert off.json["calendars"][0]["check_conflicts"] is False
    assert {"09:00", "09:30"} <= offered(client, link)

    on = client.patch(
        path,
        json={"calendars": [{"id": calendar["id"], "check_conflicts": True}]},
        headers=host.headers,
    )
    assert on.json["calendars"][0]["check_conflicts"] is True
    assert {"09:00", "09:30"} & offered(client, link) == set()
    assert "10:00" in offered(client, link)


def test_patch_is_partial(lan_app, client, host, feed):
    connection = add_feed(client, host, feed.url).json
    (calendar,) = connection["calendars"]
    path = f"/api/v1/calendars/{connection['id']}"
    response = client.patch(
        path,
        json={"calendars": [{"id": calendar["id"], "ignore_all_day": True}]},
        headers=host.headers,
    )
    assert response.status_code == 200
    assert response.json["calendars"] == [{**calendar, "ignore_all_day": True}]
    assert client.patch(path, json={}, headers=host.headers).json == response.json


def test_a_read_only_feed_cant_be_the_default(lan_app, client, host, feed):
    connection = add_feed(client, host, feed.url).json
    (calendar,) = connection["calendars"]
    response = client.patch(
        f"/api/v1/calendars/{connection['id']}",
        json={"calendars": [{"id": calendar["id"], "is_default": True}]},
        headers=host.headers,
    )
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["calendars"]
    listed = client.get("/api/v1/calendars", headers=host.headers).json["items"]
    assert listed[0]["calendars"][0]["is_default"] is False


def test_a_calendar_of_another_connection_is_404(lan_app, client, host, feed):
    connection = add_feed(client, host, feed.url).json
    response = client.patch(
        f"/api/v1/calendars/{connection['id']}",
        json={"calendars": [{"id": 999999, "check_conflicts": False}]},
        headers=host.headers,
    )
    assert response.status_code == 404


def test_the_default_moves_to_the_calendar_chosen(lan_app, client, host, radicale):
    user, password = radicale.new_user()
    radicale.make_calendar(user, "work", "Work")
    radicale.make_calendar(user, "home", "Home")
    connection = add_caldav(client, host, radicale, user, password).json
    by_name = {c["name"]: c for c in connection["calendars"]}
    assert sum(c["is_default"] for c in by_name.values()) == 1
    chosen = by_name["Home"] if by_name["Work"]["is_default"] else by_name["Work"]
    response = client.patch(
        f"/api/v1/calendars/{connection['id']}",
        json={"calendars": [{"id": chosen["id"], "is_default": True}]},
        headers=host.headers,
    )
    assert response.status_code == 200
    defaults = [c["name"] for c in response.json["calendars"] if c["is_default"]]
    assert defaults == [chosen["name"]]


# -- refresh and reconnect -----------------------------------------------------------------


def test_refresh_answers_the_new_status(lan_app, client, host, feed):
    connection = add_feed(client, host, feed.url).json
    path = f"/api/v1/calendars/{connection['id']}/refresh"
    feed.status = 401
    refused = client.post(path, headers=host.headers)
    assert refused.status_code == 200
    assert refused.json["status"] == "disconnected"
    assert refused.json["status_message"]
    feed.status = 200
    back = client.post(path, headers=host.headers)
    assert (back.json["status"], back.json["status_message"]) == ("connected", "")
    assert synced_lately(back.json["last_synced_at"])


def test_new_credentials_reconnect_a_disconnected_account_at_once(
    lan_app, client, host, radicale, work
):
    user, _ = work
    connection = add_caldav(client, host, radicale, *work).json
    path = f"/api/v1/calendars/{connection['id']}"
    radicale.set_password(user, "a new password")
    assert client.post(f"{path}/refresh", headers=host.headers).json["status"] == "disconnected"
    right = client.patch(path, json={"password": "a new password"}, headers=host.headers)
    assert right.status_code == 200, right.json
    assert (right.json["status"], right.json["status_message"]) == ("connected", "")


def test_a_refused_new_password_is_422_under_the_password(lan_app, client, host, radicale, work):
    connection = add_caldav(client, host, radicale, *work).json
    path = f"/api/v1/calendars/{connection['id']}"
    wrong = client.patch(path, json={"password": "not it"}, headers=host.headers)
    assert wrong.status_code == 422
    assert list(wrong.json["error"]["fields"]) == ["password"]


def test_a_refused_new_password_is_422_even_once_disconnected(
    lan_app, client, host, radicale, work
):
    user, _ = work
    connection = add_caldav(client, host, radicale, *work).json
    path = f"/api/v1/calendars/{connection['id']}"
    radicale.set_password(user, "a new password")
    assert client.post(f"{path}/refresh", headers=host.headers).json["status"] == "disconnected"
    wrong = client.patch(path, json={"password": "still wrong"}, headers=host.headers)
    assert wrong.status_code == 422
    assert list(wrong.json["error"]["fields"]) == ["password"]


def test_a_feed_takes_no_credentials(lan_app, client, host, feed):
    connection = add_feed(client, host, feed.url).json
    response = client.patch(
        f"/api/v1/calendars/{connection['id']}",
        json={"username": "me", "password": "secret"},
        headers=host.headers,
    )
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"username", "password"}


# -- removing ------------------------------------------------------------------------------


def test_delete_is_204_and_the_busy_time_no_longer_blocks(lan_app, client, host, feed, make_link):
    link = make_link(timezone="UTC")
    connection = add_feed(client, host, feed.url).json
    assert "09:00" not in offered(client, link)
    path = f"/api/v1/calendars/{connection['id']}"
    response = client.delete(path, headers=host.headers)
    assert response.status_code == 204
    assert response.data == b""
    assert "09:00" in offered(client, link)
    assert client.get(path, headers=host.headers).status_code == 404
    assert client.get("/api/v1/calendars", headers=host.headers).json["items"] == []


# -- secrets and the document --------------------------------------------------------------


def test_no_answer_carries_the_password_username_or_feed_address(
    lan_app, client, host, radicale, work, feed
):
    user, password = work
    caldav = add_caldav(client, host, radicale, user, password)
    ics = add_feed(client, host, feed.url)
    answers = [caldav, ics]
    for connection in (caldav.json, ics.json):
        path = f"/api/v1/calendars/{connection['id']}"
        calendar_id = connection["calendars"][0]["id"]
        answers += [
            client.get(path, headers=host.headers),
            client.patch(
                path,
                json={"calendars": [{"id": calendar_id, "tentative_busy": False}]},
                headers=host.headers,
            ),
            client.post(f"{path}/refresh", headers=host.headers),
        ]
    answers.append(client.get("/api/v1/calendars", headers=host.headers))
    answers.append(
        client.patch(
            f"/api/v1/calendars/{caldav.json['id']}",
            json={"password": password},
            headers=host.headers,
        )
    )
    assert all(a.status_code in (200, 201) for a in answers), [a.status_code for a in answers]
    for answer in answers:
        text = answer.get_data(as_text=True)
        for secret in (password, user, feed.url, "family.ics", radicale.base_url, "127.0.0.1"):
            assert secret not in text


def test_the_openapi_document_lists_the_calendar_operations(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert set(paths["/api/v1/calendars"]) >= {"get", "post"}
    assert set(paths["/api/v1/calendars/{connection_id}"]) >= {"get", "patch", "delete"}
    assert "post" in paths["/api/v1/calendars/{connection_id}/refresh"]
    create = paths["/api/v1/calendars"]["post"]
    assert {"201", "422"} <= set(create["responses"])
    assert "404" in paths["/api/v1/calendars/{connection_id}"]["patch"]["responses"]
