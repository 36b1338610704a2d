"""Booking, and managing a booking by its token (SPEC §10 public API, B2, B3, B5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import next_weekday

pytestmark = pytest.mark.db


def first_slot(client, link, day=None, **params):
    day = day or next_weekday(0)
    response = client.get(
        f"/api/v1/public/links/{link['slug']}/slots",
        query_string={"start": day, "end": day, "timezone": "Europe/Paris", **params},
    )
    assert response.status_code == 200, response.json
    return response.json["slots"]


def book(client, link, start, **fields):
    body = {
        "start": start,
        "duration": link["durations"][0],
        "timezone": "Europe/Paris",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        **fields,
    }
    return client.post(f"/api/v1/public/links/{link['slug']}/bookings", json=body)


def test_booking_a_slot_returns_201_with_a_manage_token(client, make_link):
    link = make_link()
    start = first_slot(client, link)[0]
    response = book(client, link, start)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["start"] == start
    assert datetime.fromisoformat(body["end"]) - datetime.fromisoformat(start) == timedelta(
        minutes=30
    )
    assert body["status"] == "confirmed"
    assert body["host"] == {"name": "Alice Martin"}
    assert len(body["manage_token"]) >= 32
    assert body["manage_url"].endswith(f"/meetings/manage/{body['manage_token']}")


def test_a_booked_slot_is_no_longer_offered(client, make_link):
    link = make_link()
    offered = first_slot(client, link)
    book(client, link, offered[0])
    assert offered[0] not in first_slot(client, link)
    assert offered[1] in first_slot(client, link)


def test_the_same_slot_twice_is_409_slot_unavailable(client, make_link):
    link = make_link()
    start = first_slot(client, link)[0]
    assert book(client, link, start).status_code == 201
    second = book(client, link, start, email="grace@example.com")
    assert second.status_code == 409
    assert second.json["error"]["code"] == "slot_unavailable"


def test_an_overlapping_time_on_another_link_of_the_host_is_409(client, make_link):
    half_hour = make_link(durations=[30])
    hour = make_link(durations=[60], slot_interval_minutes=15)
    start = first_slot(client, half_hour)[1]  # 09:30
    assert book(client, half_hour, start).status_code == 201
    nine_fifteen = (datetime.fromisoformat(start) - timedelta(minutes=15)).isoformat()
    assert nine_fifteen not in first_slot(client, hour)
    response = book(client, hour, nine_fifteen, email="grace@example.com")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "slot_unavailable"


def test_buffers_of_the_seed_example_hold_at_commit(client, make_link):
    link = make_link(buffer_before_minutes=30, buffer_after_minutes=30, slot_interval_minutes=15)
    one_pm = next(s for s in first_slot(client, link) if s[11:16] == "13:00")
    assert book(client, link, one_pm).status_code == 201
    after = [s for s in first_slot(client, link) if s > one_pm]
    assert after[0][11:16] == "14:00"
    too_soon = one_pm.replace("T13:00", "T13:45")
    assert book(client, link, too_soon, email="x@example.com").status_code == 409


def test_a_start_off_the_grid_is_refused_with_422(client, make_link):
    link = make_link()
    start = datetime.fromisoformat(first_slot(client, link)[0]) + timedelta(minutes=7)
    response = book(client, link, start.isoformat())
    assert response.status_code == 422
    assert "start" in response.json["error"]["fields"]


def test_a_start_outside_hours_is_refused_with_422(client, make_link):
    link = make_link()
    sunday = next_weekday(6)
    response = book(client, link, f"{sunday}T10:00:00+00:00")
    assert response.status_code == 422
    assert "start" in response.json["error"]["fields"]


def test_a_start_in_the_past_is_refused(client, make_link):
    link = make_link()
    response = book(client, link, "2020-01-06T09:00:00+01:00")
    assert response.status_code == 422  # never offered: outside the window (SPEC 10, 11.2)
    assert response.json["error"]["code"] == "validation_error"
    assert "start" in response.json["error"]["fields"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"first_name": ""}, "first_name"),
        ({"first_name": "   "}, "first_name"),
        ({"start": "2027-01-04T09:00:00"}, "start"),
        ({"start": "tomorrow"}, "start"),
        ({"timezone": "Nowhere/Land"}, "timezone"),
        ({"duration": 45}, "duration"),
        ({"first_name": "A" * 10_000}, "first_name"),
        ({"answers": {"unknown": "x"}}, "answers.unknown"),
        ({"utm": {"utm_source": "x" * 1000}}, "utm"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_bad_booking_fields_are_422_naming_the_field(client, make_link, fields, field):
    link = make_link()
    fields = dict(fields)
    start = fields.pop("start", None) or first_slot(client, link)[0]
    response = book(client, link, start, **fields)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_error"
    assert any(k == field or k.startswith(field + ".") for k in response.json["error"]["fields"])


def test_malformed_json_is_400(client, make_link):
    link = make_link()
    response = client.post(
        f"/api/v1/public/links/{link['slug']}/bookings",
        data="{not json",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "malformed_json"


def test_a_json_array_body_is_422_not_500(client, make_link):
    link = make_link()
    response = client.post(f"/api/v1/public/links/{link['slug']}/bookings", json=[1, 2])
    assert response.status_code == 422


def test_required_custom_question_must_be_answered(client, make_link):
    form = [
        {"key": "first_name", "label": "First name", "required": True},
        {"key": "last_name", "label": "Last name", "required": True},
        {"key": "email", "label": "Email", "type": "email", "required": True},
        {"key": "company", "label": "Company", "required": True, "property": "company"},
        {"key": "size", "label": "Team size", "type": "select", "options": ["1-10", "11+"]},
    ]
    link = make_link(form=form)
    start = first_slot(client, link)[0]
    missing = book(client, link, start)
    assert missing.status_code == 422
    assert "answers.company" in missing.json["error"]["fields"]
    wrong = book(client, link, start, answers={"company": "ACME", "size": "huge"})
    assert "answers.size" in wrong.json["error"]["fields"]
    assert book(client, link, start, answers={"company": "ACME", "size": "11+"}).status_code == 201


def test_consent_mode_requires_processing_consent_and_records_it(client, make_link, host):
    consent = {
        "enabled": True,
        "mode": "consent",
        "processing_text": "We store your details to arrange the meeting.",
        "subscription_types": [{"id": "newsletter", "label": "Newsletter"}],
    }
    link = make_link(consent=consent)
    start = first_slot(client, link)[0]
    refused = book(client, link, start)
    assert refused.status_code == 422
    assert "consent.processing" in refused.json["error"]["fields"]
    ok = book(
        client, link, start, consent={"processing": True, "subscriptions": {"newsletter": True}}
    )
    assert ok.status_code == 201
    stored = client.get("/api/v1/bookings", headers=host.headers).json["items"][0]["consent"]
    assert stored["processing"] is True
    assert stored["processing_text"] == consent["processing_text"]
    assert stored["subscriptions"] == {"newsletter": True}
    assert datetime.fromisoformat(stored["at"]).tzinfo is not None


def test_manage_token_shows_the_booking(client, make_link):
    link = make_link()
    created = book(client, link, first_slot(client, link)[0]).json
    response = client.get(f"/api/v1/public/bookings/{created['manage_token']}")
    assert response.status_code == 200
    assert response.json["start"] == created["start"]
    assert response.json["contact"]["email"] == "ada@example.com"


def test_unknown_manage_token_is_404(client):
    assert client.get("/api/v1/public/bookings/nope").status_code == 404
    assert client.post("/api/v1/public/bookings/nope/cancel").status_code == 404


def test_cancelling_frees_the_slot_and_cannot_happen_twice(client, make_link):
    link = make_link()
    start = first_slot(client, link)[0]
    token = book(client, link, start).json["manage_token"]
    response = client.post(f"/api/v1/public/bookings/{token}/cancel")
    assert response.status_code == 200
    assert response.json["status"] == "cancelled"
    assert start in first_slot(client, link)
    assert book(client, link, start, email="grace@example.com").status_code == 201
    again = client.post(f"/api/v1/public/bookings/{token}/cancel")
    assert again.status_code == 409
    assert again.json["error"]["code"] == "booking_cancelled"


def test_rescheduling_moves_the_booking_and_frees_the_old_time(client, make_link):
    link = make_link()
    offered = first_slot(client, link)
    token = book(client, link, offered[0]).json["manage_token"]
    response = client.post(
        f"/api/v1/public/bookings/{token}/reschedule", json={"start": offered[3]}
    )
    assert response.status_code == 200, response.json
    assert response.json["start"] == offered[3]
    now_offered = first_slot(client, link)
    assert offered[0] in now_offered and offered[3] not in now_offered


def test_rescheduling_onto_a_taken_time_is_409(client, make_link):
    link = make_link()
    offered = first_slot(client, link)
    token = book(client, link, offered[0]).json["manage_token"]
    book(client, link, offered[2], email="grace@example.com")
    response = client.post(
        f"/api/v1/public/bookings/{token}/reschedule", json={"start": offered[2]}
    )
    assert response.status_code == 409
    assert client.get(f"/api/v1/public/bookings/{token}").json["start"] == offered[0]


def test_rescheduling_by_a_few_minutes_onto_its_own_time_is_allowed(client, make_link):
    link = make_link(slot_interval_minutes=15)
    offered = first_slot(client, link)
    token = book(client, link, offered[0]).json["manage_token"]
    response = client.post(
        f"/api/v1/public/bookings/{token}/reschedule", json={"start": offered[1]}
    )
    assert response.status_code == 200, response.json


def test_a_visitor_booking_twice_is_one_contact_whose_name_is_not_rewritten(
    client, make_link, host
):
    link = make_link()
    offered = first_slot(client, link)
    book(client, link, offered[0], email="Ada@Example.com")
    book(client, link, offered[2], email="ada@example.com", first_name="Augusta")
    contacts = client.get("/api/v1/contacts", headers=host.headers).json["items"]
    assert [(c["email"], c["first_name"]) for c in contacts] == [("ada@example.com", "Ada")]


def test_utm_parameters_are_kept_with_the_booking(client, make_link, host):
    link = make_link()
    book(client, link, first_slot(client, link)[0], utm={"utm_source": "newsletter"})
    assert client.get("/api/v1/bookings", headers=host.headers).json["items"][0]["utm"] == {
        "utm_source": "newsletter"
    }


# -- the calendar file and add-to-calendar links (SPEC §10) ----------------------------------


def test_an_unknown_tokens_calendar_file_is_404_in_the_error_shape(client):
    response = client.get("/api/v1/public/bookings/not-a-token.ics")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_the_calendar_file_is_served_as_text_calendar(client, make_link):
    link = make_link()
    token = book(client, link, first_slot(client, link)[0]).json["manage_token"]
    response = client.get(f"/api/v1/public/bookings/{token}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.get_data(as_text=True).startswith("BEGIN:VCALENDAR")


def test_the_booking_carries_google_and_outlook_links_in_utc(client, make_link):
    from urllib.parse import parse_qs, urlsplit

    link = make_link(title="Intro call", location="Room 4")
    created = book(client, link, first_slot(client, link)[0]).json
    start = datetime.fromisoformat(created["start"]).astimezone(UTC)
    end = start + timedelta(minutes=30)
    links = client.get(f"/api/v1/public/bookings/{created['manage_token']}").json["calendar"]
    assert links == created["calendar"]
    assert links["ics_url"].endswith(f"/api/v1/public/bookings/{created['manage_token']}.ics")
    google = urlsplit(links["google_url"])
    assert f"{google.scheme}://{google.netloc}{google.path}" == (
        "https://calendar.google.com/calendar/render"
    )
    query = parse_qs(google.query)
    assert query["action"] == ["TEMPLATE"]
    assert query["text"] == ["Intro call with Alice Martin"]
    assert query["dates"] == [f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}"]
    assert query["location"] == ["Room 4"]
    outlook = urlsplit(links["outlook_url"])
    assert f"{outlook.scheme}://{outlook.netloc}{outlook.path}" == (
        "https://outlook.live.com/calendar/0/deeplink/compose"
    )
    query = parse_qs(outlook.query)
    assert query["subject"] == ["Intro call with Alice Martin"]
    assert query["startdt"] == [f"{start:%Y-%m-%dT%H:%M:%SZ}"]
    assert query["enddt"] == [f"{end:%Y-%m-%dT%H:%M:%SZ}"]
    assert query["location"] == ["Room 4"]


def test_a_cancelled_booking_offers_no_add_to_calendar_links(client, make_link):
    link = make_link()
    token = book(client, link, first_slot(client, link)[0]).json["manage_token"]
    cancelled = client.post(f"/api/v1/public/bookings/{token}/cancel").json
    assert cancelled["calendar"]["google_url"] is None
    assert cancelled["calendar"]["outlook_url"] is None


# -- who cancelled or moved it, and why (issue 8.9) -------------------------------------------


def test_the_visitors_cancel_reason_is_recorded_with_who_and_when(client, make_link, host, now):
    link = make_link()
    created = book(client, link, first_slot(client, link)[0]).json
    response = client.post(
        f"/api/v1/public/bookings/{created['manage_token']}/cancel",
        json={"reason": "  Something came up.  "},
    )
    assert response.status_code == 200, response.json
    hosted = client.get(f"/api/v1/bookings/{created['id']}", headers=host.headers).json
    [change] = hosted["changes"]
    assert change["kind"] == "cancelled"
    assert change["actor"] == "visitor"
    assert change["actor_name"] == "Ada Lovelace"
    assert change["reason"] == "Something came up."
    assert abs(datetime.fromisoformat(change["at"]) - now) < timedelta(minutes=1)


def test_a_cancel_reason_over_500_characters_is_422_and_cancels_nothing(client, make_link):
    link = make_link()
    token = book(client, link, first_slot(client, link)[0]).json["manage_token"]
    response = client.post(f"/api/v1/public/bookings/{token}/cancel", json={"reason": "x" * 501})
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert "reason" in response.json["error"]["fields"]
    assert client.get(f"/api/v1/public/bookings/{token}").json["status"] == "confirmed"


def test_a_reschedule_reason_over_500_characters_is_422_and_moves_nothing(client, make_link):
    link = make_link()
    offered = first_slot(client, link)
    token = book(client, link, offered[0]).json["manage_token"]
    response = client.post(
        f"/api/v1/public/bookings/{token}/reschedule",
        json={"start": offered[2], "reason": "x" * 501},
    )
    assert response.status_code == 422
    assert "reason" in response.json["error"]["fields"]
    assert client.get(f"/api/v1/public/bookings/{token}").json["start"] == offered[0]


def test_the_visitors_reschedule_is_recorded_with_the_old_time_and_reason(client, make_link, host):
    link = make_link()
    offered = first_slot(client, link)
    created = book(client, link, offered[0]).json
    response = client.post(
        f"/api/v1/public/bookings/{created['manage_token']}/reschedule",
        json={"start": offered[2], "reason": "Train is late"},
    )
    assert response.status_code == 200, response.json
    hosted = client.get(f"/api/v1/bookings/{created['id']}", headers=host.headers).json
    [change] = hosted["changes"]
    assert (change["kind"], change["actor"], change["reason"]) == (
        "rescheduled",
        "visitor",
        "Train is late",
    )
    assert datetime.fromisoformat(change["previous_start"]) == datetime.fromisoformat(offered[0])
    assert datetime.fromisoformat(change["previous_end"]) == datetime.fromisoformat(
        offered[0]
    ) + timedelta(minutes=30)


def test_the_host_cancels_through_the_host_api_with_a_reason(client, make_link, host):
    link = make_link()
    created = book(client, link, first_slot(client, link)[0]).json
    response = client.post(
        f"/api/v1/bookings/{created['id']}/cancel",
        json={"reason": "Out sick"},
        headers=host.headers,
    )
    assert response.status_code == 200, response.json
    assert response.json["status"] == "cancelled"
    [change] = response.json["changes"]
    assert (change["actor"], change["actor_name"], change["reason"]) == (
        "host",
        "Alice Martin",
        "Out sick",
    )


def test_the_host_api_cancel_of_another_accounts_booking_is_404(client, make_link, make_host):
    link = make_link()
    created = book(client, link, first_slot(client, link)[0]).json
    stranger = make_host()
    response = client.post(
        f"/api/v1/bookings/{created['id']}/cancel", json={}, headers=stranger.headers
    )
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_the_contacts_timeline_in_the_host_api_shows_who_moved_and_cancelled_and_why(
    client, make_link, host
):
    link = make_link()
    offered = first_slot(client, link)
    created = book(client, link, offered[0]).json
    token = created["manage_token"]
    client.post(f"/api/v1/public/bookings/{token}/reschedule", json={"start": offered[2]})
    client.post(
        f"/api/v1/bookings/{created['id']}/cancel",
        json={"reason": "Double-booked"},
        headers=host.headers,
    )
    [contact] = client.get("/api/v1/contacts", headers=host.headers).json["items"]
    record = client.get(f"/api/v1/contacts/{contact['id']}", headers=host.headers).json
    [item] = [i for i in record["timeline"] if i["kind"] == "booking"]
    assert item["status"] == "cancelled"
    assert [(c["kind"], c["actor"], c["reason"]) for c in item["changes"]] == [
        ("rescheduled", "visitor", ""),
        ("cancelled", "host", "Double-booked"),
    ]
