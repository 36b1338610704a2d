"""Translations from Babel ``.po`` catalogs, compiled in memory when first used.

Catalogs live in ``server/translations/<lang>/LC_MESSAGES/<domain>.po``; each feature has its
own domain (``emails``, ``widget``, …) so their catalogs can change independently. No ``.mo``
files are committed or built: ``read_po`` + ``write_mo`` at first use take a few milliseconds.
"""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

__all__ = ["LANGUAGES", "catalog_messages", "translations"]

LANGUAGES = ("en", "fr", "de", "es")
TRANSLATIONS = Path(__file__).with_name("translations")


@cache
def translations(language: str, domain: str) -> NullTranslations:
    """The ``gettext`` object for ``language``; English (the msgids) when there is no catalog."""
    path = TRANSLATIONS / language / "LC_MESSAGES" / f"{domain}.po"
    if not path.is_file():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=domain)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled, domain=domain)


@cache
def catalog_messages(language: str, domain: str) -> dict[str, str]:
    """Every translated string of a domain, ``{msgid: translation}``, for shipping to a client.

    Untranslated and fuzzy entries are left out, so the client falls back to the msgid.
    """
    path = TRANSLATIONS / language / "LC_MESSAGES" / f"{domain}.po"
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=domain)
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and m.string and not m.fuzzy and isinstance(m.id, str)
    }
