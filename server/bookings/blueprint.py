"""Host API: the account's bookings."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import select

from server.accounts.access import account_row
from server.accounts.auth import current_user, require_host
from server.bookings.models import Booking
from server.bookings.schemas import BookingListQuerySchema, HostBookingSchema
from server.db import get_session

blp = Blueprint("bookings", __name__, url_prefix="/api/v1/bookings", description="Bookings")
SECURITY = [{"bearer": []}]


def booking_view(booking: Booking) -> dict[str, Any]:
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
