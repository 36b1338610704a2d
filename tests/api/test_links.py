"""Host API: links CRUD with every field (SPEC §10 "Link fields")."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.db

FULL_LINK = {
    "name": "Discovery (internal)",
    "title": "Discovery call",
    "slug": "discovery",
    "type": "one_on_one",
    "durations": [60, 30],
    "slot_interval_minutes": 15,
    "timezone": "America/New_York",
    "availability": {"mon": [["09:00", "12:00"], ["13:00", "17:00"]], "sat": [["22:00", "24:00"]]},
    "date_overrides": [
        {"date": "2027-01-01", "hours": []},
        {"date": "2027-01-02", "hours": [["10:00", "11:00"]]},
    ],
    "minimum_notice_minutes": 240,
    "buffer_before_minutes": 10,
    "buffer_after_minutes": 5,
    "window": {"start_date": "2027-01-01", "end_date": "2027-03-11"},
    "location": "Room 4",
    "video_link": "https://meet.example.com/abc",
    "subject": "Meeting with {{ contact.first_name }}",
    "description": "Agenda: {{ company.name }}",
    "language": "fr",
    "locale": "fr-FR",
    "meeting_type": "Discovery call",
    "reminders": {"enabled": True, "offsets_minutes": [60, 1440], "include_description": True},
    "form": [
        {"key": "first_name", "label": "Prénom", "required": True},
        {"key": "last_name", "label": "Nom", "required": False},
        {"key": "email", "label": "E-mail", "type": "email", "required": True},
        {"key": "phone", "label": "Téléphone", "type": "phone", "property": "phone"},
    ],
    "consent": {"enabled": True, "mode": "legitimate_interest", "legal_basis": "prospect"},
}


def test_every_field_round_trips(client, host):
    created = client.post("/api/v1/links", json=FULL_LINK, headers=host.headers)
    assert created.status_code == 201, created.json
    body = client.get(f"/api/v1/links/{created.json['id']}", headers=host.headers).json
    assert body["slug"] == f"{host.prefix}/discovery"
    assert body["url"] == f"http://rendezvous.test/meetings/{host.prefix}/discovery"
    assert body["durations"] == [30, 60]
    assert body["host_ids"] == [host.id]
    assert body["reminders"]["offsets_minutes"] == [1440, 60]
    for field in ("name", "title", "availability", "date_overrides", "window", "locale"):
        assert body[field] == FULL_LINK[field], field
    for sent, stored in zip(FULL_LINK["form"], body["form"], strict=True):
        assert stored == {"type": "text", "required": False, **sent}
    assert body["consent"]["mode"] == "legitimate_interest"


def test_defaults_of_a_new_link(client, host):
    body = client.post("/api/v1/links", json={"name": "Chat"}, headers=host.headers).json
    assert body["title"] == "Chat"
    assert body["timezone"] == "Europe/Paris"  # the host's zone
    assert body["durations"] == [30]
    assert body["availability"] == {
        d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")
    }
    assert body["window"] == {"rolling_weeks": 4}
    assert body["reminders"] == {
        "enabled": True,
        "offsets_minutes": [4320, 60],
        "include_description": False,
    }


def test_new_host_gets_the_three_preset_links(app, client):
    from server.accounts.signup import sign_up
    from server.db import get_session

    with app.app_context():
        session = get_session()
        sign_up(
            session,
            email="new@example.com",
            password="pw-pw-pw-pw",
            name="New Host",
            timezone="UTC",
        )
        session.commit()
    token = client.post(
        "/api/v1/auth/tokens", json={"email": "new@example.com", "password": "pw-pw-pw-pw"}
    )
    links = client.get(
        "/api/v1/links", headers={"Authorization": f"Bearer {token.json['token']}"}
    ).json["items"]
    assert [link["durations"] for link in links] == [[15], [30], [60]]
    assert [link["slug"] for link in links] == [
        "new-host/15min",
        "new-host/30min",
        "new-host/60min",
    ]


def test_patch_changes_only_what_it_sends(client, host, make_link):
    link = make_link(location="Room 1")
    response = client.patch(
        f"/api/v1/links/{link['id']}", json={"title": "New title"}, headers=host.headers
    )
    assert response.status_code == 200
    assert response.json["title"] == "New title"
    assert response.json["location"] == "Room 1"
    assert response.json["availability"] == link["availability"]


def test_slug_cannot_change(client, host, make_link):
    link = make_link(slug="fixed")
    response = client.patch(
        f"/api/v1/links/{link['id']}", json={"slug": "other"}, headers=host.headers
    )
    assert response.status_code == 422
    assert "slug" in response.json["error"]["fields"]


def test_a_taken_slug_is_422(client, host, make_link):
    make_link(slug="same")
    response = client.post(
        "/api/v1/links", json={"name": "x", "slug": "same"}, headers=host.headers
    )
    assert response.status_code == 422
    assert "slug" in response.json["error"]["fields"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"durations": []}, "durations"),
        ({"durations": [0]}, "durations"),
        ({"durations": [30, 30]}, "durations"),
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"availability": {"mon": [["17:00", "09:00"]]}}, "availability"),
        ({"availability": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}}, "availability"),
        ({"availability": {"funday": [["09:00", "12:00"]]}}, "availability"),
        ({"availability": {"mon": [["9am", "noon"]]}}, "availability"),
        ({"window": {"start_date": "2027-01-01", "end_date": "2027-04-01"}}, "window"),
        ({"window": {"start_date": "2027-01-05", "end_date": "2027-01-01"}}, "window"),
        ({"window": {"rolling_weeks": 2, "start_date": "2027-01-01"}}, "window"),
        ({"type": "one_on_one", "host_ids": [1, 2]}, "host_ids"),
        ({"type": "webinar"}, "type"),
        ({"locale": "xx-YY"}, "locale"),
        ({"language": "tlh"}, "language"),
        ({"reminders": {"offsets_minutes": [1, 2, 3, 4]}}, "reminders"),
        ({"form": [{"key": "first_name", "label": "First"}]}, "form"),
        ({"slug": "Not A Slug!"}, "slug"),
        ({"name": "x" * 201}, "name"),
        ({"buffer_before_minutes": -5}, "buffer_before_minutes"),
        ({"video_link": "not a url"}, "video_link"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_link_fields_are_422_naming_the_field(client, host, fields, field):
    response = client.post("/api/v1/links", json={"name": "x", **fields}, headers=host.headers)
    assert response.status_code == 422, response.json
    assert any(k == field or k.startswith(field + ".") for k in response.json["error"]["fields"]), (
        response.json
    )


def test_hosts_from_another_account_are_refused(client, make_host, host):
    stranger = make_host(name="Stranger")
    response = client.post(
        "/api/v1/links",
        json={"name": "x", "type": "round_robin", "host_ids": [host.id, stranger.id]},
        headers=host.headers,
    )
    assert response.status_code == 422
    assert "host_ids" in response.json["error"]["fields"]


def test_another_accounts_link_is_404(client, make_host, make_link):
    link = make_link()
    stranger = make_host(name="Stranger")
    for method in ("get", "patch", "delete"):
        response = getattr(client, method)(
            f"/api/v1/links/{link['id']}", json={}, headers=stranger.headers
        )
        assert response.status_code == 404, method
    assert link["id"] not in [
        x["id"] for x in client.get("/api/v1/links", headers=stranger.headers).json["items"]
    ]


def test_deleting_a_link_takes_its_page_down_but_keeps_its_bookings(client, host, make_link):
    from tests.api.test_public_bookings import book, first_slot

    link = make_link()
    book(client, link, first_slot(client, link)[0])
    assert client.delete(f"/api/v1/links/{link['id']}", headers=host.headers).status_code == 204
    assert client.get(f"/api/v1/public/links/{link['slug']}").status_code == 404
    assert len(client.get("/api/v1/bookings", headers=host.headers).json["items"]) == 1


def test_troubleshooter_says_why_a_time_is_not_offered(client, host, make_link):
    from tests.api.test_public_bookings import book, first_slot

    link = make_link(buffer_before_minutes=30)
    offered = first_slot(client, link)
    book(client, link, offered[0])
    url = f"/api/v1/links/{link['id']}/troubleshoot"

    def reasons(start):
        body = client.get(url, query_string={"start": start}, headers=host.headers).json
        return body["bookable"], [r["code"] for r in body["hosts"][0]["reasons"]]

    assert reasons(offered[0]) == (False, ["busy"])
    assert reasons(offered[1]) == (False, ["buffer"])
    assert reasons(offered[3]) == (True, [])
    off_grid = offered[3].replace(":30:00", ":40:00").replace(":00:00", ":10:00")
    assert reasons(off_grid) == (False, ["off_grid"])
    assert reasons("2020-01-06T09:00:00+01:00")[1] == ["outside_window", "minimum_notice"]


def test_a_patch_checks_every_part_of_a_field_it_sends(client, host, make_link):
    """PATCH may leave fields out, not parts of one: a question without its key is a 422
    (it was a 500), and reminders sent without offsets get the default offsets."""
    link = make_link()
    url = f"/api/v1/links/{link['id']}"
    keyless = client.patch(url, json={"form": [{"label": "Topic"}]}, headers=host.headers)
    assert keyless.status_code == 422
    assert keyless.json["error"]["fields"] == {"form.0.key": ["Missing data for required field."]}
    off = client.patch(url, json={"reminders": {"enabled": False}}, headers=host.headers)
    assert off.json["reminders"] == {
        "enabled": False,
        "offsets_minutes": [4320, 60],
        "include_description": False,
    }
