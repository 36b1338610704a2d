"""What a meeting request tells the link's hosts (C6), rendered and put in the outbox."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from server.links.models import BookingLink
from server.notifications import messages
from server.notifications.facts import MeetingRequest, Person
from server.notifications.models import OutboxMessage
from server.notifications.outbox import enqueue
from server.notifications.settings import MailSettings, current_settings

__all__ = ["meeting_requested"]


def meeting_requested(
    session: Session,
    link: BookingLink,
    *,
    visitor: Person,
    message: str = "",
    preferred_times: Sequence[datetime] = (),
    disconnected_host_ids: Collection[int] = frozenset(),
    contact_id: int | None = None,
    now: datetime,
    settings: MailSettings | None = None,
) -> list[OutboxMessage]:
    """C6: tell the link's hosts that a visitor asked for a meeting; each host whose own
    calendar is disconnected (``disconnected_host_ids``) is told so, and why links ask."""
    settings = settings or current_settings()
    request = MeetingRequest(
        link_title=link.title,
        language=link.language,
        locale=link.locale,
        visitor=visitor,
        message=message,
        preferred_times=tuple(preferred_times),
        calendar_disconnected=False,
        contact_url=settings.contact_url(contact_id) if contact_id else None,
        calendars_url=settings.calendars_url,
    )
    hosts = [h.user for h in link.hosts] or [link.owner]
    return [
        enqueue(
            session,
            messages.request_notice(
                replace(request, calendar_disconnected=host.id in disconnected_host_ids),
                Person(name=host.name, email=host.email, timezone=host.timezone),
            ),
            account_id=link.account_id,
            settings=settings,
            now=now,
        )
        for host in hosts
    ]
