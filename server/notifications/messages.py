"""Every email Rendezvous sends, each built by a pure function from plain data (N2).

Invitation and host notification (B4), reschedule and cancellation to both sides (B5),
reminders (B6, L5) and the request-a-meeting notice (C6). Words come from the ``emails``
catalog of the link's language; times are in the recipient's zone, formatted for the link's
locale; the host's subject and description get their personalization tokens filled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from server.i18n import LANGUAGES, translations
from server.notifications.dates import (
    format_duration,
    format_moment,
    format_when,
    formatting_locale,
)
from server.notifications.facts import Meeting, MeetingRequest, Person
from server.notifications.ics import meeting_calendar
from server.notifications.tokens import fill_tokens, fill_tokens_html

__all__ = [
    "DOMAIN",
    "Email",
    "calendar_file",
    "cancellation",
    "host_calendar_description",
    "host_notification",
    "invitation",
    "reminder",
    "request_notice",
    "reschedule_notice",
]

DOMAIN = "emails"
TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True, slots=True)
class Email:
    """A message ready to be turned into MIME: one recipient, text and HTML, maybe an .ics."""

    kind: str
    to: Person
    subject: str
    text: str
    html: str
    language: str
    from_name: str
    reply_to: Person | None = None
    ics: str | None = None
    ics_method: str | None = None


@cache
def _environment(language: str) -> Environment:
    """One Jinja environment per language: HTML autoescaped, gettext from its catalog.

    Only our own templates are ever compiled; what hosts and visitors write reaches them as
    values (see :mod:`server.notifications.tokens`), so nobody else's text runs as code.
    """
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(language, DOMAIN), newstyle=True)  # type: ignore[attr-defined]
    return env


def _language(language: str) -> str:
    return language if language in LANGUAGES else "en"


def _gettext(language: str) -> Callable[[str], str]:
    return translations(_language(language), DOMAIN).gettext


def _render(name: str, context: dict[str, Any]) -> tuple[str, str]:
    """``name``.txt and ``name``.html rendered with ``context`` in ``context["language"]``."""
    env = _environment(context["language"])
    text = env.get_template(f"{name}.txt").render(**context)
    html = env.get_template(f"{name}.html").render(**context)
    return text, html


# -- what both sides' messages about a booking share -------------------------------------


def _locale(meeting: Meeting | MeetingRequest) -> Locale:
    return formatting_locale(_language(meeting.language), meeting.locale)


def _from_name(meeting: Meeting) -> str:
    return f"{meeting.organizer.name} via Rendezvous"


def visitor_subject(meeting: Meeting) -> str:
    """The link's subject with tokens filled, or "<title> with <host>" when it has none."""
    _ = _gettext(meeting.language)
    subject = fill_tokens(meeting.subject, meeting.tokens).strip()
    if not subject:
        subject = _("{title} with {name}").format(title=meeting.title, name=meeting.organizer.name)
    return " ".join(subject.split())  # a header: no line breaks


def host_subject(meeting: Meeting) -> str:
    """What the host's messages call the meeting: the title and who booked it."""
    _ = _gettext(meeting.language)
    return _("{title} with {name}").format(title=meeting.title, name=meeting.visitor.name)


def host_calendar_description(meeting: Meeting) -> str:
    """What the host reads in their calendar (write-back, the subscription feed): the
    visitor's answers and the booking's page."""
    lines = [f"{label}: {answer}" for label, answer in meeting.answers]
    return "\n\n".join(part for part in ("\n".join(lines), meeting.booking_url) if part)


def _for_host(meeting: Meeting, recipient: Person) -> bool:
    return recipient.email != meeting.visitor.email


def _change_line(meeting: Meeting, recipient: Person) -> str | None:
    """Who did it, in the recipient's words: "You …" to the one who did, else their name."""
    change = meeting.change
    if change is None:
        return None
    _ = _gettext(meeting.language)
    if change.actor == "visitor":
        yours = not _for_host(meeting, recipient)
    else:
        yours = change.actor_email.lower() == recipient.email.lower()
    if change.kind == "cancelled":
        if yours:
            return _("You cancelled this meeting.")
        return _("{name} cancelled this meeting.").format(name=change.actor_name)
    if yours:
        return _("You moved this meeting.")
    return _("{name} moved this meeting.").format(name=change.actor_name)


def _context(meeting: Meeting, recipient: Person, subject: str, **extra: Any) -> dict[str, Any]:
    locale = _locale(meeting)
    for_host = _for_host(meeting, recipient)
    manage = None if for_host else meeting.manage_url
    return {
        "language": _language(meeting.language),
        "subject": subject,
        "recipient": recipient,
        "for_host": for_host,
        "meeting": meeting,
        "when": format_when(meeting.start, meeting.end, recipient.timezone, locale),
        "duration": format_duration(meeting.duration_minutes, locale),
        "hosts": ", ".join(h.name for h in meeting.hosts),
        "other_name": meeting.visitor.name if for_host else meeting.organizer.name,
        "greeting": recipient.name if for_host else (meeting.tokens.first_name or recipient.name),
        "reschedule_url": f"{manage}?action=reschedule" if manage else None,
        "cancel_url": f"{manage}?action=cancel" if manage else None,
        "description_text": fill_tokens(meeting.description, meeting.tokens).strip(),
        "description_html": fill_tokens_html((meeting.description or "").strip(), meeting.tokens),
        "change_line": _change_line(meeting, recipient),
        "change_reason": meeting.change.reason if meeting.change else "",
        **extra,
    }


def _booking_email(
    kind: str,
    meeting: Meeting,
    recipient: Person,
    subject: str,
    template: str,
    *,
    stamp: datetime | None,
    method: str | None = None,
    **extra: Any,
) -> Email:
    for_host = _for_host(meeting, recipient)
    if meeting.calendar_invites_visitor and not for_host:
        method = None  # the host's calendar sends the visitor's invitation itself
    attached = method is not None and stamp is not None
    context = _context(meeting, recipient, subject, attached=attached, **extra)
    text, html = _render(template, context)
    ics = None
    if attached:
        assert method is not None and stamp is not None
        ics = _calendar(meeting, method, for_host=for_host, stamp=stamp)
    return Email(
        kind=kind,
        to=recipient,
        subject=subject,
        text=text,
        html=html,
        language=_language(meeting.language),
        from_name=_from_name(meeting),
        reply_to=meeting.visitor if for_host else meeting.organizer,
        ics=ics,
        ics_method=method if ics else None,
    )


def _calendar(meeting: Meeting, method: str, *, for_host: bool, stamp: datetime) -> str:
    """The meeting's .ics as its side reads it: the same UID and SEQUENCE for everyone."""
    return meeting_calendar(
        meeting,
        method=method,  # type: ignore[arg-type]
        summary=host_subject(meeting) if for_host else visitor_subject(meeting),
        description=fill_tokens(meeting.description, meeting.tokens).strip(),
        stamp=stamp,
    )


def calendar_file(meeting: Meeting, *, cancelled: bool, stamp: datetime) -> str:
    """The visitor's calendar file of the meeting as it stands (SPEC §10, issue 8.6).

    Exactly what the visitor's latest email attached: METHOD:REQUEST while the meeting is on,
    METHOD:CANCEL once it is off, so importing it updates or removes the one event the
    invitation made instead of adding a second one.
    """
    method = "CANCEL" if cancelled else "REQUEST"
    return _calendar(meeting, method, for_host=False, stamp=stamp)


# -- the messages --------------------------------------------------------------------------


def invitation(meeting: Meeting, *, stamp: datetime) -> Email:
    """B4: the visitor's confirmation, with the .ics (METHOD:REQUEST) and the manage links."""
    _ = _gettext(meeting.language)
    subject = _("Confirmed: {subject}").format(subject=visitor_subject(meeting))
    return _booking_email(
        "invitation", meeting, meeting.visitor, subject, "invitation", stamp=stamp, method="REQUEST"
    )


def host_notification(meeting: Meeting, host: Person, *, stamp: datetime) -> Email:
    """B4: tells an attending host who booked, when (in the host's zone), and where to look."""
    _ = _gettext(meeting.language)
    subject = _("New meeting: {subject}").format(subject=host_subject(meeting))
    return _booking_email(
        "host_notification",
        meeting,
        host,
        subject,
        "host_notification",
        stamp=stamp,
        method="REQUEST",
    )


def reschedule_notice(
    meeting: Meeting, recipient: Person, *, previous_start: datetime, stamp: datetime
) -> Email:
    """B5: the new time for either side; the .ics is the same event with its new SEQUENCE."""
    _ = _gettext(meeting.language)
    base = host_subject(meeting) if _for_host(meeting, recipient) else visitor_subject(meeting)
    subject = _("Updated: {subject}").format(subject=base)
    previous = format_moment(previous_start, recipient.timezone, _locale(meeting))
    return _booking_email(
        "reschedule",
        meeting,
        recipient,
        subject,
        "reschedule",
        stamp=stamp,
        method="REQUEST",
        previous_when=previous,
    )


def cancellation(meeting: Meeting, recipient: Person, *, stamp: datetime) -> Email:
    """B5: the meeting is off, for either side; the .ics (METHOD:CANCEL) removes the event."""
    _ = _gettext(meeting.language)
    base = host_subject(meeting) if _for_host(meeting, recipient) else visitor_subject(meeting)
    subject = _("Cancelled: {subject}").format(subject=base)
    return _booking_email(
        "cancellation", meeting, recipient, subject, "cancellation", stamp=stamp, method="CANCEL"
    )


def reminder(meeting: Meeting, recipient: Person) -> Email:
    """B6, L5: the meeting is coming up; the description only if the link asks for it."""
    _ = _gettext(meeting.language)
    base = host_subject(meeting) if _for_host(meeting, recipient) else visitor_subject(meeting)
    subject = _("Reminder: {subject}").format(subject=base)
    return _booking_email("reminder", meeting, recipient, subject, "reminder", stamp=None)


def request_notice(request: MeetingRequest, host: Person) -> Email:
    """C6: a visitor asked for a meeting; tells the host why links take requests right now."""
    _ = _gettext(request.language)
    locale = _locale(request)
    subject = _("Meeting request from {name}").format(name=request.visitor.name)
    context = {
        "language": _language(request.language),
        "subject": subject,
        "recipient": host,
        "request": request,
        "preferred": [format_moment(t, host.timezone, locale) for t in request.preferred_times],
    }
    text, html = _render("request_notice", context)
    return Email(
        kind="request_notice",
        to=host,
        subject=subject,
        text=text,
        html=html,
        language=_language(request.language),
        from_name="Rendezvous",
        reply_to=request.visitor,
    )
