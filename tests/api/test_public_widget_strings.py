"""The link config carries the widget's strings in the link's language (issue 3 Build §2)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.db


def test_a_french_link_ships_french_widget_strings(client, make_link):
    link = make_link(language="fr", locale="fr-FR")
    body = client.get(f"/api/v1/public/links/{link['slug']}").json
    assert body["language"] == "fr"
    assert body["strings"]["Confirm booking"] == "Confirmer le rendez-vous"
    assert body["strings"]["{n} times available"] == "{n} créneaux disponibles"


def test_an_english_link_ships_no_strings_the_widget_falls_back_to_msgids(client, make_link):
    body = client.get(f"/api/v1/public/links/{make_link()['slug']}").json
    assert body["strings"] == {}
