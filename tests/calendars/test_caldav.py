"""The CalDAV provider against a real Radicale (``radicale`` fixture, tests/calendars/conftest.py).

Radicale listens on 127.0.0.1, so these tests lift the address rule (``allow_private``),
except the ones showing that the default rule refuses it.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from server.calendars.caldav import CTAG_PREFIX, CalDavProvider
from server.calendars.expand import BusyOptions, busy_events
from server.calendars.fetch import FetchLimits, UrlRefused
from server.calendars.providers import AuthFailed, ProviderError, ProviderUnavailable
from tests.calendars.conftest import Radicale
from tests.calendars.test_expand import NEW_YORK_VTIMEZONE
from tests.radicale import DigestLogin, RadicaleProxy, WithoutSyncCollection
from tests.servers import free_port

LOCAL = FetchLimits(allow_private=True)
START = datetime(2027, 3, 8, tzinfo=UTC)
END = datetime(2027, 3, 22, tzinfo=UTC)

NEW_YORK = NEW_YORK_VTIMEZONE.lstrip("\n")


def ics(body: str, *, zone: bool = False) -> bytes:
    text = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Rendezvous tests//EN\n"
    text += (NEW_YORK if zone else "") + body + "END:VCALENDAR\n"
    return text.replace("\n", "\r\n").encode()


def event(uid: str, start: str, end: str, summary: str, extra: str = "") -> bytes:
    return ics(
        f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20270101T000000Z\nDTSTART:{start}\n"
        f"DTEND:{end}\nSUMMARY:{summary}\n{extra}END:VEVENT\n"
    )


#: every Monday at 10:00 in New York from 2027-03-01: the clocks go forward on 2027-03-14
WEEKLY = ics(
    "BEGIN:VEVENT\nUID:weekly@test\nDTSTAMP:20270101T000000Z\n"
    "DTSTART;TZID=America/New_York:20270301T100000\n"
    "DTEND;TZID=America/New_York:20270301T110000\n"
    "RRULE:FREQ=WEEKLY;BYDAY=MO\nSUMMARY:Weekly\nEND:VEVENT\n",
    zone=True,
)
DENTIST = event("dentist@test", "20270310T130000Z", "20270310T140000Z", "Dentist")
JANUARY = event("january@test", "20270105T130000Z", "20270105T140000Z", "Long ago")


@pytest.fixture
def account(radicale: Radicale) -> Iterator[tuple[str, str, str]]:
    """A fresh user with a "Work" calendar: (user, password, calendar URL)."""
    user, password = radicale.new_user()
    url = radicale.make_calendar(user, "work", "Work")
    yield user, password, url


def provider(radicale: Radicale, user: str, url: str | None = None, **kwargs) -> CalDavProvider:
    kwargs.setdefault("limits", LOCAL)
    return CalDavProvider(url or radicale.base_url, user, radicale.passwords[user], **kwargs)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- discovery ----------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["root", "principal", "calendar"])
def test_discover_lists_the_users_own_calendars_from_any_url(radicale: Radicale, where: str):
    user, _ = radicale.new_user()
    other, _ = radicale.new_user("other")
    work = radicale.make_calendar(user, "work", "Work", time_zone_ics=ics(NEW_YORK).decode())
    home = radicale.make_calendar(user, "home", "Home")
    tasks = radicale.make_calendar(user, "tasks", "Tasks", components=("VTODO",))
    radicale.make_calendar(other, "secret", "Not yours")
    url = {"root": radicale.base_url + "/", "principal": f"{radicale.base_url}/{user}/"}.get(
        where, work
    )

    found = provider(radicale, user, url).discover()

    assert sorted((c.remote_id, c.name, c.time_zone, c.writable) for c in found) == sorted(
        [
            (work, "Work", "America/New_York", True),
            (home, "Home", None, True),
            (tasks, "Tasks", None, False),
        ]
    )


def test_a_wrong_password_is_auth_failed(radicale: Radicale, account):
    user, _, url = account
    wrong = CalDavProvider(radicale.base_url, user, "not-the-password", limits=LOCAL)

    with pytest.raises(AuthFailed) as refused:
        wrong.discover()
    assert str(refused.value) == "The server refused this user name or password."
    with pytest.raises(AuthFailed):
        wrong.changes(url, None, START, END)


def test_a_changed_password_is_auth_failed_on_the_next_sync(radicale: Radicale, account):
    user, old_password, url = account
    calendar = provider(radicale, user)
    first = calendar.changes(url, None, START, END)
    radicale.set_password(user, "changed")

    with pytest.raises(AuthFailed):
        calendar.changes(url, first.sync_token, START, END)  # still sends the old password
    renewed = CalDavProvider(radicale.base_url, user, "changed", limits=LOCAL)
    assert renewed.changes(url, first.sync_token, START, END).full is False
    assert old_password != "changed"


# -- sync ------------------------------------------------------------------------------------


def test_a_full_listing_returns_the_windows_events_with_hrefs_and_etags(
    radicale: Radicale, account
):
    user, _, url = account
    weekly = radicale.put(user, url, "weekly.ics", WEEKLY)
    dentist = radicale.put(user, url, "dentist.ics", DENTIST)
    radicale.put(user, url, "january.ics", JANUARY)

    changes = provider(radicale, user).changes(url, None, START, END)

    assert changes.full is True
    assert sorted(r.href for r in changes.changed) == sorted([weekly, dentist])
    assert all(r.etag for r in changes.changed)
    assert changes.sync_token
    busy = busy_events(
        [r.data for r in changes.changed], START, END, BusyOptions(host_zone="Europe/Paris")
    )
    assert [(b.start, b.end, b.summary) for b in busy] == [
        (at("2027-03-08T15:00"), at("2027-03-08T16:00"), "Weekly"),  # EST
        (at("2027-03-10T13:00"), at("2027-03-10T14:00"), "Dentist"),
        (at("2027-03-15T14:00"), at("2027-03-15T15:00"), "Weekly"),  # EDT
    ]


def test_an_incremental_sync_returns_exactly_what_changed(radicale: Radicale, account):
    user, _, url = account
    radicale.put(user, url, "weekly.ics", WEEKLY)
    dentist = radicale.put(user, url, "dentist.ics", DENTIST)
    calendar = provider(radicale, user)
    first = calendar.changes(url, None, START, END)

    lunch = radicale.put(
        user, url, "lunch.ics", event("lunch@test", "20270311T120000Z", "20270311T130000Z", "Lunch")
    )
    radicale.delete(user, url, "dentist.ics")
    second = calendar.changes(url, first.sync_token, START, END)

    assert second.full is False
    assert [r.href for r in second.changed] == [lunch]
    assert b"SUMMARY:Lunch" in second.changed[0].data
    assert second.changed[0].etag
    assert list(second.removed) == [dentist]
    assert second.sync_token and second.sync_token != first.sync_token
    third = calendar.changes(url, second.sync_token, START, END)
    assert (third.full, list(third.changed), list(third.removed)) == (False, [], [])


@pytest.mark.parametrize(
    "token", ["garbage", "http://radicale.org/ns/sync/0000000000000000000000000000000000000000"]
)
def test_an_unknown_sync_token_gives_a_full_listing(radicale: Radicale, account, token: str):
    user, _, url = account
    dentist = radicale.put(user, url, "dentist.ics", DENTIST)

    changes = provider(radicale, user).changes(url, token, START, END)

    assert changes.full is True
    assert [r.href for r in changes.changed] == [dentist]
    assert changes.sync_token and changes.sync_token != token


# -- write-back ----------------------------------------------------------------------------


def test_put_event_is_idempotent_by_uid_and_delete_event_too(radicale: Radicale, account):
    user, _, url = account
    calendar = provider(radicale, user)
    uid = "booking-7@rendezvous.test"

    first = calendar.put_event(url, uid, event(uid, "20270312T150000Z", "20270312T153000Z", "One"))
    second = calendar.put_event(url, uid, event(uid, "20270312T160000Z", "20270312T163000Z", "Two"))

    assert first == second
    assert radicale.names(user, url) == ["booking-7@rendezvous.test.ics"]
    listing = calendar.changes(url, None, START, END).changed
    assert [r.href for r in listing] == [first]
    assert b"SUMMARY:Two" in listing[0].data and b"SUMMARY:One" not in listing[0].data
    assert calendar.delete_event(url, uid) is True
    assert radicale.names(user, url) == []
    assert calendar.delete_event(url, uid) is False


# -- failures and the outbound rules ---------------------------------------------------------


def test_nothing_listening_is_unavailable(radicale: Radicale, account):
    user, _, _ = account
    calendar = provider(radicale, user, f"http://127.0.0.1:{free_port()}/", timeout=2)

    with pytest.raises(ProviderUnavailable):
        calendar.discover()


def test_a_server_that_never_answers_is_unavailable_within_the_timeout(radicale, account):
    user, _, _ = account
    with socket.socket() as silent:  # accepts connections (the backlog) and says nothing
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        calendar = provider(radicale, user, f"http://127.0.0.1:{port}/", timeout=0.5)
        began = time.monotonic()
        with pytest.raises(ProviderUnavailable):
            calendar.discover()
        assert time.monotonic() - began < 2


def test_an_answer_over_the_size_cap_is_refused(radicale: Radicale, account):
    user, _, url = account
    radicale.put(user, url, "weekly.ics", WEEKLY)
    calendar = provider(radicale, user, limits=FetchLimits(allow_private=True, max_bytes=600))

    with pytest.raises(ProviderError, match="larger than 600 bytes"):
        calendar.changes(url, None, START, END)


def test_the_default_rules_refuse_loopback(radicale: Radicale, account):
    user, password, url = account

    with pytest.raises(UrlRefused):
        CalDavProvider(radicale.base_url, user, password, limits=FetchLimits())
    port = radicale.base_url.rsplit(":", 1)[1]
    by_name = CalDavProvider(f"http://localhost:{port}/", user, password, limits=FetchLimits())
    with pytest.raises(UrlRefused):  # a name is checked on the address it resolves to
        by_name.discover()
    allowed = provider(radicale, user)
    with pytest.raises(UrlRefused):  # a calendar URL is checked too
        CalDavProvider(
            "https://calendar.example.com/", user, password, limits=FetchLimits()
        ).changes(url, None, START, END)
    assert allowed.discover()


# -- a server without sync-collection: the collection tag ---------------------------------------


def test_without_sync_collection_a_first_listing_keeps_the_collection_tag(
    radicale: Radicale, account
):
    user, _, url = account
    dentist = radicale.put(user, url, "dentist.ics", DENTIST)
    with WithoutSyncCollection(radicale) as server:
        calendar = provider(radicale, user, server.base_url)
        changes = calendar.changes(server.url_of(url), None, START, END)
    assert changes.full is True
    assert [r.href for r in changes.changed] == [dentist]
    assert changes.sync_token and changes.sync_token.startswith(CTAG_PREFIX)


def test_without_sync_collection_an_unchanged_tag_lists_nothing(radicale: Radicale, account):
    user, _, url = account
    radicale.put(user, url, "dentist.ics", DENTIST)
    with WithoutSyncCollection(radicale) as server:
        calendar = provider(radicale, user, server.base_url)
        first = calendar.changes(server.url_of(url), None, START, END)
        listed = server.reports.get("calendar-query", 0)
        again = calendar.changes(server.url_of(url), first.sync_token, START, END)
        assert server.reports.get("calendar-query", 0) == listed  # not listed again
    assert (again.full, list(again.changed), list(again.removed)) == (False, [], [])
    assert again.sync_token == first.sync_token


def test_without_sync_collection_a_changed_tag_lists_the_window_again(radicale: Radicale, account):
    user, _, url = account
    radicale.put(user, url, "dentist.ics", DENTIST)
    with WithoutSyncCollection(radicale) as server:
        calendar = provider(radicale, user, server.base_url)
        first = calendar.changes(server.url_of(url), None, START, END)
        radicale.delete(user, url, "dentist.ics")
        lunch = radicale.put(
            user,
            url,
            "lunch.ics",
            event("lunch@test", "20270311T120000Z", "20270311T130000Z", "Lunch"),
        )
        again = calendar.changes(server.url_of(url), first.sync_token, START, END)
    assert again.full is True
    assert [r.href for r in again.changed] == [lunch]
    assert again.sync_token != first.sync_token and again.sync_token.startswith(CTAG_PREFIX)


# -- the login the server asks for -----------------------------------------------------------


def test_a_digest_server_on_plain_http_gets_digest_and_never_the_password_in_clear(
    radicale: Radicale, account
):
    user, password, url = account
    dentist = radicale.put(user, url, "dentist.ics", DENTIST)
    with DigestLogin(radicale) as server:
        calendar = provider(radicale, user, server.base_url)
        (found,) = calendar.discover()
        changes = calendar.changes(server.url_of(url), None, START, END)
    assert found.name == "Work"
    assert [r.href for r in changes.changed] == [dentist]
    assert not [a for a in server.authorizations if a.startswith("Basic")]
    assert any(a.startswith("Digest ") for a in server.authorizations)


def test_a_wrong_password_is_auth_failed_with_digest_too(radicale: Radicale, account):
    user, _, _ = account
    with DigestLogin(radicale) as server:
        calendar = CalDavProvider(server.base_url, user, "not the password", limits=LOCAL)
        with pytest.raises(AuthFailed):
            calendar.discover()


def test_a_basic_server_on_plain_http_is_asked_before_the_password_goes(radicale, account):
    user, _, _ = account
    with RadicaleProxy(radicale) as server:  # Radicale's own Basic login, on plain HTTP
        provider(radicale, user, server.base_url).discover()
    first, *after = server.authorizations
    assert first == ""  # no password before the server asked for one
    assert after and all(a.startswith("Basic ") for a in after)


def test_over_https_basic_goes_with_the_first_request():
    """One round trip on the usual case, a hosted server that takes Basic over TLS."""
    from requests import Request

    from server.calendars.caldav import _ServerChosenAuth

    auth = _ServerChosenAuth("ada", "secret")
    tls = auth(Request("PROPFIND", "https://dav.example.com/").prepare())
    plain = auth(Request("PROPFIND", "http://dav.example.com/").prepare())
    assert tls.headers["Authorization"].startswith("Basic ")
    assert "Authorization" not in plain.headers
