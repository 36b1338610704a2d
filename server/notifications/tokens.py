"""Personalization tokens (L4): ``{{ contact.first_name }}``, ``{{ company.name }}``, …

A host writes a subject and a description with tokens; each visitor's values are put in
their place. This is a single pass of a regular expression, not a template engine: the
host's text is never compiled, and a value (a visitor may call themselves ``{{ 7*7 }}``)
is inserted as it is and never looked at again, so no token can run template code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

__all__ = ["TokenValues", "fill_tokens", "fill_tokens_html"]

_TOKEN = re.compile(r"\{\{\s*(contact|company)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@dataclass(frozen=True, slots=True)
class TokenValues:
    """What tokens can say about the visitor: their name, email and contact properties."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    properties: Mapping[str, Any] = field(default_factory=dict)

    def value(self, namespace: str, name: str) -> str:
        """The text of one token; a property the contact doesn't have is empty.

        ``company.name`` is the contact's ``company`` property (the form's "Company"
        question), or ``company_name``; ``company.<x>`` is the property ``company_<x>``.
        """
        if namespace == "contact":
            if name in ("first_name", "last_name", "email"):
                return getattr(self, name)
            return _text(self.properties.get(name))
        if name == "name":
            return _text(self.properties.get("company") or self.properties.get("company_name"))
        return _text(self.properties.get(f"company_{name}"))


def _text(value: Any) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return "✓"
    return str(value)


def fill_tokens(text: str | None, values: TokenValues) -> str:
    """``text`` with every token replaced by its plain value (for subjects, text bodies, .ics)."""
    if not text:
        return ""
    return _TOKEN.sub(lambda m: values.value(m.group(1), m.group(2)), text)


def fill_tokens_html(text: str | None, values: TokenValues) -> Markup:
    """``text`` as HTML: the host's text and every value escaped, line breaks kept."""
    if not text:
        return Markup("")
    parts: list[str] = []
    last = 0
    for match in _TOKEN.finditer(text):
        parts.append(str(escape(text[last : match.start()])))
        parts.append(str(escape(values.value(match.group(1), match.group(2)))))
        last = match.end()
    parts.append(str(escape(text[last:])))
    html = "".join(parts).replace("\r\n", "\n").replace("\n", "<br>\n")
    return Markup(html)  # safe: every piece was escaped above
