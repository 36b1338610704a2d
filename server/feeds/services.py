"""The subscription address's life (open, show, revoke) and what it serves."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server.accounts.models import User
from server.bookings.models import Booking, BookingHost
from server.bookings.notices import meeting_facts
from server.errors import NotFound
from server.feeds.models import CalendarFeed
from server.notifications import messages
from server.notifications.ics import FeedEntry, feed_calendar
from server.notifications.settings import current_settings
from server.tokens import new_token, token_hash

__all__ = [
    "HISTORY",
    "MAX_EVENTS",
    "close_feed",
    "feed_by_token",
    "feed_text",
    "feed_url",
    "open_feed",
    "user_feed",
]

#: how far back the feed goes: last month's meetings stay visible, cancellations too
HISTORY = timedelta(days=31)
#: the most meetings one feed holds (the soonest ones past HISTORY's start)
MAX_EVENTS = 2000
#: a read is noted at most this often, so an app polling every minute costs no writes
_READ_NOTED_EVERY = timedelta(hours=1)


def feed_url(feed: CalendarFeed) -> str:
    """The address a calendar app subscribes to (https; ``webcal:`` is the same address)."""
    base = current_app.config["RENDEZVOUS_BASE_URL"].rstrip("/")
    return f"{base}/feeds/{feed.token}.ics"


def user_feed(session: Session, user: User) -> CalendarFeed | None:
    return session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def open_feed(session: Session, user: User, now: datetime) -> CalendarFeed:
    """A new address for the user's bookings, committed; any previous one stops working."""
    session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    token = new_token("rdvcal_")
    feed = CalendarFeed(user_id=user.id, token_hash=token_hash(token), token=token, created_at=now)
    session.add(feed)
    session.commit()
    return feed


def close_feed(session: Session, user: User) -> None:
    """Revoke the user's address, committed.

    :raise NotFound: the user has none.
    """
    gone = session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if not gone.rowcount:
        session.rollback()
        raise NotFound("No calendar subscription is on.")
    session.commit()


def feed_by_token(session: Session, token: str) -> CalendarFeed:
    """:raise NotFound: not a live address (never was, or revoked)."""
    feed = session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == token_hash(token)))
    if feed is None:
        raise NotFound("No such calendar.")
    return feed


def feed_text(session: Session, feed: CalendarFeed, now: datetime) -> str:
    """The VCALENDAR of every meeting the user attends from a month ago on, as the host's
    emails and calendar write-back title and describe it; notes the read."""
    statement = (
        select(Booking)
        .join(BookingHost, BookingHost.booking_id == Booking.id)
        .where(BookingHost.user_id == feed.user_id, Booking.end_at > now - HISTORY)
        .order_by(Booking.start_at, Booking.id)
        .limit(MAX_EVENTS)
    )
    settings = current_settings()
    entries = []
    for booking in session.scalars(statement):
        meeting = meeting_facts(session, booking, settings)
        entries.append(
            FeedEntry(
                meeting=meeting,
                summary=messages.host_subject(meeting),
                description=messages.host_calendar_description(meeting),
                cancelled=booking.status == "cancelled",
            )
        )
    user = feed.user
    text = feed_calendar(entries, name=f"Rendezvous: {user.name}", stamp=now)
    if feed.last_read_at is None or now - feed.last_read_at >= _READ_NOTED_EVERY:
        feed.last_read_at = now
        session.commit()
    else:
        session.rollback()
    return text
