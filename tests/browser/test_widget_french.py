"""A French link (language fr, locale fr-FR) speaks French and writes fr-FR dates and 24-hour
times (SPEC B1, issue 3 Build §2); the strings come with the link config."""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel.dates import format_date

from tests.browser.widget_steps import record_events, wait_ready


@pytest.fixture
def context_options():
    # the visitor's browser is in English: the link's language wins inside the widget
    return {
        "viewport": {"width": 1024, "height": 800},
        "locale": "en-US",
        "timezone_id": "Europe/Paris",
    }


def test_a_french_link_shows_french_words_and_fr_fr_dates(page, examples_origin, make_live_link):
    link = make_live_link(language="fr", locale="fr-FR")
    record_events(page)
    page.goto(f"{examples_origin}/plain.html?slug={link['slug']}")
    wait_ready(page)
    scope = page.locator(".rendezvous-embed")

    assert scope.locator(".rdv-root").get_attribute("lang") == "fr"
    assert scope.get_by_role("button", name="Mois suivant").is_visible()
    assert scope.get_by_label("Fuseau horaire").is_visible()
    assert scope.locator(".rdv-grid th").first.inner_text() == "lun."  # weeks start on Monday

    cell = scope.locator(".rdv-day.rdv-open").first
    day = date.fromisoformat(cell.get_attribute("data-date"))
    full = format_date(day, "EEEE d MMMM y", locale="fr_FR")
    assert re.fullmatch(
        re.escape(full) + r", (1 créneau disponible|\d+ créneaux disponibles)",
        cell.get_attribute("aria-label"),
    )
    month = scope.locator(".rdv-month").text_content()
    assert month == format_date(day, "LLLL y", locale="fr_FR")

    cell.click()
    assert scope.locator(".rdv-dayhead").text_content() == format_date(
        day, "EEEE d MMMM", locale="fr_FR"
    )
    times = scope.locator(".rdv-slot").all_inner_texts()
    assert times and all(re.fullmatch(r"\d\d:\d\d", t) for t in times), times

    scope.locator(".rdv-slot").first.click()
    assert scope.get_by_role("heading", name="Vos coordonnées").is_visible()
    assert scope.get_by_role("textbox", name="Prénom").is_visible()
    assert scope.get_by_role("textbox", name="E-mail").is_visible()
    summary = scope.locator(".rdv-summary").inner_text()
    assert format_date(day, "d MMMM y", locale="fr_FR") in summary and f" à {times[0]}" in summary
    scope.get_by_role("button", name="Confirmer le rendez-vous").click()
    assert scope.get_by_text("Ce champ est obligatoire.").first.is_visible()
    assert scope.get_by_role("button", name="Retour").is_visible()
    assert page.js_errors == []
