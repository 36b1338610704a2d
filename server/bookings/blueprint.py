"""Host API: the account's bookings, and cancelling one as the host."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.accounts.access import account_row
from server.accounts.auth import current_user, require_host
from server.bookings.models import Booking, BookingChange
from server.bookings.notices import change_facts
from server.bookings.schemas import BookingListQuerySchema, HostBookingSchema, HostCancelSchema
from server.bookings.services import cancel
from server.db import get_session

blp = Blueprint("bookings", __name__, url_prefix="/api/v1/bookings", description="Bookings")
SECURITY = [{"bearer": []}]


def change_view(session: Session, booking: Booking, change: BookingChange) -> dict[str, Any]:
    """One cancel or reschedule as the host API (and the contact's timeline) shows it."""
    return {
        "kind": change.kind,
        "actor": change.actor,
        "actor_user_id": change.actor_user_id,
        "actor_name": change_facts(session, booking, change).actor_name,
        "reason": change.reason or "",
        "at": change.created_at,
        "previous_start": change.previous_start_at,
        "previous_end": change.previous_end_at,
    }


def booking_view(booking: Booking) -> dict[str, Any]:
    session = get_session()
    return {
        "id": booking.id,
        "link_id": booking.link_id,
        "host_id": booking.host_id,
        "host_ids": [a.user_id for a in booking.attendees],
        "contact_id": booking.contact_id,
        "start": booking.start_at,
        "end": booking.end_at,
        "duration": booking.duration_minutes,
        "timezone": booking.timezone,
        "status": booking.status,
        "answers": booking.answers,
        "consent": booking.consent,
        "utm": booking.utm,
        "contact": {
            "email": booking.contact.email,
            "first_name": booking.contact.first_name,
            "last_name": booking.contact.last_name,
        },
        "created_at": booking.created_at,
        "cancelled_at": booking.cancelled_at,
        "changes": [change_view(session, booking, c) for c in booking.changes],
    }


@blp.route("", endpoint="list", methods=["GET"])
@blp.doc(security=SECURITY)
@blp.arguments(BookingListQuerySchema, location="query")
@blp.response(200, HostBookingSchema(many=True))
@require_host
def list_bookings(query: dict[str, Any]) -> list[dict[str, Any]]:
    """The account's bookings by start time, filtered by time span, status and link."""
    statement = (
        select(Booking)
        .where(Booking.account_id == current_user().account_id)
        .order_by(Booking.start_at, Booking.id)
        .limit(query["limit"])
    )
    if "start" in query:
        statement = statement.where(Booking.end_at > query["start"])
    if "end" in query:
        statement = statement.where(Booking.start_at < query["end"])
    if "status" in query:
        statement = statement.where(Booking.status == query["status"])
    if "link_id" in query:
        statement = statement.where(Booking.link_id == query["link_id"])
    return [booking_view(b) for b in get_session().scalars(statement)]


@blp.route("/<int:booking_id>", endpoint="get", methods=["GET"])
@blp.doc(security=SECURITY)
@blp.response(200, HostBookingSchema)
@require_host
def get_booking(booking_id: int) -> dict[str, Any]:
    """:raise 404: no such booking in this account."""
    session, account_id = get_session(), current_user().account_id
    return booking_view(account_row(session, Booking, booking_id, account_id, "booking"))


@blp.route("/<int:booking_id>/cancel", endpoint="cancel", methods=["POST"])
@blp.doc(security=SECURITY)
@blp.arguments(HostCancelSchema, required=False)
@blp.response(200, HostBookingSchema)
@blp.alt_response(404, description="not_found: no such booking in this account")
@blp.alt_response(409, description="booking_cancelled or booking_started")
@require_host
def cancel_booking(data: dict[str, Any], booking_id: int) -> dict[str, Any]:
    """Cancel as the host: the time is free again and the visitor is told, with the reason.

    :raise 404: no such booking in this account.
    :raise 409: already cancelled, or already started.
    :raise 422: a reason over 500 characters.
    """
    session, user = get_session(), current_user()
    booking = account_row(session, Booking, booking_id, user.account_id, "booking")
    cancelled = cancel(session, booking, actor="host", actor_user_id=user.id, reason=data["reason"])
    return booking_view(cancelled)
