"""Contacts: the list, a record with its timeline, and the Schedule tab (B7).

Scheduling for a contact goes through :func:`server.bookings.services.book`, exactly the
visitor's path: the same slot re-check at commit, the same contact update, the same emails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import flash, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from server.accounts.access import account_row
from server.accounts.models import User
from server.bookings import services as booking_services
from server.bookings.forms import IDENTITY_KEYS, LEGAL_BASES, consent_time
from server.bookings.models import Booking
from server.calendars.meetings import contact_meetings
from server.contacts import privacy
from server.contacts import services as contact_services
from server.contacts.models import Contact
from server.dashboard.bookings import ChangeRow, change_rows
from server.dashboard.forms import Errors, service_errors, status_for
from server.dashboard.rendering import render, zone_names
from server.dashboard.session import admin_required, login_required, signed_in_user
from server.db import get_session
from server.errors import ApiError
from server.fields import AwareDateTime
from server.links.models import BookingLink
from server.timezones import zone

__all__ = [
    "contact_erase",
    "contact_export",
    "contact_list",
    "contact_record",
    "get_account_contact",
    "schedule",
    "timeline",
]

SCHEDULE_DAYS = 14


def get_account_contact(session: Session, user: User, contact_id: int) -> Contact:
    """:raise NotFound: not a contact of the user's account (A2)."""
    return account_row(session, Contact, contact_id, user.account_id, "contact")


@login_required
def contact_list() -> ResponseReturnValue:
    """``?q=`` searches names and emails."""
    user = signed_in_user()
    query = request.args.get("q", "").strip()[:100]
    rows = contact_services.search_contacts(get_session(), user.account_id, query)
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


def timeline(session: Session, contact: Contact, host_zone: str = "UTC") -> list[Event]:
    """Bookings, reschedules and cancellations (who, when, why), consents given and meeting
    requests, and the meetings seen in the host's calendars (C5), newest first."""
    events: list[Event] = []
    for booking in contact_services.contact_bookings(session, contact.id):
        title = booking.link.title
        events.append(Event(booking.created_at, "booked", f"Booked “{title}”", "", booking))
        changes = change_rows(booking)
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
    for asked in contact_services.contact_requests(session, contact.id):
        detail = f"Preferred times: {asked.preferred_times}"
        if asked.message:
            detail = f"{asked.message} · {detail}"
        events.append(
            Event(asked.created_at, "requested", f"Asked for “{asked.link.title}”", detail)
        )
    for meeting in contact_meetings(session, contact.id):
        local = meeting.start_at.astimezone(zone(host_zone))
        when = f"{local:%a %d %b %Y, %H:%M} ({host_zone})"
        if meeting.status == "cancelled":
            title, detail = f"Calendar meeting cancelled: “{meeting.title}”", when
        else:
            title, detail = f"Calendar meeting: “{meeting.title}”", when
        events.append(Event(meeting.updated_at, "calendar_meeting", title, detail))
    return sorted(events, key=lambda e: e.at, reverse=True)


def _consent_event(booking: Booking) -> Event:
    consent = booking.consent
    if consent.get("mode") == "legitimate_interest":
        basis = LEGAL_BASES.get(consent.get("legal_basis") or "", "legitimate interest")
        detail = f"Legitimate interest ({basis})"
    else:
        granted = [k for k, v in (consent.get("subscriptions") or {}).items() if v]
        detail = "Agreed to the processing of their data"
        if granted:
            detail += "; subscribed to " + ", ".join(granted)
    at = consent_time(consent) or booking.created_at
    return Event(at, "consent", "Consent recorded", detail, booking)


@login_required
def contact_record(contact_id: int) -> ResponseReturnValue:
    """:raise 404: not a contact of this account."""
    session = get_session()
    user = signed_in_user()
    contact = get_account_contact(session, user, contact_id)
    return render(
        "contact.html",
        contact=contact,
        events=timeline(session, contact, user.timezone),
        tab="overview",
    )


# -- Schedule tab (B7) ---------------------------------------------------------------------


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


def _start(raw: str) -> datetime | None:
    try:
        return AwareDateTime().deserialize(raw)
    except Exception:  # noqa: BLE001 - marshmallow's ValidationError, said plainly
        return None


def _book(
    session: Session,
    contact: Contact,
    link: BookingLink,
    duration: int,
    timezone: str,
    params: Any,
) -> tuple[Booking | None, Errors]:
    """Book the chosen time through the visitor's path; what went wrong, by field."""
    start = _start(params.get("start", ""))
    if start is None:
        return None, {"start": ["Choose a time."]}
    booking_request = booking_services.BookingRequest(
        start=start,
        duration=duration,
        timezone=timezone,
        first_name=contact.first_name or contact.email.split("@")[0],
        last_name=contact.last_name or "",
        email=contact.email,
        answers=_answers(link, params),
        consent=_consent(link, params),
    )
    try:
        result, errors = service_errors(
            lambda: booking_services.book(session, link, booking_request)
        )
    except ApiError as exc:  # the time was taken meanwhile (409)
        return None, {"start": [exc.message]}
    return (result[0] if result else None), errors


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
    params = request.form if request.method == "POST" else request.args
    link_id = params.get("link", "")
    choice = contact_services.schedule_choice(
        session,
        user.account,
        contact,
        link_id=int(link_id) if link_id.isdigit() else None,
        duration=params.get("duration", type=int),
        timezone=params.get("timezone", ""),
        host_zone=user.timezone,
    )
    link, duration, timezone = choice.link, choice.duration, choice.timezone
    errors: Errors = {}
    if request.method == "POST" and link is not None and duration is not None:
        booking, errors = _book(session, contact, link, duration, timezone, params)
        if booking is not None:
            local = booking.start_at.astimezone(zone(timezone))
            flash(
                f"Booked “{link.title}” with {contact.first_name} on "
                f"{local:%A %d %B %Y at %H:%M} ({timezone}). The invitation is on its way."
            )
            return redirect(url_for("dashboard.contact", contact_id=contact.id))

    days: dict[date, list[datetime]] = {}
    chosen_day = None
    if link is not None and duration is not None:
        days = contact_services.offered_days(session, link, duration, timezone, days=SCHEDULE_DAYS)
        try:
            chosen_day = date.fromisoformat(params.get("day", ""))
        except ValueError:
            chosen_day = None
        if chosen_day not in days:
            chosen_day = next(iter(days), None)
    return render(
        "contact.html",
        status=status_for(errors),
        contact=contact,
        tab="schedule",
        links=choice.links,
        link_options=[(x.id, x.title) for x in choice.links],
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


# -- GDPR (A6): export, erase -----------------------------------------------------------------


@admin_required
def contact_export(contact_id: int) -> ResponseReturnValue:
    """The contact's data as a JSON download; audited. :raise 404: not in this account."""
    data = privacy.export_contact(get_session(), signed_in_user(), contact_id)
    response = jsonify(data)
    response.headers["Content-Disposition"] = f'attachment; filename="contact-{contact_id}.json"'
    return response


@admin_required
def contact_erase(contact_id: int) -> ResponseReturnValue:
    """Erase the person behind the contact, once the admin ticked the box; audited.

    :raise 404: not in this account.
    """
    if request.form.get("confirm") != "yes":
        flash("Tick the box to confirm the erasure.", "error")
        return redirect(url_for("dashboard.contact", contact_id=contact_id))
    privacy.erase_contact(get_session(), signed_in_user(), contact_id)
    flash("The contact's personal data is erased; their bookings remain, anonymous.")
    return redirect(url_for("dashboard.contact", contact_id=contact_id))
