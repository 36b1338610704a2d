"""The account's bookings: upcoming, past, cancelled; who was assigned (L10); cancel.

A booking's page says what the visitor answered under each question's label (a question
removed since keeps its answer, under its key made readable), what they consented to, to
which text and when, and who cancelled or moved the meeting, when and why.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from server.accounts.access import account_row
from server.accounts.models import User
from server.bookings import services as booking_services
from server.bookings.forms import LEGAL_BASES, consent_time
from server.bookings.models import Booking
from server.clock import utcnow
from server.contacts import services as contact_services
from server.dashboard.forms import service_errors
from server.dashboard.rendering import render
from server.dashboard.session import login_required, safe_next, signed_in_user
from server.db import get_session
from server.errors import ApiError

__all__ = [
    "TABS",
    "Answer",
    "ChangeRow",
    "ConsentFacts",
    "answer_rows",
    "booking_cancel",
    "booking_detail",
    "booking_list",
    "change_rows",
    "consent_facts",
    "get_account_booking",
]

TABS = (("upcoming", "Upcoming"), ("past", "Past"), ("cancelled", "Cancelled"))
PAGE_SIZE = 200


def get_account_booking(session: Session, user: User, booking_id: int) -> Booking:
    """:raise NotFound: not a booking of the user's account (A2)."""
    return account_row(session, Booking, booking_id, user.account_id, "booking")


def _names(user: User) -> dict[int, str]:
    return {member.id: member.name for member in user.account.users}


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer under its question's label; ``removed`` once the form no longer asks it."""

    label: str
    value: str
    removed: bool = False


def _readable_key(key: str) -> str:
    return key.replace("_", " ").strip().capitalize() or key


def _answer_text(value: Any) -> str:
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def answer_rows(booking: Booking) -> list[Answer]:
    """The answers in the form's order, then those of questions removed since."""
    answers = booking.answers or {}
    questions = {q.get("key"): q for q in booking.link.form or []}
    asked = [key for key in questions if key in answers]
    gone = [key for key in answers if key not in questions]
    rows = [
        Answer(str(questions[key].get("label") or _readable_key(key)), _answer_text(answers[key]))
        for key in asked
    ]
    rows += [Answer(_readable_key(key), _answer_text(answers[key]), removed=True) for key in gone]
    return rows


@dataclass(frozen=True, slots=True)
class ConsentFacts:
    """What a booking's consent record says, ready to show (L9)."""

    summary: str
    at: datetime | None
    version: str
    privacy_text: str
    processing_text: str
    granted: list[str]


def consent_text_version(record: dict[str, Any]) -> str:
    """A short fingerprint of the texts the visitor saw: two bookings with the same version
    agreed to the same words, whatever the link says today."""
    texts = [record.get("privacy_text") or "", record.get("processing_text") or ""]
    return hashlib.sha256(json.dumps(texts).encode()).hexdigest()[:8]


def consent_facts(booking: Booking) -> ConsentFacts | None:
    """None when the link asked for no consent; subscription types by their labels."""
    record = booking.consent or {}
    if not record:
        return None
    if record.get("mode") == "legitimate_interest":
        basis = LEGAL_BASES.get(record.get("legal_basis") or "", "")
        summary = f"Legitimate interest ({basis})" if basis else "Legitimate interest"
    elif record.get("processing"):
        summary = "Agreed to the processing of their data"
    else:
        summary = "Notice shown"
    labels = {
        t.get("id"): t.get("label") or t.get("id")
        for t in (booking.link.consent or {}).get("subscription_types") or []
    }
    granted = [str(labels.get(k, k)) for k, v in (record.get("subscriptions") or {}).items() if v]
    return ConsentFacts(
        summary=summary,
        at=consent_time(record),
        version=consent_text_version(record),
        privacy_text=record.get("privacy_text") or "",
        processing_text=record.get("processing_text") or "",
        granted=granted,
    )


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """A cancel or reschedule: who (``actor`` is visitor or host), when, why, from and to."""

    kind: str
    at: datetime
    actor: str
    actor_name: str
    reason: str
    previous_start: datetime | None = None
    new_start: datetime | None = None


def change_rows(booking: Booking) -> list[ChangeRow]:
    """The booking's changes, oldest first; each reschedule says where the meeting went."""
    changes = list(booking.changes)
    rows = []
    for index, change in enumerate(changes):
        new_start = None
        if change.kind == "rescheduled":
            later = [c for c in changes[index + 1 :] if c.kind == "rescheduled"]
            new_start = later[0].previous_start_at if later else booking.start_at
        rows.append(
            ChangeRow(
                kind=change.kind,
                at=change.created_at,
                actor=change.actor,
                actor_name=change.actor_name or "a former host",
                reason=change.reason or "",
                previous_start=change.previous_start_at,
                new_start=new_start,
            )
        )
    return rows


def _detail_page(
    user: User, booking: Booking, *, status: int = 200, errors: dict[str, list[str]] | None = None
) -> ResponseReturnValue:
    return render(
        "booking.html",
        status=status,
        booking=booking,
        now=utcnow(),
        names=_names(user),
        answers=answer_rows(booking),
        consent=consent_facts(booking),
        changes=change_rows(booking),
        differences=contact_services.contact_differences(
            booking.contact, booking.visitor_name, booking.answers or {}
        ),
        errors=errors or {},
        reason=request.form.get("reason", "") if errors else "",
        max_reason=booking_services.MAX_REASON_LENGTH,
    )


@login_required
def booking_list() -> ResponseReturnValue:
    """``?show=upcoming|past|cancelled``; times in the signed-in user's zone."""
    user = signed_in_user()
    show = request.args.get("show", "upcoming")
    if show not in dict(TABS):
        show = "upcoming"
    now = utcnow()
    bookings = booking_services.account_bookings(
        get_session(), user.account_id, show, now, limit=PAGE_SIZE
    )
    return render(
        "bookings.html", bookings=bookings, show=show, tabs=TABS, now=now, names=_names(user)
    )


@login_required
def booking_detail(booking_id: int) -> ResponseReturnValue:
    """:raise 404: not a booking of this account."""
    user = signed_in_user()
    return _detail_page(user, get_account_booking(get_session(), user, booking_id))


@login_required
def booking_cancel(booking_id: int) -> ResponseReturnValue:
    """Cancel through the same service as the visitor's manage link (B5): the time is free
    again and the visitor is told, with the host's reason when one is given. A reason that
    is too long shows the booking's page again with the message (422).

    :raise 404: not a booking of this account.
    """
    session = get_session()
    user = signed_in_user()
    booking = get_account_booking(session, user, booking_id)
    try:
        _, errors = service_errors(
            lambda: booking_services.cancel(
                session,
                booking,
                actor="host",
                actor_user_id=user.id,
                reason=request.form.get("reason", ""),
            )
        )
    except ApiError as exc:
        flash(exc.message, "error")
    else:
        if errors:
            return _detail_page(user, booking, status=422, errors=errors)
        flash(
            f"The meeting with {booking.contact.first_name} {booking.contact.last_name} "
            "is cancelled."
        )
    return redirect(safe_next(request.form.get("back")) or url_for("dashboard.bookings"))
