"""The link's form in the widget (SPEC L8, L9, E3): its question types, client checks, the
server's field errors next to their field, the GDPR block, prefill and UTM parameters."""

from __future__ import annotations

from datetime import datetime

from playwright.sync_api import expect

from tests.browser.widget_steps import (
    confirm,
    events,
    fill_details,
    pick_first_time,
    record_events,
    wait_ready,
)

QUESTIONS = [
    {"key": "first_name", "label": "First name", "type": "text", "required": True},
    {"key": "last_name", "label": "Last name", "type": "text", "required": True},
    {"key": "email", "label": "Email", "type": "email", "required": True},
    {"key": "company", "label": "Company", "type": "text", "required": True},
    {"key": "phone", "label": "Phone", "type": "phone"},
    {"key": "seats", "label": "Team size", "type": "number"},
    {"key": "topic", "label": "Topic", "type": "select", "options": ["Demo", "Pricing"]},
    {"key": "notes", "label": "Anything else", "type": "long_text"},
    {"key": "existing", "label": "I already use the product", "type": "checkbox"},
]
CONSENT = {
    "enabled": True,
    "mode": "consent",
    "subscription_types": [{"id": "news", "label": "Monthly newsletter"}],
    "processing_text": "I agree to the processing of my data.",
    "privacy_text": "Unsubscribe at any time.",
}


def _bookings(live_app, live_host, link):
    return live_app.api("GET", f"/api/v1/bookings?link_id={link['id']}", live_host["token"]).json[
        "items"
    ]


def test_questions_checks_and_consent_reach_the_booking_typed(
    page, examples_origin, make_live_link, live_app, live_host
):
    link = make_live_link(form=QUESTIONS, consent=CONSENT)
    record_events(page)
    page.goto(f"{examples_origin}/plain.html?slug={link['slug']}")
    wait_ready(page)
    scope = page.locator(".rendezvous-embed")
    pick_first_time(scope)
    posts = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)

    fill_details(scope, email="not-an-email")
    scope.get_by_label("Phone").fill("call me")
    scope.get_by_label("Team size").fill("a dozen")
    scope.get_by_role("button", name="Confirm booking").click()
    expect(scope.get_by_role("textbox", name="Email")).to_be_focused()  # the first to fix
    for name, message in [
        ("Email", "Enter a valid email address."),
        ("Company", "This field is required."),
        ("Phone", "Enter a valid phone number."),
        ("Team size", "Enter a number."),
    ]:
        field = scope.get_by_role("textbox", name=name)
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_accessible_description(message)
    processing = scope.get_by_role("checkbox", name="I agree to the processing of my data.")
    expect(processing).to_have_accessible_description("This field is required.")
    assert posts == []  # nothing was sent

    scope.get_by_label("Email").fill("ada@example.com")
    scope.get_by_role("textbox", name="Company").fill("Analytical Engines")
    scope.get_by_label("Phone").fill("+44 20 7946 0000")
    scope.get_by_label("Team size").fill("12")
    scope.get_by_label("Topic").select_option("Pricing")
    scope.get_by_label("Anything else").fill("Bring the punch cards.")
    scope.get_by_label("I already use the product").check()
    scope.get_by_label("Monthly newsletter").check()
    processing.check()
    confirm(scope)

    (booking,) = _bookings(live_app, live_host, link)
    assert booking["answers"] == {
        "company": "Analytical Engines",
        "phone": "+44 20 7946 0000",
        "seats": 12,
        "topic": "Pricing",
        "notes": "Bring the punch cards.",
        "existing": True,
    }
    assert booking["consent"]["processing"] is True
    assert booking["consent"]["subscriptions"] == {"news": True}
    assert page.js_errors == []


def test_server_field_errors_show_next_to_their_field(page, examples_origin, make_live_link):
    link = make_live_link(form=QUESTIONS)
    page.goto(f"{examples_origin}/plain.html?slug={link['slug']}")
    scope = page.locator(".rendezvous-embed")
    pick_first_time(scope)
    fill_details(scope)
    scope.get_by_role("textbox", name="Company").fill("ACME")
    page.route(
        "**/bookings",
        lambda route: route.fulfill(
            status=422,
            json={
                "error": {
                    "code": "validation_error",
                    "message": "Some fields are invalid.",
                    "fields": {
                        "email": ["Not a valid email address."],
                        "answers.company": ["This company is not allowed."],
                    },
                }
            },
        ),
    )
    scope.get_by_role("button", name="Confirm booking").click()
    email = scope.get_by_role("textbox", name="Email")
    expect(email).to_have_accessible_description("Not a valid email address.")
    expect(email).to_be_focused()
    expect(scope.get_by_role("textbox", name="Company")).to_have_accessible_description(
        "This company is not allowed."
    )
    expect(scope.locator(".rdv-formerr")).to_have_text("Please correct the marked fields.")


def test_prefill_and_utm_parameters_reach_the_booking_and_the_booked_event(
    page, examples_origin, make_live_link, live_app, live_host
):
    link = make_live_link()
    record_events(page)
    query = "first_name=Grace&last_name=Hopper&email=grace%40example.com"
    query += "&utm_source=newsletter&utm_campaign=spring"
    page.goto(f"{examples_origin}/plain.html?slug={link['slug']}&{query}")
    wait_ready(page)
    scope = page.locator(".rendezvous-embed")
    pick_first_time(scope)
    assert scope.get_by_label("First name").input_value() == "Grace"
    assert scope.get_by_label("Last name").input_value() == "Hopper"
    assert scope.get_by_label("Email").input_value() == "grace@example.com"
    confirm(scope)

    (booking,) = _bookings(live_app, live_host, link)
    assert booking["utm"] == {"utm_source": "newsletter", "utm_campaign": "spring"}
    (fired,) = events(page, "booked")
    assert fired["detail"]["id"] == booking["id"]
    assert datetime.fromisoformat(fired["detail"]["start"]) == datetime.fromisoformat(
        booking["start"]
    )
    assert fired["detail"]["manage_url"].endswith(
        "/meetings/manage/" + fired["detail"]["manage_token"]
    )
    assert page.js_errors == []


def test_legitimate_interest_shows_the_notice_and_asks_for_no_consent(
    page, examples_origin, make_live_link, live_app, live_host
):
    notice = "We use your details to prepare this meeting, as our customer."
    link = make_live_link(
        consent={
            "enabled": True,
            "mode": "legitimate_interest",
            "legal_basis": "customer",
            "subscription_types": [{"id": "news", "label": "Monthly newsletter"}],
            "privacy_text": notice,
        }
    )
    page.goto(f"{examples_origin}/plain.html?slug={link['slug']}")
    scope = page.locator(".rendezvous-embed")
    pick_first_time(scope)
    expect(scope.get_by_role("group", name="Privacy")).to_contain_text(notice)
    assert scope.get_by_role("checkbox").count() == 0
    fill_details(scope)
    confirm(scope)
    (booking,) = _bookings(live_app, live_host, link)
    assert booking["consent"]["mode"] == "legitimate_interest"
    assert booking["consent"]["subscriptions"] == {"news": True}
