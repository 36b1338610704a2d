"""The plain data a message is made from: who, when, where, and the links to act on it.

Built from the models in :mod:`server.notifications.outbox`, or by hand in tests and in the
preview; the rendering functions see only these, never a session or a model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server.notifications.tokens import TokenValues

__all__ = ["Change", "Meeting", "MeetingRequest", "Person"]


@dataclass(frozen=True, slots=True)
class Person:
    """A recipient or a party of the meeting; ``timezone`` is where they read their times."""

    name: str
    email: str
    timezone: str


@dataclass(frozen=True, slots=True)
class Change:
    """Who cancelled or moved the meeting and why: both sides' emails say it (issue 8.9).

    ``actor`` is ``visitor`` or ``host``; ``actor_email`` tells a recipient that it was them.
    """

    kind: str
    actor: str
    actor_name: str
    actor_email: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Meeting:
    """One booking as its messages tell it.

    ``organizer`` is the host who owns the event (the assigned one on round robin);
    ``hosts`` are all attending hosts, organizer first (several on a group link).
    ``manage_url`` is known only while the visitor's token is in hand (see ``outbox``).
    """

    booking_id: int
    uid: str
    sequence: int
    start: datetime
    end: datetime
    title: str
    subject: str | None
    description: str | None
    location: str | None
    video_link: str | None
    language: str
    locale: str
    organizer: Person
    hosts: tuple[Person, ...]
    visitor: Person
    tokens: TokenValues
    contact_url: str
    booking_url: str
    booking_page_url: str
    manage_url: str | None = None
    #: the visitor's answers to the form's own questions, as ``(label, answer)`` pairs
    answers: tuple[tuple[str, str], ...] = ()
    round_robin: bool = False
    reminder_includes_description: bool = False
    #: the cancel or reschedule this message is about, when it is about one
    change: Change | None = None
    #: the organiser's calendar (Microsoft 365) mails the visitor the invitation, its
    #: updates and its cancellation itself: our emails to the visitor carry no .ics then,
    #: so the visitor gets one invitation (SPEC §10)
    calendar_invites_visitor: bool = False

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True, slots=True)
class MeetingRequest:
    """C6: a visitor asked for a meeting because the host's calendar can't be reached."""

    link_title: str
    language: str
    locale: str
    visitor: Person
    message: str = ""
    preferred_times: tuple[datetime, ...] = ()
    calendar_disconnected: bool = True
    contact_url: str | None = None
    calendars_url: str = ""
