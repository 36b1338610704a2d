"""Every header the mail builder writes is one line, whatever text it is given (issue 12.4):
a name or subject carrying CR/LF can't add a header (``Bcc:``) nor lose ``Subject`` or
``Message-ID``, on the ASCII path and on the SMTPUTF8 one."""

from __future__ import annotations

import email
import email.policy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.notifications.facts import Person
from server.notifications.messages import Email
from server.notifications.mime import one_line, to_mime

HOSTILE = "Ada\r\nBcc: victim@example.com\r\nX-Evil: 1"


def message(to: str, *, name: str = HOSTILE, subject: str = HOSTILE) -> email.message.Message:
    built = Email(
        kind="invitation",
        to=Person(name, to, "Europe/Paris"),
        subject=subject,
        text="Hello",
        html="<p>Hello</p>",
        language="en",
        from_name=f"Alice {HOSTILE}",
        reply_to=Person(name, "alice@example.com", "Europe/Paris"),
    )
    return email.message_from_string(
        to_mime(built, sender="no-reply@rendezvous.test", domain="rendezvous.test"),
        policy=email.policy.default,
    )


@pytest.mark.parametrize("address", ["ada@example.com", "adå@exämple.com"])
def test_a_hostile_name_and_subject_add_no_header_and_lose_none(address):
    parsed = message(address)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert parsed["Message-ID"] and parsed["Auto-Submitted"] == "auto-generated"
    assert parsed.get_all("Subject") == [one_line(HOSTILE)]
    (recipient,) = parsed["To"].addresses
    assert recipient.username == address.split("@")[0]
    assert "victim" not in recipient.addr_spec


@given(st.text(max_size=80))
def test_one_line_has_no_line_break_or_control_character(text):
    result = one_line(text)
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or c in "\u2028\u2029" for c in result)
    assert result == result.strip()
