"""The link editor (L2–L10) through its form posts, checked against the host API's view."""

from __future__ import annotations

import html
import re

import pytest

from tests.dashboard.conftest import text

pytestmark = pytest.mark.db


def api_link(client, host, link_id):
    response = client.get(f"/api/v1/links/{link_id}", headers=host.headers)
    assert response.status_code == 200
    return response.json


def created_id(response) -> int:
    assert response.status_code == 302, text(response)
    return int(re.search(r"/app/links/(\d+)/edit/", response.headers["Location"]).group(1))


DETAILS = {
    "name": "Discovery",
    "title": "Discovery call",
    "durations": ["30", "60"],
    "durations_other": "",
    "type": "one_on_one",
}


def test_a_new_link_gets_its_details_and_keeps_its_slug(signed_in, client, host):
    response = signed_in.post(
        "/app/links/new", {**DETAILS, "slug": "discovery", "host_ids": str(host.id)}
    )
    link_id = created_id(response)
    assert response.headers["Location"].endswith("/edit/configuration")
    link = api_link(client, host, link_id)
    assert link["slug"] == f"{host.prefix}/discovery"
    assert (link["title"], link["name"], link["durations"]) == (
        "Discovery call",
        "Discovery",
        [30, 60],
    )
    saved = signed_in.post(
        f"/app/links/{link_id}/edit/details",
        {
            **DETAILS,
            "slug": "something-else",
            "durations_other": "45, 20",
            "host_ids": str(host.id),
            "action": "save",
        },
    )
    assert saved.status_code == 302
    link = api_link(client, host, link_id)
    assert link["slug"] == f"{host.prefix}/discovery"  # the URL never changes (L3)
    assert link["durations"] == [20, 30, 45, 60]


def test_details_errors_are_shown_next_to_their_fields(signed_in, client, host, db):
    signed_in.post("/app/links/new", {**DETAILS, "slug": "taken"})
    response = signed_in.post(
        "/app/links/new",
        {**DETAILS, "name": "", "slug": "Bad Slug!", "durations": [], "durations_other": "ten"},
    )
    assert response.status_code == 422
    page = html.unescape(text(response))
    assert "Give the link a name." in page
    assert "Enter durations in minutes" in page
    assert "Use a-z, 0-9 and '-'." in page
    taken = signed_in.post("/app/links/new", {**DETAILS, "slug": "taken"})
    assert taken.status_code == 422
    assert "This URL is already taken." in text(taken)
    assert len(db("SELECT id FROM booking_links")) == 1


def availability_form(hours, overrides=(), **rules):
    form = {
        "timezone": "Europe/Paris",
        "notice_amount": "0",
        "notice_unit": "hours",
        "buffer_before": "0",
        "buffer_after": "0",
        "increment": "",
        "window_kind": "rolling",
        "rolling_weeks": "4",
        "start_date": "",
        "end_date": "",
    }
    for day, pairs in hours.items():
        for i, (start, end) in enumerate(pairs):
            form[f"hours-{day}-{i}-start"], form[f"hours-{day}-{i}-end"] = start, end
    for i, (day, start, end) in enumerate(overrides):
        form[f"override-{i}-date"], form[f"override-{i}-start"], form[f"override-{i}-end"] = (
            day,
            start,
            end,
        )
    return {**form, **rules}


def test_availability_with_intervals_copied_days_overrides_and_rules(
    signed_in, client, host, make_link
):
    link = make_link()
    url = f"/app/links/{link['id']}/edit/availability"
    form = availability_form({"mon": [("09:00", "12:00"), ("13:00", "17:00")]})
    added = signed_in.post(url, {**form, "action": "add-hours:thu"})
    assert added.status_code == 200
    assert 'name="hours-thu-0-start"' in text(added)
    assert "Not saved yet" in text(added)
    copied = signed_in.post(url, {**form, "copy-mon": ["tue", "fri"], "action": "copy-hours:mon"})
    page = text(copied)
    assert 'name="hours-fri-1-start" value="13:00"' in page
    assert 'name="hours-wed-0-start"' not in page
    assert api_link(client, host, link["id"])["availability"]["mon"] == [["09:00", "17:00"]]
    saved = signed_in.post(
        url,
        {
            **availability_form(
                {d: [("09:00", "12:00"), ("13:00", "17:00")] for d in ("mon", "tue", "fri")},
                [
                    ("2030-01-07", "", ""),
                    ("2030-01-08", "10:00", "11:00"),
                    ("2030-01-08", "15:00", "16:00"),
                ],
                timezone="America/New_York",
                notice_amount="1",
                notice_unit="days",
                buffer_before="10",
                buffer_after="30",
                increment="15",
            ),
            "action": "save",
        },
    )
    assert saved.status_code == 302
    saved_link = api_link(client, host, link["id"])
    assert saved_link["availability"] == {
        d: [["09:00", "12:00"], ["13:00", "17:00"]] for d in ("mon", "tue", "fri")
    }
    assert saved_link["date_overrides"] == [
        {"date": "2030-01-07", "hours": []},
        {"date": "2030-01-08", "hours": [["10:00", "11:00"], ["15:00", "16:00"]]},
    ]
    assert saved_link["timezone"] == "America/New_York"
    assert (
        saved_link["minimum_notice_minutes"],
        saved_link["buffer_before_minutes"],
        saved_link["buffer_after_minutes"],
        saved_link["slot_interval_minutes"],
    ) == (1440, 10, 30, 15)


def test_availability_buttons_post_back_to_the_section_they_change(signed_in, make_link):
    """Without a script the browser comes back to ``#day-sun`` or ``#date-overrides``."""
    link = make_link()
    url = f"/app/links/{link['id']}/edit/availability"
    form = availability_form({"sun": [("09:00", "12:00")]})
    page = text(signed_in.post(url, {**form, "action": "add-hours:sun"}))
    assert f'value="add-hours:sun" formaction="{url}#day-sun"' in page
    assert f'value="copy-hours:sun" formaction="{url}#day-sun"' in page
    assert f'value="remove-hours:sun:1" formaction="{url}#day-sun"' in page
    assert f'value="add-override" formaction="{url}#date-overrides"' in page
    assert 'id="day-sun"' in page and 'id="date-overrides"' in page
    assert re.search(r'name="hours-sun-1-start"[^>]*data-focus', page)


def test_an_availability_button_then_save_works_without_javascript(
    signed_in, client, host, make_link
):
    link = make_link()
    url = f"/app/links/{link['id']}/edit/availability"
    form = availability_form({"sun": [("09:00", "12:00")]})
    added = signed_in.post(f"{url}#day-sun", {**form, "action": "add-hours:sun"})
    assert added.status_code == 200
    assert 'name="hours-sun-1-start"' in text(added)
    form.update({"hours-sun-1-start": "14:00", "hours-sun-1-end": "15:00", "action": "save"})
    saved = signed_in.post(url, form)
    assert saved.status_code == 302
    assert "#" not in saved.headers["Location"]
    assert api_link(client, host, link["id"])["availability"]["sun"] == [
        ["09:00", "12:00"],
        ["14:00", "15:00"],
    ]


BAD_AVAILABILITY = {
    "end before start": ({"hours-mon-0-end": "08:00"}, "the end must come after the start"),
    "half an interval": ({"hours-mon-0-end": ""}, "Give a start and an end."),
    "words for minutes": ({"buffer_after": "lots"}, "Enter a whole number."),
    "range too long": (
        {"window_kind": "range", "start_date": "2030-01-01", "end_date": "2030-06-01"},
        "A custom range is at most 10 weeks.",
    ),
    "unknown zone": ({"timezone": "Mars/Olympus"}, "Unknown time zone"),
}


def test_bad_availability_is_explained_and_nothing_changes(
    signed_in, client, host, make_link, subtests
):
    link = make_link()
    kept = ("availability", "timezone", "buffer_after_minutes", "window")
    before = api_link(client, host, link["id"])
    for case, (change, message) in BAD_AVAILABILITY.items():
        with subtests.test(case):
            form = {**availability_form({"mon": [("09:00", "17:00")]}), **change, "action": "save"}
            response = signed_in.post(f"/app/links/{link['id']}/edit/availability", form)
            assert response.status_code == 422
            assert message in html.unescape(text(response))
            after = api_link(client, host, link["id"])
            assert {k: after[k] for k in kept} == {k: before[k] for k in kept}


def test_configuration_with_reminders_language_and_locale(signed_in, client, host, make_link):
    link = make_link()
    url = f"/app/links/{link['id']}/edit/configuration"
    form = {
        "location": "Café de Flore, Paris",
        "video_link": "https://meet.example.com/ada",
        "subject": "Hello {{ contact.first_name }}",
        "description": "See you",
        "language": "fr",
        "locale": "fr-FR",
        "reminders_enabled": "on",
        "reminder-0-amount": "2",
        "reminder-0-unit": "days",
        "reminder-1-amount": "30",
        "reminder-1-unit": "minutes",
        "reminder-2-amount": "",
        "reminder-2-unit": "hours",
        "include_description": "on",
        "action": "save-next",
    }
    bad = signed_in.post(url, {**form, "video_link": "not a url"})
    assert bad.status_code == 422
    assert "Not a valid URL." in text(bad)
    response = signed_in.post(url, form)
    assert response.headers["Location"].endswith("/edit/availability")
    saved = api_link(client, host, link["id"])
    assert (saved["language"], saved["locale"], saved["location"]) == (
        "fr",
        "fr-FR",
        "Café de Flore, Paris",
    )
    assert saved["reminders"] == {
        "enabled": True,
        "offsets_minutes": [2880, 30],
        "include_description": True,
    }
    page = text(signed_in.get(url))
    assert 'name="reminder-0-amount" value="2"' in page
    preview = signed_in.get(f"/app/links/{link['id']}/email-preview?kind=reminder")
    assert preview.status_code == 200
    assert "Rappel" in text(preview)
    assert "sandbox" in preview.headers["Content-Security-Policy"]


def test_form_questions_add_require_and_reorder(signed_in, client, host, make_link):
    link = make_link()
    url = f"/app/links/{link['id']}/edit/questions"
    form = {}
    for i, q in enumerate(api_link(client, host, link["id"])["form"]):
        form |= {
            f"q-{i}-key": q["key"],
            f"q-{i}-label": q["label"],
            f"q-{i}-type": q["type"],
            f"q-{i}-property": "",
            **({f"q-{i}-required": "on"} if q["required"] else {}),
        }
    page = text(signed_in.post(url, {**form, "new_property": "phone", "action": "add-property"}))
    assert 'name="q-3-key" value="phone"' in page
    no_options = signed_in.post(
        url, {**form, "new_label": "Team size?", "new_type": "select", "action": "add-question"}
    )
    assert "A dropdown needs options" in text(no_options)
    form |= {
        "q-3-key": "phone",
        "q-3-label": "Phone number",
        "q-3-type": "phone",
        "q-3-property": "phone",
        "q-3-required": "on",
    }
    page = text(
        signed_in.post(
            url,
            {
                **form,
                "new_label": "Team size?",
                "new_type": "select",
                "new_options": "1-10\n11-50",
                "action": "add-question",
            },
        )
    )
    assert 'name="q-4-key" value="team_size"' in page
    form |= {
        "q-4-key": "team_size",
        "q-4-label": "Team size?",
        "q-4-type": "select",
        "q-4-property": "",
        "q-4-options": "1-10\n11-50",
    }
    moved = text(signed_in.post(url, {**form, "action": "up:4"}))
    assert moved.index('value="team_size"') < moved.index('value="phone"')
    refused = text(signed_in.post(url, {**form, "action": "remove:2"}))
    assert "stay on the form" in refused
    form.pop("q-1-required")  # last name becomes optional
    assert signed_in.post(url, {**form, "action": "save"}).status_code == 302
    saved = api_link(client, host, link["id"])["form"]
    assert [q["key"] for q in saved] == ["first_name", "last_name", "email", "phone", "team_size"]
    assert [q["required"] for q in saved] == [True, False, True, True, False]
    assert saved[3]["property"] == "phone"
    assert saved[4]["options"] == ["1-10", "11-50"]


def _field(page: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*>([^<]*)</textarea>', page)
    return html.unescape(match.group(1))


def test_gdpr_defaults_and_a_customisation_that_survives_switching(
    signed_in, client, host, make_link
):
    link = make_link()
    defaults = {
        "enabled": "on",
        "mode": "consent",
        "subscription_types": "Newsletter",
        "processing_text": "We process your data.",
        "privacy_text": "Default privacy",
    }
    assert signed_in.post("/app/account/privacy", defaults).status_code == 302
    consent = api_link(client, host, link["id"])["consent"]
    assert (consent["enabled"], consent["privacy_text"], consent["customized"]) == (
        True,
        "Default privacy",
        False,
    )
    assert consent["subscription_types"] == [{"id": "newsletter", "label": "Newsletter"}]
    url = f"/app/links/{link['id']}/edit/gdpr"
    own = {
        "customized": "on",
        "enabled": "on",
        "mode": "legitimate_interest",
        "legal_basis": "customer",
        "subscription_types": "",
        "processing_text": "",
        "privacy_text": "Link privacy",
    }
    assert signed_in.post(url, own).status_code == 302
    consent = api_link(client, host, link["id"])["consent"]
    assert (consent["mode"], consent["legal_basis"], consent["privacy_text"]) == (
        "legitimate_interest",
        "customer",
        "Link privacy",
    )
    # switched off: the defaults apply, the page still holds the link's own texts
    page = text(signed_in.get(url))
    off = {k: v for k, v in own.items() if k != "customized"}
    off["privacy_text"] = _field(page, "privacy_text")
    assert signed_in.post(url, off).status_code == 302
    consent = api_link(client, host, link["id"])["consent"]
    assert (consent["privacy_text"], consent["customized"]) == ("Default privacy", False)
    page = text(signed_in.get(url))
    assert _field(page, "privacy_text") == "Link privacy"
    # switched on again: the link's own settings are back, as they were
    assert (
        signed_in.post(
            url, {**off, "customized": "on", "privacy_text": _field(page, "privacy_text")}
        ).status_code
        == 302
    )
    consent = api_link(client, host, link["id"])["consent"]
    assert (consent["privacy_text"], consent["mode"], consent["customized"]) == (
        "Link privacy",
        "legitimate_interest",
        True,
    )
    # new defaults reach links that follow them, not this customised one
    signed_in.post("/app/account/privacy", {**defaults, "privacy_text": "Newer privacy"})
    assert api_link(client, host, link["id"])["consent"]["privacy_text"] == "Link privacy"
    created = created_id(signed_in.post("/app/links/new", {**DETAILS, "slug": "fresh"}))
    assert api_link(client, host, created)["consent"]["privacy_text"] == "Newer privacy"


def test_team_links_pick_hosts_of_the_account(signed_in, client, host, make_host):
    bob = make_host(name="Bob Stone", same_account_as=host)
    page = text(signed_in.get("/app/links/new"))
    assert "Bob Stone" in page
    response = signed_in.post(
        "/app/links/new",
        {**DETAILS, "slug": "team", "type": "round_robin", "host_ids": [str(host.id), str(bob.id)]},
    )
    link = api_link(client, host, created_id(response))
    assert (link["type"], link["host_ids"]) == ("round_robin", [host.id, bob.id])
    one = signed_in.post(
        "/app/links/new",
        {**DETAILS, "slug": "solo", "type": "one_on_one", "host_ids": [str(host.id), str(bob.id)]},
    )
    assert one.status_code == 422
    assert "exactly one host" in text(one)


def test_share_link_embed_code_default_star_and_delete(signed_in, client, host, make_link):
    first, second = make_link(), make_link()
    page = html.unescape(text(signed_in.get("/app/links")))
    url = f"http://rendezvous.test/meetings/{second['slug']}"
    assert f'value="{url}"' in page
    assert f'<div class="rendezvous-embed" data-src="{url}"></div>' in page
    assert '<script src="http://rendezvous.test/embed/v1/embed.js" async></script>' in page
    embed = signed_in.get(f"/app/links/{second['id']}/embed")
    assert "'unsafe-eval'" in embed.headers["Content-Security-Policy"]
    assert f'data-src="{url}"' in text(embed)
    assert "'unsafe-eval'" not in signed_in.get("/app/links").headers["Content-Security-Policy"]

    signed_in.post(f"/app/links/{second['id']}/default")
    page = text(signed_in.get("/app/links"))
    assert page.index(second["slug"]) < page.index(first["slug"])  # the default comes first
    assert 'aria-pressed="true"' in page
    signed_in.post(f"/app/links/{second['id']}/default")
    assert 'aria-pressed="true"' not in text(signed_in.get("/app/links"))

    kept = signed_in.post(f"/app/links/{first['id']}/delete")
    assert kept.status_code == 302
    assert client.get(f"/api/v1/links/{first['id']}", headers=host.headers).status_code == 200
    signed_in.post(f"/app/links/{first['id']}/delete", {"confirm": "yes"})
    assert client.get(f"/api/v1/links/{first['id']}", headers=host.headers).status_code == 404
    assert client.get(f"/meetings/{first['slug']}").status_code == 404
