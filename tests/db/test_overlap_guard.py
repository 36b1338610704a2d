"""The database's own last word against double booking (exclusion constraint / triggers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.accounts.models import Account, User
from server.bookings.models import Booking, BookingHost
from server.contacts.models import Contact
from server.db import get_session
from server.links.models import BookingLink

pytestmark = pytest.mark.db

T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def _booking(session, link, contact, start, minutes=30, token="t"):
    booking = Booking(
        account_id=link.account_id,
        link_id=link.id,
        host_id=link.owner_id,
        contact_id=contact.id,
        start_at=start,
        end_at=start + timedelta(minutes=minutes),
        duration_minutes=minutes,
        timezone="UTC",
        status="confirmed",
        answers={},
        consent={},
        utm={},
        manage_token_hash=token,
    )
    booking.attendees = [
        BookingHost(user_id=link.owner_id, start_at=booking.start_at, end_at=booking.end_at)
    ]
    session.add(booking)
    session.flush()
    return booking


@pytest.fixture
def seeded(app):
    with app.app_context():
        session = get_session()
        account = Account(name="A", allowed_origins=[], consent_defaults={}, meeting_types=[])
        user = User(
            account=account,
            email="h@example.com",
            password_hash="x",
            name="H",
            timezone="UTC",
            meetings_prefix="h",
        )
        session.add_all([account, user])
        session.flush()
        link = BookingLink(
            account_id=account.id,
            owner_id=user.id,
            slug="h/x",
            name="x",
            title="x",
            durations=[30],
            timezone="UTC",
            window_rolling_weeks=4,
            reminders={},
            form=[],
            consent={},
        )
        contact = Contact(
            account_id=account.id, email="v@example.com", first_name="V", properties={}
        )
        session.add_all([link, contact])
        session.commit()
        yield session, link, contact


def test_overlapping_active_bookings_of_one_host_are_refused(seeded):
    session, link, contact = seeded
    _booking(session, link, contact, T0, token="a")
    session.commit()
    with pytest.raises(IntegrityError):
        _booking(session, link, contact, T0 + timedelta(minutes=15), token="b")
    session.rollback()


def _held(session, link) -> list[tuple[datetime, datetime, bool]]:
    rows = session.execute(
        select(BookingHost.start_at, BookingHost.end_at, BookingHost.active)
        .where(BookingHost.user_id == link.owner_id)
        .order_by(BookingHost.start_at, BookingHost.booking_id)
    )
    return [tuple(row) for row in rows]


def test_back_to_back_bookings_are_fine_but_a_minute_more_overlaps(seeded):
    """``[start, end)`` is half-open: the guard refuses a one-minute overlap, not a touch."""
    session, link, contact = seeded
    _booking(session, link, contact, T0, token="a")
    _booking(session, link, contact, T0 + timedelta(minutes=30), token="b")
    session.commit()
    with pytest.raises(IntegrityError):
        _booking(session, link, contact, T0 + timedelta(minutes=59), token="c")
    session.rollback()
    half_hour = timedelta(minutes=30)
    assert _held(session, link) == [
        (T0, T0 + half_hour, True),
        (T0 + half_hour, T0 + 2 * half_hour, True),
    ]


def test_a_cancelled_booking_no_longer_holds_its_time(seeded):
    """Only active holds count: the freed time can be booked again, and then it's held again."""
    session, link, contact = seeded
    first = _booking(session, link, contact, T0, token="a")
    for held in first.attendees:
        held.active = False
    session.commit()
    _booking(session, link, contact, T0, token="b")
    session.commit()
    with pytest.raises(IntegrityError):
        _booking(session, link, contact, T0, token="c")
    session.rollback()
    end = T0 + timedelta(minutes=30)
    assert _held(session, link) == [(T0, end, False), (T0, end, True)]


def test_times_come_back_as_aware_utc(seeded):
    session, link, contact = seeded
    paris = datetime(2027, 1, 4, 10, 0, tzinfo=UTC).astimezone()
    booking = _booking(session, link, contact, paris, token="a")
    session.commit()
    session.expire_all()
    again = session.get(Booking, booking.id)
    assert again.start_at == T0 + timedelta(hours=1)
    assert again.start_at.tzinfo is not None and again.start_at.utcoffset() == timedelta(0)
