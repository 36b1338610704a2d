"""Booking, cancelling and rescheduling: the commit that must never double-book (B3).

Every write happens in ``write_transaction``: on SQLite the whole database is locked for
writing (``BEGIN IMMEDIATE``); on PostgreSQL the hosts' rows are locked ``FOR UPDATE`` in id
order, so two bookings that share a host run one after the other, whatever link or process
they come from. The slot is then checked again against fresh data before the insert, and
the database's own overlap guard (exclusion constraint / trigger) is the backstop.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.accounts.models import User
from server.availability.engine import Reason, choose_round_robin_host, explain, free_hosts
from server.availability.intervals import Interval
from server.availability.rules import SlotRules
from server.bookings import notices
from server.bookings.busy import HostsBusy
from server.bookings.forms import clean_answers, consent_record, contact_properties
from server.bookings.idempotency import Claim
from server.bookings.models import Booking, BookingChange, BookingHost
from server.bookings.slots import busy_window, rules_for
from server.calendars.live import CalendarUnreachable, live_busy
from server.calendars.services import bookable_host_ids
from server.calendars.writeback import queue_calendar_write
from server.clock import utcnow
from server.contacts.services import upsert_contact
from server.db import write_transaction
from server.errors import ApiError, Conflict, NotFound, ValidationFailed
from server.links.models import BookingLink
from server.operations.metrics import count_booking
from server.pagination import Page, paginate
from server.tokens import new_token, token_hash
from server.webhooks.services import emit_booking

__all__ = [
    "MAX_REASON_LENGTH",
    "Actor",
    "BookingRequest",
    "SlotUnavailable",
    "account_bookings",
    "book",
    "cancel",
    "clean_reason",
    "get_by_token",
    "host_bookings",
    "reschedule",
]

Clock = Callable[[], datetime]


class SlotUnavailable(Conflict):
    code = "slot_unavailable"

    def __init__(
        self, message: str = "This time is no longer available; please pick another."
    ) -> None:
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class BookingRequest:
    start: datetime
    duration: int
    timezone: str
    first_name: str
    last_name: str
    email: str
    answers: Mapping[str, Any] = field(default_factory=dict)
    consent: Mapping[str, Any] = field(default_factory=dict)
    utm: Mapping[str, str] = field(default_factory=dict)


def _lock_hosts(session: Session, host_ids: Sequence[int]) -> None:
    """PostgreSQL: hold the hosts' rows until commit; SQLite is already locked as a whole."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            select(User.id).where(User.id.in_(host_ids)).order_by(User.id).with_for_update()
        ).all()


def _free_hosts_at(
    session: Session,
    link: BookingLink,
    rules: SlotRules,
    start: datetime,
    now: datetime,
    exclude_booking_id: int | None = None,
    live: Mapping[int, Sequence[Interval]] | None = None,
) -> list[int]:
    """Hosts of the link for whom ``start`` is bookable now, against committed bookings and
    the hosts' cached calendar events.

    :raise ValidationFailed: ``start`` is not a time this link offers at all.
    :raise SlotUnavailable: it is offered, but nobody (or not everybody) can take it now.
    :raise CalendarUnreachable: no host can be booked while a calendar is disconnected (C6).
    """
    host_ids = _pool(session, link)  # round robin: the hosts whose calendars can be read
    source = HostsBusy(session, exclude_booking_id=exclude_booking_id, live=live)
    busy = source.busy_intervals(host_ids, *busy_window(rules, start, start))
    free = free_hosts(rules, busy, now, start)
    if not free or (link.type == "group" and len(free) != len(host_ids)):
        reasons = explain(rules, busy[host_ids[0]], now, start)
        if Reason.OFF_GRID in reasons or Reason.OUTSIDE_WINDOW in reasons:
            raise ValidationFailed({"start": ["This link doesn't offer this time."]})
        raise SlotUnavailable()
    return free


def _pool(session: Session, link: BookingLink) -> list[int]:
    """:raise CalendarUnreachable: the link is in request mode (C6)."""
    pool = bookable_host_ids(session, link)
    if not pool:
        raise CalendarUnreachable()
    return pool


def _choose_host(session: Session, link: BookingLink, free: list[int], now: datetime) -> int:
    """SPEC §11.3: round robin goes to the free host with the fewest upcoming bookings on
    this link, then the one assigned longest ago; other types are organised by the owner."""
    if link.type != "round_robin":
        return link.owner_id if link.owner_id in free else free[0]
    rows = session.execute(
        select(
            Booking.host_id,
            func.count().filter(Booking.start_at >= now, Booking.status == "confirmed"),
            func.max(Booking.created_at),
        )
        .where(Booking.link_id == link.id, Booking.host_id.in_(free))
        .group_by(Booking.host_id)
    ).all()
    upcoming = {host: count for host, count, _ in rows}
    last = {
        host: (when.replace(tzinfo=UTC) if when and not when.tzinfo else when)
        for host, _, when in rows
    }
    return choose_round_robin_host(free, upcoming, last)


def _hold(booking: Booking, host_ids: Sequence[int]) -> None:
    booking.attendees = [
        BookingHost(user_id=h, start_at=booking.start_at, end_at=booking.end_at, active=True)
        for h in host_ids
    ]


def book(
    session: Session,
    link: BookingLink,
    request: BookingRequest,
    *,
    clock: Clock = utcnow,
    claim: Claim | None = None,
) -> tuple[Booking, str]:
    """Book ``request`` on ``link``; returns the booking and its manage token (shown once).

    With a ``claim`` (an ``Idempotency-Key``), its answer is stored in the same commit.

    :raise ValidationFailed: bad duration, answers, consent, or a start the link never offers.
    :raise SlotUnavailable: the time was free when shown but isn't any more, or a request
        with the same key committed first.
    """
    link.duration_for(request.duration)  # :raise ValidationFailed: not offered
    answers = clean_answers(link.form, request.answers, request.last_name)
    consent = consent_record(link.consent or {}, request.consent, clock())
    rules = rules_for(link, request.duration)
    start = request.start.astimezone(UTC)
    token = new_token()
    link_id, account_id = link.id, link.account_id
    live = live_busy(session, _pool(session, link), *busy_window(rules, start, start), clock())
    try:
        with write_transaction(session):
            link = session.get(BookingLink, link_id, populate_existing=True) or _gone()
            _lock_hosts(session, link.host_ids)
            now = clock()
            free = _free_hosts_at(session, link, rules, start, now, live=live)
            host_id = _choose_host(session, link, free, now)
            contact = upsert_contact(
                session,
                account_id,
                email=request.email,
                first_name=request.first_name,
                last_name=request.last_name,
                properties=contact_properties(link.form, answers),
            )
            booking = Booking(
                account_id=account_id,
                link_id=link.id,
                host_id=host_id,
                contact=contact,
                visitor_first_name=request.first_name,
                visitor_last_name=request.last_name,
                start_at=start,
                end_at=start + timedelta(minutes=request.duration),
                duration_minutes=request.duration,
                timezone=request.timezone,
                status="confirmed",
                answers=answers,
                consent=consent,
                utm=dict(request.utm),
                manage_token_hash=token_hash(token),
                sequence=0,
                # the meeting keeps the buffers it was checked with (SPEC §11.2)
                buffer_before_minutes=rules.buffer_before_minutes,
                buffer_after_minutes=rules.buffer_after_minutes,
            )
            _hold(booking, free if link.type == "group" else [host_id])
            session.add(booking)
            session.flush()
            notices.booked(session, booking, manage_token=token, now=now)  # same commit (N1)
            queue_calendar_write(session, booking, "put", now)  # C4: into the host's calendar
            if claim is not None:
                claim.remember(session, booking, token, now)
            emit_booking(session, booking, "booking.created", now)  # webhooks, same commit
    except IntegrityError as exc:  # the database's overlap guard caught what slipped through
        raise SlotUnavailable() from exc
    count_booking("created")
    return booking, token


def _gone() -> BookingLink:
    raise NotFound("No meeting link at this address.")


def get_by_token(session: Session, token: str) -> Booking:
    """:raise NotFound: no booking has this manage token."""
    if not token or len(token) > 128:
        raise NotFound("No booking for this link.")
    booking = session.scalar(select(Booking).where(Booking.manage_token_hash == token_hash(token)))
    if booking is None:
        raise NotFound("No booking for this link.")
    return booking


#: who cancels or moves a meeting: the visitor (manage link) or a host (dashboard, host API)
Actor = Literal["visitor", "host"]
#: a reason is a note to the other side, not a letter
MAX_REASON_LENGTH = 500


def clean_reason(reason: str | None) -> str:
    """The reason as the other side will read it: trimmed, and refused when too long.

    :raise ValidationFailed: longer than :data:`MAX_REASON_LENGTH` characters.
    """
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationFailed({"reason": [f"At most {MAX_REASON_LENGTH} characters."]})
    return reason


def _record_change(
    booking: Booking,
    kind: str,
    actor: Actor,
    actor_user_id: int | None,
    reason: str,
    now: datetime,
    previous: tuple[datetime, datetime] | None = None,
) -> BookingChange:
    change = BookingChange(
        kind=kind,
        actor=actor,
        actor_user_id=actor_user_id if actor == "host" else None,
        reason=reason,
        previous_start_at=previous[0] if previous else None,
        previous_end_at=previous[1] if previous else None,
        created_at=now,
    )
    booking.changes.append(change)
    return change


def _ensure_changeable(booking: Booking, now: datetime) -> None:
    if booking.status == "cancelled":
        raise ApiError("This meeting was cancelled.", code="booking_cancelled", status=409)
    if booking.start_at <= now:
        raise ApiError("This meeting has already started.", code="booking_started", status=409)


def cancel(
    session: Session,
    booking: Booking,
    *,
    clock: Clock = utcnow,
    actor: Actor,
    actor_user_id: int | None = None,
    reason: str = "",
) -> Booking:
    """B5: the meeting is cancelled and its time is free again for every link of its hosts.

    Who cancelled (``actor``: the visitor, or the host ``actor_user_id``) and why is kept as a
    :class:`BookingChange` in the same transaction as the cancel and its emails, which say it.

    :raise ValidationFailed: ``reason`` is longer than :data:`MAX_REASON_LENGTH`.
    """
    reason = clean_reason(reason)
    booking_id = booking.id
    with write_transaction(session):
        booking = session.get(Booking, booking_id, populate_existing=True) or _gone()
        now = clock()
        _ensure_changeable(booking, now)
        booking.status = "cancelled"
        booking.cancelled_at = now
        booking.sequence += 1
        for held in booking.attendees:
            held.active = False
        change = _record_change(booking, "cancelled", actor, actor_user_id, reason, now)
        session.flush()
        notices.cancelled(session, booking, now=now, change=change)
        queue_calendar_write(session, booking, "delete", now)
        emit_booking(session, booking, "booking.cancelled", now)
    count_booking("cancelled")
    return booking


def reschedule(
    session: Session,
    booking: Booking,
    start: datetime,
    *,
    clock: Clock = utcnow,
    manage_token: str | None = None,
    actor: Actor,
    actor_user_id: int | None = None,
    reason: str = "",
) -> Booking:
    """B5: move the meeting to ``start`` with the same checks as a new booking.

    A round-robin meeting keeps its host when that host is free at the new time.
    ``manage_token`` (when the visitor is the one moving it) puts the manage links back
    into the new reminders; see :mod:`server.bookings.notices`. Who moved it, from when
    and why is kept as a :class:`BookingChange` in the same transaction (see :func:`cancel`).

    :raise ValidationFailed: ``reason`` is too long, or ``start`` is not offered.
    :raise SlotUnavailable: the new time is taken.
    """
    reason = clean_reason(reason)
    booking_id = booking.id
    start = start.astimezone(UTC)
    asked = busy_window(rules_for(booking.link, booking.duration_minutes), start, start)
    own = (booking.start_at, booking.end_at)  # its event is still in the calendar
    live = live_busy(session, _pool(session, booking.link), *asked, clock(), own=own)
    try:
        with write_transaction(session):
            booking = session.get(Booking, booking_id, populate_existing=True) or _gone()
            link = booking.link
            _ensure_changeable(booking, clock())
            _lock_hosts(session, sorted({*link.host_ids, booking.host_id}))
            now = clock()
            previous_start, previous_end = booking.start_at, booking.end_at
            previous_host_ids = [held.user_id for held in booking.attendees]
            rules = rules_for(link, booking.duration_minutes)
            free = _free_hosts_at(
                session, link, rules, start, now, exclude_booking_id=booking.id, live=live
            )
            if booking.host_id not in free:
                booking.host_id = _choose_host(session, link, free, now)
            booking.start_at = start
            booking.end_at = start + timedelta(minutes=booking.duration_minutes)
            # moved as the link offers it now, the meeting keeps the buffers it was checked with
            booking.buffer_before_minutes = rules.buffer_before_minutes
            booking.buffer_after_minutes = rules.buffer_after_minutes
            booking.sequence += 1
            for held in booking.attendees:
                session.delete(held)
            session.flush()
            _hold(booking, free if link.type == "group" else [booking.host_id])
            change = _record_change(
                booking,
                "rescheduled",
                actor,
                actor_user_id,
                reason,
                now,
                (previous_start, previous_end),
            )
            session.flush()
            notices.rescheduled(
                session,
                booking,
                previous_start=previous_start,
                previous_host_ids=previous_host_ids,
                now=now,
                manage_token=manage_token,
                change=change,
            )
            queue_calendar_write(session, booking, "put", now)  # moved, never a second copy
            emit_booking(session, booking, "booking.rescheduled", now)
    except IntegrityError as exc:
        raise SlotUnavailable() from exc
    count_booking("rescheduled")
    return booking


# -- reading: the host's lists (dashboard and host API) -------------------------------------


def account_bookings(
    session: Session, account_id: int, show: str, now: datetime, *, limit: int
) -> list[Booking]:
    """The account's ``upcoming`` meetings soonest first; ``past`` and ``cancelled`` ones
    latest first (the dashboard's tabs)."""
    statement = select(Booking).where(Booking.account_id == account_id).limit(limit)
    if show == "upcoming":
        statement = statement.where(Booking.status == "confirmed", Booking.end_at > now)
        statement = statement.order_by(Booking.start_at, Booking.id)
    else:
        if show == "past":
            statement = statement.where(Booking.status == "confirmed", Booking.end_at <= now)
        else:
            statement = statement.where(Booking.status == "cancelled")
        statement = statement.order_by(Booking.start_at.desc(), Booking.id.desc())
    return list(session.scalars(statement))


def host_bookings(
    session: Session,
    account_id: int,
    *,
    limit: int,
    cursor: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    status: str | None = None,
    link_id: int | None = None,
) -> Page:
    """The account's bookings by start time, a page at a time: those overlapping
    ``[start, end)`` when given, with this status, on this link."""
    statement = select(Booking).where(Booking.account_id == account_id)
    if start is not None:
        statement = statement.where(Booking.end_at > start)
    if end is not None:
        statement = statement.where(Booking.start_at < end)
    if status is not None:
        statement = statement.where(Booking.status == status)
    if link_id is not None:
        statement = statement.where(Booking.link_id == link_id)
    order = [Booking.start_at, Booking.id]
    return paginate(session, statement, order=order, limit=limit, cursor=cursor)
