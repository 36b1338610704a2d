"""Host API: the account's bookings, and cancelling one as the host."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from server.accounts.access import account_row
from server.accounts.auth import current_user, require_host
from server.bookings.models import Booking
from server.bookings.schemas import BookingListQuerySchema, HostBookingSchema, HostCancelSchema
from server.bookings.services import cancel, host_bookings
from server.db import get_session
from server.pagination import Page, page_of

blp = Blueprint("bookings", __name__, url_prefix="/api/v1/bookings", description="Bookings")
SECURITY = [{"bearer": []}]


@blp.route("", endpoint="list", methods=["GET"])
@blp.doc(security=SECURITY)
@blp.arguments(BookingListQuerySchema, location="query")
@blp.response(200, page_of(HostBookingSchema))
@require_host
def list_bookings(query: dict[str, Any]) -> Page:
    """The account's bookings by start time, filtered by time span, status and link, a page
    at a time."""
    return host_bookings(get_session(), current_user().account_id, **query)


@blp.route("/<int:booking_id>", endpoint="get", methods=["GET"])
@blp.doc(security=SECURITY)
@blp.etag
@blp.response(200, HostBookingSchema)
@require_host
def get_booking(booking_id: int) -> Booking:
    """One booking of the account, with its changes and calendar event.

    :raise 404: no such booking in this account.
    """
    return account_row(get_session(), Booking, booking_id, current_user().account_id, "booking")


@blp.route("/<int:booking_id>/cancel", endpoint="cancel", methods=["POST"])
@blp.doc(security=SECURITY)
@blp.arguments(HostCancelSchema, required=False)
@blp.response(200, HostBookingSchema)
@blp.alt_response(404, description="not_found: no such booking in this account")
@blp.alt_response(409, description="booking_cancelled or booking_started")
@require_host
def cancel_booking(data: dict[str, Any], booking_id: int) -> Booking:
    """Cancel as the host: the time is free again and the visitor is told, with the reason.

    :raise 404: no such booking in this account.
    :raise 409: already cancelled, or already started.
    :raise 422: a reason over 500 characters.
    """
    session, user = get_session(), current_user()
    booking = account_row(session, Booking, booking_id, user.account_id, "booking")
    return cancel(session, booking, actor="host", actor_user_id=user.id, reason=data["reason"])
