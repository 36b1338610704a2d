"""Personalization tokens (L4) are filled with the visitor's values and can never run code."""

from __future__ import annotations

import pytest

from server.notifications.tokens import TokenValues, fill_tokens, fill_tokens_html

ADA = TokenValues(
    first_name="Ada",
    last_name="Lovelace",
    email="ada@example.com",
    properties={"company": "Analytical Engines", "phone": "+44 20 7946 0000", "vip": True},
)


@pytest.mark.parametrize(
    ("text", "filled"),
    [
        ("Hi {{ contact.first_name }}", "Hi Ada"),
        ("{{contact.last_name}}, {{  contact.email  }}", "Lovelace, ada@example.com"),
        ("Call {{ contact.phone }}", "Call +44 20 7946 0000"),
        ("For {{ company.name }}", "For Analytical Engines"),
        ("VIP: {{ contact.vip }}", "VIP: ✓"),
        ("Fax: {{ contact.fax }}.", "Fax: ."),
        ("{{ company.domain }}", ""),
    ],
)
def test_tokens_are_replaced_by_the_contacts_values(text: str, filled: str) -> None:
    assert fill_tokens(text, ADA) == filled


def test_company_name_falls_back_to_the_company_name_property() -> None:
    values = TokenValues(first_name="A", properties={"company_name": "Babbage & Co"})
    assert fill_tokens("{{ company.name }}", values) == "Babbage & Co"


def test_text_that_is_not_a_known_token_is_left_as_written() -> None:
    text = "{{ user.password }} {% if x %}{{ 7 * 7 }}{% endif %} {{ contact.first_name"
    assert fill_tokens(text, ADA) == text


@pytest.mark.parametrize(
    "name",
    [
        "{{ 7*7 }}",
        "{{ contact.email }}",
        "{% for x in range(10**9) %}x{% endfor %}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    ],
)
def test_a_value_is_inserted_as_it_is_never_evaluated(name: str) -> None:
    visitor = TokenValues(first_name=name, email="ada@example.com")
    assert fill_tokens("Hi {{ contact.first_name }}!", visitor) == f"Hi {name}!"


def test_a_dunder_name_is_just_a_missing_property() -> None:
    assert fill_tokens("[{{ contact.__class__ }}]", ADA) == "[]"


def test_html_escapes_the_hosts_text_and_every_value_and_keeps_line_breaks() -> None:
    visitor = TokenValues(first_name="<script>alert(1)</script>", properties={"company": "A&B"})
    html = fill_tokens_html("<b>Hi</b> {{ contact.first_name }}\nof {{ company.name }}", visitor)
    assert html == ("&lt;b&gt;Hi&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;<br>\nof A&amp;B")
