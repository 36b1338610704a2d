"""An :class:`Email` as the RFC 5322 text stored in the outbox and handed to SMTP.

``multipart/mixed`` holding ``multipart/alternative`` (text, HTML, and the invitation as
``text/calendar; method=…``, which is what Gmail and Outlook read to show "Add to calendar")
plus the same ``.ics`` as an attachment for every other client. The text is 7-bit clean
(quoted-printable bodies, RFC 2047 headers) so it can be stored and sent as it is.

This runs inside the booking's transaction, so it uses the ``email.mime`` classes, about
ten times faster than ``EmailMessage`` here. The rare address whose local part isn't ASCII
(``josé@…``) can't be written in 7 bits at all: that message is built with the UTF-8 policy
and sent with SMTPUTF8.
"""

from __future__ import annotations

from email.charset import QP, Charset
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import SMTP
from email.utils import formataddr, make_msgid

from server.fields import CONTROL_CHARACTERS as _CONTROL
from server.notifications.facts import Person
from server.notifications.messages import Email

__all__ = ["ascii_domain", "needs_smtputf8", "one_line", "to_mime"]

_UTF8 = Charset("utf-8")
_UTF8.header_encoding = QP
_UTF8.body_encoding = QP
#: for an address whose local part isn't ASCII: only SMTPUTF8 can carry it
POLICY_UTF8 = SMTP.clone(utf8=True, linesep="\n")


def ascii_domain(address: str) -> str:
    """``ana@exämple.com`` → ``ana@xn--exmple-cua.com``: IDNA works with every server."""
    local, at, domain = address.rpartition("@")
    try:
        return f"{local}{at}{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return address


def needs_smtputf8(*addresses: str) -> bool:
    return not all(ascii_domain(a).isascii() for a in addresses)


def _attachment_name(method: str) -> str:
    return "invite.ics" if method == "REQUEST" else "cancel.ics"


def to_mime(email: Email, *, sender: str, domain: str) -> str:
    """The whole message, without ``Date`` (the worker stamps it when it actually sends).

    ``Message-ID`` is fixed here, so a retry after an unclear failure repeats the same ID
    and the receiving server can recognise a duplicate.
    """
    people = [email.to, *([email.reply_to] if email.reply_to else [])]
    if needs_smtputf8(*(p.email for p in people)):
        return _to_utf8_mime(email, sender=sender, domain=domain)
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(email.text, "plain", _UTF8))
    alternative.attach(MIMEText(email.html, "html", _UTF8))
    root: Message = alternative
    if email.ics is not None:
        method = email.ics_method or "REQUEST"
        calendar = MIMEText(email.ics, "calendar", _UTF8)
        calendar.set_param("method", method)
        alternative.attach(calendar)
        attachment = MIMEApplication(email.ics.encode(), "ics")
        attachment.add_header(
            "Content-Disposition", "attachment", filename=_attachment_name(method)
        )
        root = MIMEMultipart("mixed", _subparts=[alternative, attachment])
    root["From"] = formataddr((one_line(email.from_name), sender), charset="utf-8")
    root["To"] = _address(email.to)
    if email.reply_to is not None:
        root["Reply-To"] = _address(email.reply_to)
    subject = one_line(email.subject)
    root["Subject"] = subject if subject.isascii() else Header(subject, _UTF8).encode()
    root["Message-ID"] = _message_id(email, domain)
    root["Auto-Submitted"] = "auto-generated"
    return root.as_string()


def one_line(text: str) -> str:
    """A header's text on one line whatever it was given: every control character (CR and
    LF above all, which would start a header of their own) becomes a space."""
    return " ".join(_CONTROL.sub(" ", text).split())


def _address(person: Person) -> str:
    return formataddr((one_line(person.name), ascii_domain(person.email)), charset="utf-8")


def _message_id(email: Email, domain: str) -> str:
    return make_msgid(idstring=email.kind.replace("_", "-"), domain=domain)


def _to_utf8_mime(email: Email, *, sender: str, domain: str) -> str:
    """The same message with raw UTF-8 headers, for an address ASCII can't spell."""

    def address(person: Person) -> str:
        name = one_line(person.name).replace("\\", "\\\\").replace('"', '\\"')
        return f'"{name}" <{ascii_domain(person.email)}>'

    message = EmailMessage(policy=POLICY_UTF8)
    from_name = one_line(email.from_name).replace("\\", "\\\\").replace('"', '\\"')
    message["From"] = f'"{from_name}" <{sender}>'
    message["To"] = address(email.to)
    if email.reply_to is not None:
        message["Reply-To"] = address(email.reply_to)
    message["Subject"] = one_line(email.subject)
    message["Message-ID"] = _message_id(email, domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    if email.ics is not None:
        method = email.ics_method or "REQUEST"
        message.add_alternative(email.ics, subtype="calendar", params={"method": method})
        message.add_attachment(
            email.ics.encode(),
            maintype="application",
            subtype="ics",
            filename=_attachment_name(method),
        )
    return message.as_string()
