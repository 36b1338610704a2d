"""The account's bookings: upcoming, past, cancelled; who was assigned (L10); cancel."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.accounts.access import account_row
from server.accounts.models import User
from server.bookings import services as booking_services
from server.bookings.models import Booking
from server.clock import utcnow
from server.dashboard.rendering import render
from server.dashboard.session import login_required, safe_next, signed_in_user
from server.db import get_session
from server.errors import ApiError

__all__ = ["TABS", "booking_cancel", "booking_detail", "booking_list", "get_account_booking"]

TABS = (("upcoming", "Upcoming"), ("past", "Past"), ("cancelled", "Cancelled"))
PAGE_SIZE = 200


def get_account_booking(session: Session, user: User, booking_id: int) -> Booking:
    """:raise NotFound: not a booking of the user's account (A2)."""
    return account_row(session, Booking, booking_id, user.account_id, "booking")


def _names(user: User) -> dict[int, str]:
    return {member.id: member.name for member in user.account.users}


@login_required
def booking_list() -> ResponseReturnValue:
    """``?show=upcoming|past|cancelled``; times in the signed-in user's zone."""
    user = signed_in_user()
    show = request.args.get("show", "upcoming")
    if show not in dict(TABS):
        show = "upcoming"
    now = utcnow()
    statement = select(Booking).where(Booking.account_id == user.account_id).limit(PAGE_SIZE)
    if show == "upcoming":
        statement = statement.where(Booking.status == "confirmed", Booking.end_at > now).order_by(
            Booking.start_at, Booking.id
        )
    elif show == "past":
        statement = statement.where(Booking.status == "confirmed", Booking.end_at <= now).order_by(
            Booking.start_at.desc(), Booking.id.desc()
        )
    else:
        statement = statement.where(Booking.status == "cancelled").order_by(
            Booking.start_at.desc(), Booking.id.desc()
        )
    bookings = list(get_session().scalars(statement))
    return render(
        "bookings.html", bookings=bookings, show=show, tabs=TABS, now=now, names=_names(user)
    )


@login_required
def booking_detail(booking_id: int) -> ResponseReturnValue:
    """:raise 404: not a booking of this account."""
    user = signed_in_user()
    booking = get_account_booking(get_session(), user, booking_id)
    return render("booking.html", booking=booking, now=utcnow(), names=_names(user))


@login_required
def booking_cancel(booking_id: int) -> ResponseReturnValue:
    """Cancel through the same service as the visitor's manage link (B5): the time is free
    again and the visitor is told.

    :raise 404: not a booking of this account.
    """
    session = get_session()
    booking = get_account_booking(session, signed_in_user(), booking_id)
    try:
        booking_services.cancel(session, booking)
    except ApiError as exc:
        flash(exc.message, "error")
    else:
        flash(
            f"The meeting with {booking.contact.first_name} {booking.contact.last_name} "
            "is cancelled."
        )
    return redirect(safe_next(request.form.get("back")) or url_for("dashboard.bookings"))
