"""The link editor's email preview (L5): the real rendering, a sample visitor, no database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from server.accounts.models import User
from server.errors import ValidationFailed
from server.links.models import BookingLink
from server.notifications.preview import SampleContact, preview_email
from server.notifications.settings import MailSettings

SETTINGS = MailSettings(base_url="http://rendezvous.test", sender="no-reply@rendezvous.test")
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def link_model(**fields: Any) -> BookingLink:
    """An unsaved link, as the editor holds it while the host types."""
    fields.setdefault("title", "Discovery call")
    fields.setdefault("slug", "alice-martin/discovery")
    fields.setdefault("type", "one_on_one")
    fields.setdefault("durations", [45])
    fields.setdefault("timezone", "Europe/Paris")
    fields.setdefault("language", "fr")
    fields.setdefault("locale", "fr-FR")
    fields.setdefault("subject", "Échange avec {{ company.name }}")
    fields.setdefault("description", "Bonjour {{ contact.first_name }}, à bientôt.")
    fields.setdefault(
        "reminders", {"enabled": True, "offsets_minutes": [60], "include_description": True}
    )
    link = BookingLink(**fields)
    link.owner = User(name="Alice Martin", email="alice@example.com", timezone="Europe/Paris")
    return link


def test_reminder_preview_is_in_the_links_language_with_sample_values() -> None:
    preview = preview_email(link_model(), settings=SETTINGS, now=NOW)
    assert preview.subject == "Rappel : Échange avec Acme"
    assert "Votre réunion approche" in preview.text
    assert "Bonjour Jane," in preview.text
    assert "jeudi 26 novembre 2026, 10:00 – 10:45" in preview.text
    assert "Bonjour Jane, à bientôt." in preview.text
    assert '<html lang="fr">' in preview.html


def test_preview_in_another_language_and_for_a_given_contact() -> None:
    contact = SampleContact(first_name="Grace", last_name="Hopper", properties={"company": "Navy"})
    preview = preview_email(
        link_model(), language="de", contact=contact, settings=SETTINGS, now=NOW
    )
    assert preview.subject == "Erinnerung: Échange avec Navy"
    assert "Hallo Grace," in preview.text
    assert "Donnerstag, 26. November 2026" in preview.text


def test_preview_leaves_out_the_description_when_reminders_do() -> None:
    link = link_model(reminders={"enabled": True, "offsets_minutes": [60]})
    assert "à bientôt" not in preview_email(link, settings=SETTINGS, now=NOW).text


def test_invitation_preview() -> None:
    preview = preview_email(link_model(), kind="invitation", settings=SETTINGS, now=NOW)
    assert preview.subject == "Confirmé : Échange avec Acme"
    assert "http://rendezvous.test/meetings/manage/preview?action=cancel" in preview.text


@pytest.mark.parametrize(("option", "value"), [("language", "xx"), ("kind", "newsletter")])
def test_an_unknown_language_or_kind_is_a_422_naming_the_field(option: str, value: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        preview_email(link_model(), settings=SETTINGS, now=NOW, **{option: value})
    assert raised.value.status == 422
    assert list(raised.value.fields or {}) == [option]
