"""The account's webhooks (SPEC §10), for its admins: add one (its secret shown once), switch
it off and on, send a test event, remove it, and read each one's delivery log.

Every button is a small form of its own, so the page works without a script. Each view
validates, calls one service of :mod:`server.webhooks.services` and redirects back, or shows
the page again with the errors next to their fields (422).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import EXCLUDE, Schema, fields, validate

from server.calendars.fetch import limits_from_config
from server.clock import utcnow
from server.dashboard.forms import Errors, status_for, submit
from server.dashboard.rendering import render
from server.dashboard.session import admin_required, signed_in_user
from server.db import get_session
from server.webhooks.models import EVENTS, TEST_EVENT, Webhook
from server.webhooks.services import (
    MAX_WEBHOOKS,
    create_webhook,
    delete_webhook,
    deliveries_page,
    get_webhook,
    send_test,
    update_webhook,
    webhooks_page,
)

__all__ = [
    "EVENT_LABELS",
    "webhook_active",
    "webhook_delete",
    "webhook_deliveries",
    "webhook_test",
    "webhooks",
]

#: what the page calls each event
EVENT_LABELS = {
    "booking.created": "A meeting is booked",
    "booking.rescheduled": "A meeting is rescheduled",
    "booking.cancelled": "A meeting is cancelled",
    "meeting_request.created": "A meeting request comes in",
    TEST_EVENT: "Test event",
}
STATUS_LABELS = {"pending": "Pending", "delivered": "Delivered", "failed": "Failed"}
LOG_PAGE = 50
_REQUIRED = {"required": "This field is required."}


class WebhookForm(Schema):
    """The add form: the receiver's address and the events' boxes (the address's rule is
    the service's answer, ``fields.url``, shown next to the same field)."""

    class Meta:
        unknown = EXCLUDE

    url = fields.String(required=True, error_messages=_REQUIRED, validate=validate.Length(1, 2000))
    events = fields.List(
        fields.String(validate=validate.OneOf(EVENTS, error="Unknown event.")),
        required=True,
        error_messages={"required": "Choose at least one event."},
        validate=validate.Length(1, error="Choose at least one event."),
    )


def _posted() -> dict[str, Any]:
    """The form as the schema takes it: the address trimmed (empty is missing), every box."""
    posted: dict[str, Any] = {"events": request.form.getlist("events")}
    url = request.form.get("url", "").strip()
    if url:
        posted["url"] = url
    return posted


def _back(anchor: str = "") -> ResponseReturnValue:
    return redirect(url_for("dashboard.webhooks") + (f"#{anchor}" if anchor else ""))


def _labels(hook: Webhook) -> str:
    return ", ".join(EVENT_LABELS[event] for event in hook.events)


@admin_required
def webhooks() -> ResponseReturnValue:
    """The list and the add form; a webhook just added shows its secret, on this answer only."""
    user = signed_in_user()
    session = get_session()
    errors: Errors = {}
    created = None
    values: dict[str, Any] = {"events": list(EVENTS)}
    if request.method == "POST":
        values = {"url": request.form.get("url", ""), "events": request.form.getlist("events")}
        created, errors = submit(
            WebhookForm(),
            _posted(),
            lambda data: create_webhook(
                session,
                user,
                url=data["url"],
                events=data["events"],
                limits=limits_from_config(current_app.config),
                now=utcnow(),
            ),
        )
        if created is not None:
            values = {"events": list(EVENTS)}
    page = webhooks_page(session, user, limit=MAX_WEBHOOKS)
    return render(
        "webhooks.html",
        status=status_for(errors),
        webhooks=page.items,
        labels=_labels,
        created=created,
        values=values,
        errors=errors,
        event_labels=EVENT_LABELS,
        events=EVENTS,
    )


@admin_required
def webhook_active(webhook_id: int) -> ResponseReturnValue:
    """Switch the webhook on (``active=1``) or off.

    :raise 404: not a webhook of this account.
    """
    active = request.form.get("active") == "1"
    hook = update_webhook(
        get_session(),
        signed_in_user(),
        webhook_id,
        {"active": active},
        limits=limits_from_config(current_app.config),
        now=utcnow(),
    )
    if active:
        flash(f"{hook.url} is switched on: new events are sent to it.")
    else:
        flash(f"{hook.url} is switched off: no events are sent to it until you switch it on.")
    return _back(f"webhook-{hook.id}")


@admin_required
def webhook_test(webhook_id: int) -> ResponseReturnValue:
    """Queue a test event; its delivery shows in the webhook's log.

    :raise 404: not a webhook of this account.
    """
    delivery = send_test(get_session(), signed_in_user(), webhook_id, utcnow())
    flash(
        f"A test event is on its way (delivery {delivery.delivery_id}); "
        "its outcome shows below in a moment."
    )
    return redirect(url_for("dashboard.webhook", webhook_id=webhook_id))


@admin_required
def webhook_delete(webhook_id: int) -> ResponseReturnValue:
    """Remove the webhook and its delivery log.

    :raise 404: not a webhook of this account.
    """
    hook = delete_webhook(get_session(), signed_in_user(), webhook_id)
    flash(f"{hook.url} is removed: no more events are sent to it.")
    return _back()


@admin_required
def webhook_deliveries(webhook_id: int) -> ResponseReturnValue:
    """One webhook and its delivery log, newest first, 50 at a time (``?cursor=``).

    :raise 404: not a webhook of this account. :raise 422: a cursor not of this log.
    """
    user = signed_in_user()
    session = get_session()
    hook = get_webhook(session, user, webhook_id)
    page = deliveries_page(
        session, user, webhook_id, limit=LOG_PAGE, cursor=request.args.get("cursor") or None
    )
    return render(
        "webhooks_deliveries.html",
        webhook=hook,
        labels=_labels(hook),
        deliveries=page.items,
        next_cursor=page.next_cursor,
        event_labels=EVENT_LABELS,
        status_labels=STATUS_LABELS,
    )
