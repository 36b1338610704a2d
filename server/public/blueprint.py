"""Public API: link config, slots, booking, and managing a booking by its token."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from flask import Response, current_app, g, request, url_for
from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint

from server.bookings import idempotency, notices
from server.bookings import services as bookings
from server.bookings.models import Booking
from server.bookings.slots import next_start, offered_slots
from server.clock import utcnow
from server.compression import compress
from server.db import get_session
from server.limiter import booking_caps, check_public_read, limiter
from server.links.models import BookingLink
from server.links.services import get_public_link
from server.meeting_requests.models import VisitorRequest
from server.meeting_requests.services import RequestForm, request_meeting
from server.public import slots_cache
from server.public.cors import refuse_foreign_origin
from server.public.first_view import first_view as paint_first_view
from server.public.schemas import (
    BookingCreatedSchema,
    BookingRequestSchema,
    CancelSchema,
    FirstViewQuerySchema,
    FirstViewSchema,
    ManagedBookingSchema,
    MeetingRequestCreatedSchema,
    MeetingRequestSchema,
    PublicLinkSchema,
    RescheduleSchema,
    SlotsQuerySchema,
    SlotsSchema,
    VisitorBooking,
)
from server.timezones import zone, zone_menu

blp = Blueprint(
    "public", __name__, url_prefix="/api/v1/public", description="Booking without an account"
)


#: documents the header on the operations that honour it (SPEC §10 conventions)
IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": idempotency.HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
    "description": "a retry with the same key within 24 hours answers what the first did",
}


def _public_limit() -> str:
    return current_app.config["RENDEZVOUS_PUBLIC_RATE_LIMIT"]


def _booking_limit() -> str:
    return current_app.config["RENDEZVOUS_BOOKING_RATE_LIMIT"]


# writes per address, one by one; reads (most of the traffic) in batches (check_public_read)
limiter.limit(_public_limit)(blp)
blp.before_request(check_public_read)
# A5: a page on an origin the account hasn't allowed is refused before any view runs.
blp.before_request(refuse_foreign_origin)
# a GET slots whose kept answer still holds is answered here, after the checks above
blp.before_request(slots_cache.cached_slots)
blp.after_request(compress)


def _link(slug: str) -> BookingLink:
    link = g.get("public_link")  # already read by the origin check
    if link is None or link.slug != slug:
        link = get_public_link(get_session(), slug)
    g.public_account = link.owner.account
    return link


# -- links -------------------------------------------------------------------------------


@blp.route("/links/<slug:slug>", endpoint="link", methods=["GET"])
@blp.etag
@blp.response(200, PublicLinkSchema)
def link_config(slug: str) -> BookingLink:
    """The link as the widget shows it.

    :raise 404: no link has this slug.
    """
    return _link(slug)


@blp.route("/links/<slug:slug>/slots", endpoint="slots", methods=["GET"])
@blp.arguments(SlotsQuerySchema, location="query", as_kwargs=True)
@blp.response(200, SlotsSchema)
def slots(
    slug: str, start: Any, end: Any, duration: int | None = None, timezone: str | None = None
) -> dict[str, Any]:
    """Bookable starts whose local date in ``timezone`` lies in ``[start, end]``; none while
    the link is in request mode (C6). When there are none, ``next_available`` is the first
    start after ``end``.

    :raise 404: no link has this slug.
    :raise 422: unknown zone, a duration the link doesn't offer, end before start, over 10 weeks.
    """
    link, now = _link(slug), utcnow()
    answer = SlotsSchema().dump(_slots_answer(link, start, end, duration, timezone, now))
    body = current_app.json.dumps(answer).encode()
    slots_cache.keep(answer, body, link, now)  # for the next visitors asking the same
    return current_app.response_class(body, mimetype="application/json")


def _slots_answer(
    link: BookingLink,
    start: date,
    end: date,
    duration: int | None,
    timezone: str | None,
    now: datetime | None = None,
) -> dict[str, Any]:
    duration = link.duration_for(duration)
    timezone = timezone or link.timezone
    now = now or utcnow()
    session = get_session()
    starts = offered_slots(session, link, duration, start, end, timezone, now)
    later = None if starts else next_start(session, link, duration, end, timezone, now)
    period = max(now, datetime.combine(start, time(0), tzinfo=zone(timezone)))
    return {
        "timezone": timezone,
        "duration": duration,
        "slots": [s.astimezone(zone(timezone)).isoformat() for s in starts],
        "next_available": later.astimezone(zone(timezone)).isoformat() if later else None,
        "timezones": zone_menu(period, also=(timezone, link.timezone)),
        "today": now.astimezone(zone(timezone)).date().isoformat(),
    }


@blp.route("/links/<slug:slug>/first-view", endpoint="first_view", methods=["GET"])
@blp.arguments(FirstViewQuerySchema, location="query", as_kwargs=True)
@blp.response(200, FirstViewSchema)
def first_view(slug: str, start: date, end: date, timezone: str | None = None) -> dict[str, Any]:
    """The widget's first view in one answer, for the loader to show before the widget runs:
    the link (as ``GET /links/<slug>``), its slots from ``start`` to ``end`` (as ``GET
    /links/<slug>/slots`` with the first duration), and the month's HTML with the accent's CSS
    variables (``theme``). Element ids in ``html`` start with ``__RDV__``, for the loader to
    replace with the widget's own.

    :raise 404: no link has this slug.
    :raise 422: unknown zone, end before start, over 10 weeks.
    """
    link = _link(slug)
    config = PublicLinkSchema().dump(link)
    answer = _slots_answer(link, start, end, None, timezone)
    painted = paint_first_view(config, SlotsSchema().dump(answer), end)
    return {"link": config, "slots": answer, **painted}


# -- bookings ----------------------------------------------------------------------------


def _visitor_booking(booking: Booking, token: str) -> VisitorBooking:
    """The booking as its visitor sees it, with the manage and calendar links of ``token``."""
    g.public_account = booking.link.owner.account
    base = g.get("site_base") or current_app.config["RENDEZVOUS_BASE_URL"]
    return VisitorBooking(
        booking=booking,
        manage_token=token,
        manage_url=f"{current_app.config['RENDEZVOUS_BASE_URL']}/meetings/manage/{token}",
        calendar={
            "ics_url": f"{base}/api/v1/public/bookings/{token}.ics",
            **notices.add_to_calendar_links(get_session(), booking),
        },
    )


@blp.route("/links/<slug:slug>/bookings", endpoint="book", methods=["POST"])
@limiter.limit(_booking_limit)
@booking_caps
@blp.doc(parameters=[IDEMPOTENCY_PARAMETER])
@blp.arguments(BookingRequestSchema)
@blp.response(201, BookingCreatedSchema)
@blp.alt_response(
    409,
    description="slot_unavailable: the time was just taken; calendar_disconnected: a host's "
    "calendar can't be read (the link is in request mode, C6)",
)
def create_booking(data: dict[str, Any], slug: str) -> ResponseReturnValue:
    """Book a time. The server checks the slot again as it commits (B3).

    With an ``Idempotency-Key`` header, a repeat within 24 hours answers what the first one
    did, status and body, and books nothing more.

    :raise 404: no link has this slug.
    :raise 409: ``slot_unavailable``, the time is no longer free; ``calendar_disconnected``,
        a host's calendar can't be read (C6).
    :raise 422: invalid fields, a start the link doesn't offer, or an ``Idempotency-Key``
        already used with another body.
    """
    link, session = _link(slug), get_session()
    claim = idempotency.claim_for(
        request.headers.get(idempotency.HEADER),
        request.path,
        request.get_json(silent=True),
        _created_answer,
    )
    if claim is not None and (first := idempotency.stored_answer(session, claim, utcnow())):
        return _replay(first)
    form = bookings.BookingRequest(
        start=data["start"],
        duration=link.duration_for(data.get("duration")),
        timezone=data.get("timezone") or link.timezone,
        first_name=data["first_name"].strip(),
        last_name=data["last_name"].strip(),
        email=data["email"],
        answers=data["answers"],
        consent=data["consent"],
        utm=data["utm"],
    )
    try:
        booking, token = bookings.book(session, link, form, claim=claim)
    except bookings.SlotUnavailable:
        # the same key committed first (its row won the unique index): answer what it did
        if claim is not None and (first := idempotency.stored_answer(session, claim, utcnow())):
            return _replay(first)
        raise
    if claim is not None:
        return _replay(_created_answer(booking, token))
    location = url_for("public.booking", token=token)
    return _visitor_booking(booking, token), 201, {"Location": location}


def _created_answer(booking: Booking, token: str) -> idempotency.Answer:
    """The 201 of a booking as its first answer: what a keyed repeat gets again."""
    body = BookingCreatedSchema().dump(_visitor_booking(booking, token))
    return idempotency.Answer(201, body, url_for("public.booking", token=token))


def _replay(answer: idempotency.Answer) -> Response:
    response = current_app.response_class(
        current_app.json.dumps(answer.body), status=answer.status, mimetype="application/json"
    )
    if answer.location:
        response.headers["Location"] = answer.location
    return response


@blp.route("/links/<slug:slug>/requests", endpoint="request", methods=["POST"])
@limiter.limit(_booking_limit)
@booking_caps
@blp.arguments(MeetingRequestSchema)
@blp.response(201, MeetingRequestCreatedSchema)
def create_request(data: dict[str, Any], slug: str) -> VisitorRequest:
    """Ask for a meeting (C6): the hosts get the request by email and answer the visitor.

    Accepted in either mode; the widget offers it when the link's mode is ``request``.

    :raise 404: no link has this slug.
    :raise 422: invalid fields.
    """
    link = _link(slug)
    return request_meeting(
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


@blp.route("/bookings/<token>.ics", endpoint="calendar_file", methods=["GET"])
@blp.doc(
    responses={
        "200": {
            "description": "the booking's iCalendar file: the emails' UID and SEQUENCE, "
            "METHOD:REQUEST, or METHOD:CANCEL once cancelled",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        },
        "404": {"$ref": "#/components/responses/DEFAULT_ERROR"},
    }
)
def booking_calendar_file(token: str) -> Response:
    """The booking's calendar file (SPEC §10): one event, the one the emails made.

    :raise 404: unknown token.
    """
    session = get_session()
    booking = bookings.get_by_token(session, token)
    g.public_account = booking.link.owner.account
    body = notices.calendar_file(session, booking, now=utcnow())
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'attachment; filename="meeting.ics"'
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/bookings/<token>", endpoint="booking", methods=["GET"])
@blp.etag
@blp.response(200, ManagedBookingSchema)
def managed_booking(token: str) -> VisitorBooking:
    """The booking behind a manage link.

    :raise 404: unknown token.
    """
    return _visitor_booking(bookings.get_by_token(get_session(), token), token)


@blp.route("/bookings/<token>/cancel", endpoint="cancel", methods=["POST"])
@limiter.limit(_booking_limit)
@blp.arguments(CancelSchema, required=False)
@blp.response(200, ManagedBookingSchema)
@blp.alt_response(404, description="not_found: no booking has this manage token")
@blp.alt_response(409, description="booking_cancelled or booking_started")
def cancel_booking(data: dict[str, Any], token: str) -> VisitorBooking:
    """Cancel; the time is free again. The optional reason reaches the host.

    :raise 404: unknown token.
    :raise 409: already cancelled, or already started.
    :raise 422: a reason over 500 characters.
    """
    session = get_session()
    booking = bookings.get_by_token(session, token)
    cancelled = bookings.cancel(session, booking, actor="visitor", reason=data["reason"])
    return _visitor_booking(cancelled, token)


@blp.route("/bookings/<token>/reschedule", endpoint="reschedule", methods=["POST"])
@limiter.limit(_booking_limit)
@blp.arguments(RescheduleSchema)
@blp.response(200, ManagedBookingSchema)
def reschedule_booking(data: dict[str, Any], token: str) -> VisitorBooking:
    """Move the booking; same checks as a new booking.

    :raise 404: unknown token.
    :raise 409: the new time is taken, the booking is cancelled or past, or a host's
        calendar can't be read (``calendar_disconnected``, C6).
    :raise 422: a start the link doesn't offer, or a reason over 500 characters.
    """
    session = get_session()
    booking = bookings.get_by_token(session, token)
    moved = bookings.reschedule(
        session,
        booking,
        data["start"],
        manage_token=token,
        actor="visitor",
        reason=data["reason"],
    )
    return _visitor_booking(moved, token)
