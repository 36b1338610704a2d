"""Public API: link config, slots, booking, and managing a booking by its token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, g
from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint

from server.api import limiter
from server.bookings import services as bookings
from server.bookings.models import Booking
from server.clock import utcnow
from server.db import get_session
from server.errors import ValidationFailed
from server.i18n import catalog_messages
from server.links.models import BookingLink
from server.links.services import get_public_link
from server.links.slots import offered_slots
from server.meeting_requests.services import RequestForm, request_meeting
from server.public.schemas import (
    BookingCreatedSchema,
    BookingRequestSchema,
    ManagedBookingSchema,
    MeetingRequestCreatedSchema,
    MeetingRequestSchema,
    PublicLinkSchema,
    RescheduleSchema,
    SlotsQuerySchema,
    SlotsSchema,
)
from server.timezones import zone

blp = Blueprint(
    "public", __name__, url_prefix="/api/v1/public", description="Booking without an account"
)


def _public_limit() -> str:
    return current_app.config["RENDEZVOUS_PUBLIC_RATE_LIMIT"]


def _booking_limit() -> str:
    return current_app.config["RENDEZVOUS_BOOKING_RATE_LIMIT"]


limiter.limit(_public_limit)(blp)


def _link(slug: str) -> BookingLink:
    link = get_public_link(get_session(), slug)
    g.public_account = link.owner.account
    return link


def _iso(moment: datetime, timezone: str) -> str:
    return moment.astimezone(zone(timezone)).isoformat()


# -- links -------------------------------------------------------------------------------


@blp.route("/links/<slug:slug>", endpoint="link", methods=["GET"])
@blp.response(200, PublicLinkSchema)
def link_config(slug: str) -> dict[str, Any]:
    """The link as the widget shows it.

    :raise 404: no link has this slug.
    """
    link = _link(slug)
    account = link.owner.account
    return {
        "slug": link.slug,
        "title": link.title,
        "type": link.type,
        "meeting_type": link.meeting_type,
        "hosts": [{"name": h.user.name, "photo_url": h.user.photo_url} for h in link.hosts],
        "photo_url": link.photo_url,
        "durations": link.durations,
        "location": link.location,
        "language": link.language,
        "locale": link.locale,
        "timezone": link.timezone,
        "branding": {"logo_url": account.logo_url, "accent_color": account.accent_color},
        "form": link.form,
        "consent": _public_consent(link.consent or {}),
        "mode": "book",
        "strings": catalog_messages(link.language, "widget"),
    }


def _public_consent(consent: dict[str, Any]) -> dict[str, Any]:
    keys = ("enabled", "mode", "subscription_types", "processing_text", "privacy_text")
    return {k: consent[k] for k in keys if k in consent}


@blp.route("/links/<slug:slug>/slots", endpoint="slots", methods=["GET"])
@blp.arguments(SlotsQuerySchema, location="query", as_kwargs=True)
@blp.response(200, SlotsSchema)
def slots(
    slug: str, start: Any, end: Any, duration: int | None = None, timezone: str | None = None
) -> dict[str, Any]:
    """Bookable starts whose local date in ``timezone`` lies in ``[start, end]``.

    :raise 404: no link has this slug.
    :raise 422: unknown zone, a duration the link doesn't offer, end before start, over 10 weeks.
    """
    link = _link(slug)
    duration = duration or link.durations[0]
    if duration not in link.durations:
        raise ValidationFailed({"duration": [f"Choose one of {link.durations} minutes."]})
    timezone = timezone or link.timezone
    starts = offered_slots(get_session(), link, duration, start, end, timezone, utcnow())
    return {
        "timezone": timezone,
        "duration": duration,
        "slots": [_iso(s, timezone) for s in starts],
    }


# -- bookings ----------------------------------------------------------------------------


def _manage_url(token: str) -> str:
    return f"{current_app.config['RENDEZVOUS_BASE_URL']}/meetings/manage/{token}"


@blp.route("/links/<slug:slug>/bookings", endpoint="book", methods=["POST"])
@limiter.limit(_booking_limit)
@blp.arguments(BookingRequestSchema)
@blp.response(201, BookingCreatedSchema)
@blp.alt_response(409, description="slot_unavailable: the time was just taken")
def create_booking(data: dict[str, Any], slug: str) -> ResponseReturnValue:
    """Book a time. The server checks the slot again as it commits (B3).

    :raise 404: no link has this slug.
    :raise 409: ``slot_unavailable``, the time is no longer free.
    :raise 422: invalid fields, or a start the link doesn't offer.
    """
    link = _link(slug)
    timezone = data.get("timezone") or link.timezone
    booking, token = bookings.book(
        get_session(),
        link,
        bookings.BookingRequest(
            start=data["start"],
            duration=data.get("duration") or link.durations[0],
            timezone=timezone,
            first_name=data["first_name"].strip(),
            last_name=data["last_name"].strip(),
            email=data["email"],
            answers=data["answers"],
            consent=data["consent"],
            utm=data["utm"],
        ),
    )
    return {
        "id": booking.id,
        "start": _iso(booking.start_at, timezone),
        "end": _iso(booking.end_at, timezone),
        "status": booking.status,
        "host": {"name": booking.host.name},
        "manage_token": token,
        "manage_url": _manage_url(token),
    }


@blp.route("/links/<slug:slug>/requests", endpoint="request", methods=["POST"])
@limiter.limit(_booking_limit)
@blp.arguments(MeetingRequestSchema)
@blp.response(201, MeetingRequestCreatedSchema)
def create_request(data: dict[str, Any], slug: str) -> ResponseReturnValue:
    """Ask for a meeting (C6): the hosts get the request by email and answer the visitor.

    Accepted in either mode; the widget offers it when the link's mode is ``request``.

    :raise 404: no link has this slug.
    :raise 422: invalid fields.
    """
    link = _link(slug)
    record = request_meeting(
        get_session(),
        link,
        RequestForm(
            name=data["name"].strip(),
            email=data["email"],
            preferred_times=data["preferred_times"].strip(),
            message=data["message"].strip(),
            timezone=data.get("timezone"),
        ),
    )
    return {"id": record.id, "status": "received"}


def _managed(booking: Booking) -> dict[str, Any]:
    g.public_account = booking.link.owner.account
    tz = booking.timezone
    return {
        "id": booking.id,
        "start": _iso(booking.start_at, tz),
        "end": _iso(booking.end_at, tz),
        "status": booking.status,
        "duration": booking.duration_minutes,
        "timezone": tz,
        "host": {"name": booking.host.name},
        "link": {"slug": booking.link.slug, "title": booking.link.title},
        "contact": {
            "first_name": booking.contact.first_name,
            "last_name": booking.contact.last_name,
            "email": booking.contact.email,
        },
        "location": booking.link.location,
        "video_link": booking.link.video_link,
    }


@blp.route("/bookings/<token>", endpoint="booking", methods=["GET"])
@blp.response(200, ManagedBookingSchema)
def managed_booking(token: str) -> dict[str, Any]:
    """The booking behind a manage link.

    :raise 404: unknown token.
    """
    return _managed(bookings.get_by_token(get_session(), token))


@blp.route("/bookings/<token>/cancel", endpoint="cancel", methods=["POST"])
@limiter.limit(_booking_limit)
@blp.response(200, ManagedBookingSchema)
def cancel_booking(token: str) -> dict[str, Any]:
    """Cancel; the time is free again.

    :raise 404: unknown token.
    :raise 409: already cancelled, or already started.
    """
    session = get_session()
    return _managed(bookings.cancel(session, bookings.get_by_token(session, token)))


@blp.route("/bookings/<token>/reschedule", endpoint="reschedule", methods=["POST"])
@limiter.limit(_booking_limit)
@blp.arguments(RescheduleSchema)
@blp.response(200, ManagedBookingSchema)
def reschedule_booking(data: dict[str, Any], token: str) -> dict[str, Any]:
    """Move the booking; same checks as a new booking.

    :raise 404: unknown token.
    :raise 409: the new time is taken, or the booking is cancelled or past.
    :raise 422: a start the link doesn't offer.
    """
    session = get_session()
    booking = bookings.get_by_token(session, token)
    return _managed(bookings.reschedule(session, booking, data["start"], manage_token=token))
