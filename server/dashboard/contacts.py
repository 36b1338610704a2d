"""Contacts: the list, a record with its timeline, and the Schedule tab (B7).

Scheduling for a contact goes through :func:`server.bookings.services.book`, exactly the
visitor's path: the same slot re-check at commit, the same contact update, the same emails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from server.accounts.access import account_row
from server.accounts.models import User
from server.bookings import services as booking_services
from server.bookings.forms import IDENTITY_KEYS
from server.bookings.models import Booking
from server.bookings.slots import offered_slots
from server.clock import utcnow
from server.contacts.models import Contact
from server.dashboard.bookings import ChangeRow, change_rows
from server.dashboard.rendering import render, zone_names
from server.dashboard.session import login_required, signed_in_user
from server.db import get_session
from server.errors import ApiError, NotFound, ValidationFailed
from server.fields import AwareDateTime
from server.links.models import BookingLink
from server.meeting_requests.models import VisitorRequest
from server.timezones import is_valid_timezone, zone

__all__ = ["contact_list", "contact_record", "get_account_contact", "schedule", "timeline"]

SCHEDULE_DAYS = 14


def get_account_contact(session: Session, user: User, contact_id: int) -> Contact:
    """:raise NotFound: not a contact of the user's account (A2)."""
    return account_row(session, Contact, contact_id, user.account_id, "contact")


@login_required
def contact_list() -> ResponseReturnValue:
    """``?q=`` searches names and emails."""
    user = signed_in_user()
    query = request.args.get("q", "").strip()[:100]
    statement = (
        select(Contact, func.count(Booking.id), func.max(Booking.start_at))
        .outerjoin(Booking, Booking.contact_id == Contact.id)
        .where(Contact.account_id == user.account_id)
        .group_by(Contact.id)
        .order_by(Contact.updated_at.desc(), Contact.id.desc())
        .limit(200)
    )
    if query:
        like = f"%{query.lower()}%"
        statement = statement.where(
            or_(
                func.lower(Contact.email).like(like),
                func.lower(Contact.first_name).like(like),
                func.lower(Contact.last_name).like(like),
            )
        )
    rows = get_session().execute(statement).all()
    return render("contacts.html", rows=rows, query=query)


@dataclass(frozen=True, slots=True)
class Event:
    """One line of a contact's timeline."""

    at: datetime
    kind: str
    title: str
    detail: str
    booking: Booking | None = None
    #: a cancel or reschedule: who, why, from and to
    change: ChangeRow | None = None


def timeline(session: Session, contact: Contact) -> list[Event]:
    """Bookings, reschedules and cancellations (who, when, why), consents given and meeting
    requests, newest first. (Synced calendar events (C5) join here when that feature stores
    them.)"""
    bookings = session.scalars(
        select(Booking).where(Booking.contact_id == contact.id).order_by(Booking.created_at)
    )
    events: list[Event] = []
    for booking in bookings:
        title = booking.link.title
        events.append(Event(booking.created_at, "booked", f"Booked “{title}”", "", booking))
        changes = change_rows(session, booking)
        for change in changes:
            what = "Cancelled" if change.kind == "cancelled" else "Rescheduled"
            events.append(Event(change.at, change.kind, f"{what} “{title}”", "", booking, change))
        if booking.cancelled_at and not any(c.kind == "cancelled" for c in changes):
            # cancelled before who and why were recorded
            events.append(
                Event(booking.cancelled_at, "cancelled", f"Cancelled “{title}”", "", booking)
            )
        if booking.consent:
            events.append(_consent_event(booking))
    requests = session.scalars(
        select(VisitorRequest).where(VisitorRequest.contact_id == contact.id)
    )
    for asked in requests:
        detail = f"Preferred times: {asked.preferred_times}"
        if asked.message:
            detail = f"{asked.message} · {detail}"
        events.append(
            Event(asked.created_at, "requested", f"Asked for “{asked.link.title}”", detail)
        )
    return sorted(events, key=lambda e: e.at, reverse=True)


def _consent_event(booking: Booking) -> Event:
    consent = booking.consent
    if consent.get("mode") == "legitimate_interest":
        basis = {"prospect": "prospect / lead", "customer": "existing customer"}.get(
            consent.get("legal_basis") or "", "legitimate interest"
        )
        detail = f"Legitimate interest ({basis})"
    else:
        granted = [k for k, v in (consent.get("subscriptions") or {}).items() if v]
        detail = "Agreed to the processing of their data"
        if granted:
            detail += "; subscribed to " + ", ".join(granted)
    try:
        at = datetime.fromisoformat(consent.get("at", ""))
    except ValueError:
        at = booking.created_at
    return Event(at, "consent", "Consent recorded", detail, booking)


@login_required
def contact_record(contact_id: int) -> ResponseReturnValue:
    """:raise 404: not a contact of this account."""
    session = get_session()
    contact = get_account_contact(session, signed_in_user(), contact_id)
    return render(
        "contact.html", contact=contact, events=timeline(session, contact), tab="overview"
    )


# -- Schedule tab (B7) ---------------------------------------------------------------------


def _links(session: Session, user: User) -> list[BookingLink]:
    return list(
        session.scalars(
            select(BookingLink)
            .where(BookingLink.account_id == user.account_id, BookingLink.deleted_at.is_(None))
            .order_by(BookingLink.id)
        )
    )


def _contact_zone(session: Session, contact: Contact, fallback: str) -> str:
    last = session.scalar(
        select(Booking.timezone)
        .where(Booking.contact_id == contact.id)
        .order_by(Booking.created_at.desc())
        .limit(1)
    )
    return last or fallback


def _answers(link: BookingLink, form: Any) -> dict[str, Any]:
    """The link's own questions, as the widget would send them."""
    answers: dict[str, Any] = {}
    for question in link.form or []:
        key = question["key"]
        if key in IDENTITY_KEYS:
            continue
        raw = form.get(f"answer-{key}", "")
        if question.get("type") == "checkbox":
            answers[key] = raw == "on"
        elif question.get("type") == "number" and raw.strip():
            try:
                number = float(raw)
                answers[key] = int(number) if number.is_integer() else number
            except ValueError:
                answers[key] = raw
        elif raw.strip():
            answers[key] = raw.strip()
    return answers


def _consent(link: BookingLink, form: Any) -> dict[str, Any]:
    types = (link.consent or {}).get("subscription_types") or []
    return {
        "processing": form.get("consent-processing") == "on",
        "subscriptions": {t["id"]: form.get(f"consent-{t['id']}") == "on" for t in types},
    }


@login_required
def schedule(contact_id: int) -> ResponseReturnValue:
    """Pick a link, a day and a time for the contact, and book it (B7).

    GET shows the choices (``?link=&duration=&day=&timezone=``); POST books through
    ``bookings.services.book``. A time taken meanwhile (409) or a missing answer (422) is
    shown on the form.

    :raise 404: not a contact (or link) of this account.
    """
    user = signed_in_user()
    session = get_session()
    contact = get_account_contact(session, user, contact_id)
    links = _links(session, user)
    params = request.form if request.method == "POST" else request.args
    link = None
    if params.get("link", "").isdigit():
        link = next((x for x in links if x.id == int(params["link"])), None)
        if link is None:
            raise NotFound("No such link.")
    elif links:
        default_id = user.account.default_link_id
        link = next((x for x in links if x.id == default_id), links[0])
    errors: dict[str, list[str]] = {}
    timezone = params.get("timezone", "")
    if not is_valid_timezone(timezone):
        timezone = _contact_zone(session, contact, link.timezone if link else user.timezone)
    duration = params.get("duration", type=int)
    if link is not None and duration not in link.durations:
        duration = link.durations[0]

    if request.method == "POST" and link is not None and duration is not None:
        try:
            start = AwareDateTime().deserialize(params.get("start", ""))
        except Exception:  # noqa: BLE001 - marshmallow's ValidationError, said plainly
            errors["start"] = ["Choose a time."]
        else:
            try:
                booking, _token = booking_services.book(
                    session,
                    link,
                    booking_services.BookingRequest(
                        start=start,
                        duration=duration,
                        timezone=timezone,
                        first_name=contact.first_name or contact.email.split("@")[0],
                        last_name=contact.last_name or "",
                        email=contact.email,
                        answers=_answers(link, params),
                        consent=_consent(link, params),
                    ),
                )
            except ValidationFailed as exc:
                session.rollback()
                errors = dict(exc.fields or {})
            except ApiError as exc:
                session.rollback()
                errors = {"start": [exc.message]}
            else:
                local = booking.start_at.astimezone(zone(timezone))
                flash(
                    f"Booked “{link.title}” with {contact.first_name} on "
                    f"{local:%A %d %B %Y at %H:%M} ({timezone}). The invitation is on its way."
                )
                return redirect(url_for("dashboard.contact", contact_id=contact.id))

    days: dict[date, list[datetime]] = {}
    chosen_day = None
    if link is not None and duration is not None:
        tz = zone(timezone)
        today = utcnow().astimezone(tz).date()
        starts = offered_slots(
            session,
            link,
            duration,
            today,
            today + timedelta(days=SCHEDULE_DAYS - 1),
            timezone,
            utcnow(),
        )
        for start in starts:
            local = start.astimezone(tz)
            days.setdefault(local.date(), []).append(local)
        try:
            chosen_day = date.fromisoformat(params.get("day", ""))
        except ValueError:
            chosen_day = None
        if chosen_day not in days:
            chosen_day = next(iter(days), None)
    return render(
        "contact.html",
        status=422 if errors else 200,
        contact=contact,
        tab="schedule",
        links=links,
        link_options=[(x.id, x.title) for x in links],
        link=link,
        duration=duration,
        timezone=timezone,
        days=days,
        chosen_day=chosen_day,
        times=days.get(chosen_day, []) if chosen_day else [],
        chosen_start=params.get("start", ""),
        errors=errors,
        values=params,
        identity_keys=IDENTITY_KEYS,
        zones=zone_names(),
    )
