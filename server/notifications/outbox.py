"""Writing messages to the outbox inside the transaction that causes them (N1).

Each feature renders its own messages (booking notices in :mod:`server.bookings.notices`,
request notices in :mod:`server.meeting_requests.notices`, account mail in
:mod:`server.accounts.mail`) and adds them here, in the unit of work of what caused them: the
messages commit with it, or not at all. Nothing is sent here; the worker
(:mod:`server.notifications.worker`) does that later, from the table.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from server.notifications import messages
from server.notifications.mime import to_mime
from server.notifications.models import OutboxMessage
from server.notifications.settings import MailSettings

__all__ = ["drop_pending_reminders", "enqueue", "reminder_times"]


# -- pure helpers --------------------------------------------------------------------------


def reminder_times(
    start: datetime, reminders: dict[str, Any] | None, now: datetime
) -> list[datetime]:
    """When the reminders of a meeting at ``start`` go out: each offset before it, at most
    three, never at or before ``now`` (a reminder for a time already gone is no reminder)."""
    if not reminders or not reminders.get("enabled", True):
        return []
    offsets = sorted({int(m) for m in reminders.get("offsets_minutes") or []}, reverse=True)[:3]
    times = [start - timedelta(minutes=m) for m in offsets]
    return [t for t in times if now < t < start]


# -- writing rows --------------------------------------------------------------------------


def enqueue(
    session: Session,
    email: messages.Email,
    *,
    account_id: int | None,
    settings: MailSettings,
    now: datetime,
    send_at: datetime | None = None,
    booking_id: int | None = None,
    expires_at: datetime | None = None,
) -> OutboxMessage:
    """Add one rendered message to the session; it commits with the caller's transaction.

    ``send_at`` is when it is due (default: now); the worker may send it from then on.
    """
    send_at = send_at or now
    row = OutboxMessage(
        account_id=account_id,
        kind=email.kind,
        booking_id=booking_id,
        sender=settings.sender,
        recipient=email.to.email,
        subject=email.subject[:500],
        mime=to_mime(email, sender=settings.sender, domain=settings.domain),
        status="pending",
        send_at=send_at,
        expires_at=expires_at,
        attempts=0,
        next_attempt_at=send_at,
        created_at=now,
    )
    session.add(row)
    return row


def drop_pending_reminders(session: Session, booking_id: int, now: datetime) -> int:
    """Reminders not yet sent for this booking will never be: the meeting moved or is off."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.booking_id == booking_id,
            OutboxMessage.kind == "reminder",
            OutboxMessage.status == "pending",
        )
        .values(status="dropped", last_error="meeting rescheduled or cancelled")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
