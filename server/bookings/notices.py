"""What a booking tells its visitor and hosts (B4–B6), rendered and put in the outbox.

The booking services call these functions inside their ``write_transaction``: the messages
commit with the booking, cancel or reschedule, or not at all (N1).

The manage link. The visitor's manage token is stored only as a hash, so the server can't
rebuild the link later. Messages are therefore rendered when they are enqueued, while the
token is in hand: :func:`booked` renders the invitation *and* the reminders with it, and
:func:`rescheduled` re-renders the reminders when the caller passes the token (the public
API does; the visitor rescheduled through it). Called without it (a host moving the meeting
from the dashboard), new reminders say to use the links of the confirmation email instead.
Keeping the token reversible (encrypted with the app's key) would let any later message
carry it, but would make the key a way back into every booking; not worth it for a link
the visitor already has in their inbox.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from server.accounts.models import User
from server.bookings.forms import IDENTITY_KEYS
from server.bookings.models import Booking, BookingChange
from server.calendars.services import calendar_invites_attendees
from server.links.models import BookingLink
from server.notifications import calendar_links, messages
from server.notifications.facts import Change, Meeting, Person
from server.notifications.ics import booking_uid
from server.notifications.models import OutboxMessage
from server.notifications.outbox import drop_pending_reminders, enqueue, reminder_times
from server.notifications.settings import MailSettings, current_settings
from server.notifications.tokens import TokenValues

__all__ = [
    "add_to_calendar_links",
    "attending_hosts",
    "booked",
    "calendar_file",
    "cancelled",
    "change_facts",
    "meeting_facts",
    "person",
    "rescheduled",
]


def _answer_text(value: Any) -> str | None:
    if value is True:
        return "✓"
    if value is None or value is False or value == "":
        return None
    return str(value)


def _answers(link: BookingLink, answers: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The visitor's answers with their questions' labels, in the form's order."""
    pairs = []
    for question in link.form or []:
        key = question.get("key")
        if key in IDENTITY_KEYS or key not in (answers or {}):
            continue
        text = _answer_text(answers[key])
        if text is not None:
            pairs.append((str(question.get("label") or key), text))
    return tuple(pairs)


def person(user: User) -> Person:
    return Person(name=user.name, email=user.email, timezone=user.timezone)


def attending_hosts(session: Session, booking: Booking) -> list[User]:
    """The hosts who attend ``booking``, its organizer (the assigned host) first."""
    ids = [a.user_id for a in booking.attendees if a.user_id != booking.host_id]
    others = [session.get(User, i) for i in ids]
    return [booking.host, *(u for u in others if u is not None)]


def change_facts(change: BookingChange) -> Change:
    """Who made ``change`` (the visitor, or a host by their user row) and why."""
    if change.actor == "host":
        email = change.actor_user.email if change.actor_user is not None else ""
    else:
        email = change.booking.contact.email
    return Change(
        kind=change.kind,
        actor=change.actor,
        actor_name=change.actor_name,
        actor_email=email,
        reason=change.reason or "",
    )


def meeting_facts(
    session: Session,
    booking: Booking,
    settings: MailSettings,
    *,
    manage_token: str | None = None,
    change: BookingChange | None = None,
) -> Meeting:
    """What the messages of ``booking`` say, read from the booking and its link, host, contact;
    ``change`` is the cancel or reschedule the messages are about."""
    link, contact = booking.link, booking.contact
    hosts = attending_hosts(session, booking)
    base = settings.base_url
    return Meeting(
        booking_id=booking.id,
        uid=booking_uid(booking.id, settings.domain),
        sequence=booking.sequence,
        start=booking.start_at,
        end=booking.end_at,
        title=link.title,
        subject=link.subject,
        description=link.description,
        location=link.location,
        video_link=link.video_link,
        language=link.language,
        locale=link.locale,
        organizer=person(hosts[0]),
        hosts=tuple(person(h) for h in hosts),
        visitor=Person(name=booking.visitor_name, email=contact.email, timezone=booking.timezone),
        tokens=TokenValues(
            first_name=contact.first_name,
            last_name=contact.last_name,
            email=contact.email,
            properties=dict(contact.properties or {}),
        ),
        contact_url=settings.contact_url(contact.id),
        booking_url=settings.booking_url(booking.id),
        booking_page_url=f"{base}/meetings/{link.slug}",
        manage_url=f"{base}/meetings/manage/{manage_token}" if manage_token else None,
        answers=_answers(link, booking.answers),
        round_robin=link.type == "round_robin",
        reminder_includes_description=bool((link.reminders or {}).get("include_description")),
        change=change_facts(change) if change is not None else None,
        calendar_invites_visitor=calendar_invites_attendees(session, booking.host_id),
    )


def _enqueue(
    session: Session,
    booking: Booking,
    emails: Iterable[messages.Email],
    settings: MailSettings,
    now: datetime,
    *,
    reminders_of: Meeting | None = None,
) -> list[OutboxMessage]:
    """The emails, due now; with ``reminders_of``, then B6's reminders to the visitor, one per
    offset still ahead, in the assigned host's name, worthless once the meeting has begun."""
    due: list[tuple[messages.Email, datetime, datetime | None]] = [(e, now, None) for e in emails]
    if reminders_of is not None:
        reminder = messages.reminder(reminders_of, reminders_of.visitor)
        times = reminder_times(booking.start_at, booking.link.reminders, now)
        due += [(reminder, at, booking.start_at) for at in times]
    return [
        enqueue(
            session,
            email,
            account_id=booking.account_id,
            booking_id=booking.id,
            settings=settings,
            now=now,
            send_at=send_at,
            expires_at=expires_at,
        )
        for email, send_at, expires_at in due
    ]


# -- the events ----------------------------------------------------------------------------


def booked(
    session: Session,
    booking: Booking,
    *,
    manage_token: str,
    now: datetime,
    settings: MailSettings | None = None,
) -> list[OutboxMessage]:
    """B4: the visitor's invitation, a notification to each attending host, the reminders."""
    settings = settings or current_settings()
    meeting = meeting_facts(session, booking, settings, manage_token=manage_token)
    emails = [messages.invitation(meeting, stamp=now)]
    emails += [messages.host_notification(meeting, h, stamp=now) for h in meeting.hosts]
    return _enqueue(session, booking, emails, settings, now, reminders_of=meeting)


def rescheduled(
    session: Session,
    booking: Booking,
    *,
    previous_start: datetime,
    previous_host_ids: Sequence[int],
    now: datetime,
    manage_token: str | None = None,
    settings: MailSettings | None = None,
    change: BookingChange | None = None,
) -> list[OutboxMessage]:
    """B5: the new time to the visitor and every host (SEQUENCE already bumped), reminders
    moved. A round-robin meeting that changed hands tells the old host it is off for them
    and the new one that it is theirs. ``change`` says who moved it and why (issue 8.9)."""
    settings = settings or current_settings()
    meeting = meeting_facts(session, booking, settings, manage_token=manage_token, change=change)
    emails = [
        messages.reschedule_notice(
            meeting, meeting.visitor, previous_start=previous_start, stamp=now
        )
    ]
    hosts = attending_hosts(session, booking)
    for host in hosts:
        if host.id in previous_host_ids:
            emails.append(
                messages.reschedule_notice(
                    meeting, person(host), previous_start=previous_start, stamp=now
                )
            )
        else:
            emails.append(messages.host_notification(meeting, person(host), stamp=now))
    # a host who no longer attends (round robin reassigned) sees their old time cancelled
    was = replace(
        meeting, start=previous_start, end=previous_start + (booking.end_at - booking.start_at)
    )
    for user_id in sorted(set(previous_host_ids) - {h.id for h in hosts}):
        user = session.get(User, user_id)
        if user is not None:
            emails.append(messages.cancellation(was, person(user), stamp=now))
    drop_pending_reminders(session, booking.id, now)
    return _enqueue(session, booking, emails, settings, now, reminders_of=meeting)


def cancelled(
    session: Session,
    booking: Booking,
    *,
    now: datetime,
    settings: MailSettings | None = None,
    change: BookingChange | None = None,
) -> list[OutboxMessage]:
    """B5: METHOD:CANCEL to the visitor and every host; the reminders will not go out.
    ``change`` says who cancelled and why (issue 8.9)."""
    settings = settings or current_settings()
    meeting = meeting_facts(session, booking, settings, change=change)
    recipients = [meeting.visitor, *meeting.hosts]
    emails = [messages.cancellation(meeting, r, stamp=now) for r in recipients]
    drop_pending_reminders(session, booking.id, now)
    return _enqueue(session, booking, emails, settings, now)


def calendar_file(
    session: Session, booking: Booking, *, now: datetime, settings: MailSettings | None = None
) -> str:
    """The visitor's ``.ics`` of ``booking`` as it stands, built as the emails build theirs:
    the same UID and SEQUENCE, METHOD:CANCEL once cancelled (SPEC §10)."""
    settings = settings or current_settings()
    meeting = meeting_facts(session, booking, settings)
    return messages.calendar_file(meeting, cancelled=booking.status == "cancelled", stamp=now)


def add_to_calendar_links(
    session: Session, booking: Booking, *, settings: MailSettings | None = None
) -> dict[str, str | None]:
    """Google and Outlook links for the visitor's calendar; none once the meeting is off."""
    if booking.status == "cancelled":
        return {"google_url": None, "outlook_url": None}
    meeting = meeting_facts(session, booking, settings or current_settings())
    return {
        "google_url": calendar_links.google_url(meeting),
        "outlook_url": calendar_links.outlook_url(meeting),
    }
