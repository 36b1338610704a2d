"""Each event's ``data``: the booking or request as the host API shows it (SPEC §10).

A booking is dumped with the host API's own :class:`~server.bookings.schemas.HostBookingSchema`
(``GET /api/v1/bookings/<id>`` answers the same fields); a request with
:class:`~server.webhooks.schemas.MeetingRequestViewSchema`. They are handed to
:mod:`server.webhooks.services` by :func:`install`, when the API starts, because
``server.bookings.schemas`` imports the booking services that emit the events.
"""

from __future__ import annotations

from typing import Any

from server.bookings.schemas import HostBookingSchema
from server.webhooks.schemas import MeetingRequestViewSchema
from server.webhooks.services import register_payload

__all__ = ["booking_data", "install", "meeting_request_data"]

_BOOKING = HostBookingSchema()
_REQUEST = MeetingRequestViewSchema()


def booking_data(booking: Any) -> dict[str, Any]:
    return _BOOKING.dump(booking)


def meeting_request_data(record: Any) -> dict[str, Any]:
    return _REQUEST.dump(record)


def install() -> None:
    """Let the services serialise what they emit (idempotent)."""
    register_payload("booking", booking_data)
    register_payload("meeting_request", meeting_request_data)
