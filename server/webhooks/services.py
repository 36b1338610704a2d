"""Webhooks: the account's receivers (CRUD), and the events queued for them (SPEC §10).

:func:`emit` (and :func:`emit_booking`, :func:`emit_meeting_request`) run inside the unit of
work of what happened: the booking, cancel, reschedule or request commits with its
deliveries, or neither commits (as its emails do, N1). Nothing is sent here; the worker's
pass (:mod:`server.webhooks.delivery`) does that later, from the table.

A webhook is the account's, not one host's: it sees every booking of the account, so only
an account's admins may see or change its webhooks (as its other settings, SPEC §1).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.accounts.access import account_row
from server.accounts.models import User
from server.calendars.fetch import FetchLimits, UrlRefused, check_url
from server.db import transaction
from server.errors import Forbidden, ValidationFailed
from server.pagination import Page, paginate
from server.tokens import new_token
from server.webhooks.models import EVENTS, TEST_EVENT, Webhook, WebhookDelivery

__all__ = [
    "MAX_WEBHOOKS",
    "SECRET_PREFIX",
    "check_webhook_url",
    "create_webhook",
    "delete_webhook",
    "deliveries_page",
    "emit",
    "emit_booking",
    "emit_meeting_request",
    "get_webhook",
    "register_payload",
    "send_test",
    "update_webhook",
    "webhooks_page",
]

#: a bound on the deliveries one booking writes in its own transaction
MAX_WEBHOOKS = 20
#: what a secret the server makes starts with, so it is recognised in a receiver's settings
SECRET_PREFIX = "whsec_"
_NOT_HTTP = "Enter an address that starts with https:// or http://."
_INVALID = "This is not a valid web address."

#: how each kind of subject becomes an event's ``data``; see :func:`register_payload`
_PAYLOADS: dict[str, Callable[[Any], dict[str, Any]]] = {}


# -- the outbound-address rule (SPEC §5, the same as calendar URLs) ------------------------


def check_webhook_url(url: str, limits: FetchLimits) -> str:
    """The URL to POST to: http or https only (no ``webcal``), then the calendars' own rule
    (:func:`server.calendars.fetch.check_url`): a server name, a valid port, and an IP
    literal only if public, unless ``limits.allow_private``. Names are checked when
    connecting, at each send.

    :raise UrlRefused: with a message for the host.
    """
    text = url.strip()
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        raise UrlRefused(_INVALID) from None
    if scheme not in ("http", "https"):
        raise UrlRefused(_NOT_HTTP)
    return check_url(text, limits)


def _checked_url(url: str, limits: FetchLimits) -> str:
    """:raise ValidationFailed: ``fields.url``."""
    try:
        return check_webhook_url(url, limits)
    except UrlRefused as exc:
        raise ValidationFailed({"url": [str(exc)]}) from None


def _events(events: Iterable[str]) -> list[str]:
    """The subscribed events in :data:`EVENTS` order, each once."""
    wanted = set(events)
    return [event for event in EVENTS if event in wanted]


def _admin_only(user: User) -> None:
    if user.role != "admin":
        raise Forbidden("Only an admin of this account can see or change its webhooks.")


# -- CRUD -------------------------------------------------------------------------------------


def webhooks_page(session: Session, user: User, *, limit: int, cursor: str | None = None) -> Page:
    """The account's webhooks, oldest first, a page at a time.

    :raise Forbidden: not an admin. :raise ValidationFailed: a cursor not of this list.
    """
    _admin_only(user)
    statement = select(Webhook).where(Webhook.account_id == user.account_id)
    return paginate(session, statement, order=[Webhook.id], limit=limit, cursor=cursor)


def get_webhook(session: Session, user: User, webhook_id: int) -> Webhook:
    """:raise NotFound: not a webhook of the user's account. :raise Forbidden: not an admin."""
    _admin_only(user)
    return account_row(session, Webhook, webhook_id, user.account_id, "webhook")


def create_webhook(
    session: Session,
    user: User,
    *,
    url: str,
    events: Iterable[str],
    limits: FetchLimits,
    now: datetime,
    secret: str | None = None,
    active: bool = True,
) -> tuple[Webhook, str]:
    """Add a receiver; returns it and its secret (the one given, or a new one), which the
    caller shows this once.

    :raise Forbidden: not an admin.
    :raise ValidationFailed: ``fields.url`` refused by the outbound-address rule, or the
        account has :data:`MAX_WEBHOOKS` already.
    """
    _admin_only(user)
    url = _checked_url(url, limits)
    secret = secret or new_token(SECRET_PREFIX)
    with transaction(session):
        count = session.scalar(
            select(func.count()).select_from(Webhook).where(Webhook.account_id == user.account_id)
        )
        if (count or 0) >= MAX_WEBHOOKS:
            raise ValidationFailed(
                {"url": [f"An account has at most {MAX_WEBHOOKS} webhooks; remove one first."]}
            )
        webhook = Webhook(
            account_id=user.account_id,
            url=url,
            events=_events(events),
            secret=secret,
            active=active,
            created_at=now,
            updated_at=now,
        )
        session.add(webhook)
    return webhook, secret


def update_webhook(
    session: Session,
    user: User,
    webhook_id: int,
    changes: Mapping[str, Any],
    *,
    limits: FetchLimits,
    now: datetime,
) -> Webhook:
    """Change what ``changes`` holds of ``url``, ``events``, ``secret`` and ``active``.

    :raise NotFound: not a webhook of the account. :raise Forbidden: not an admin.
    :raise ValidationFailed: ``fields.url`` refused.
    """
    _admin_only(user)
    url = _checked_url(changes["url"], limits) if "url" in changes else None
    with transaction(session):
        webhook = account_row(session, Webhook, webhook_id, user.account_id, "webhook")
        if url is not None:
            webhook.url = url
        if "events" in changes:
            webhook.events = _events(changes["events"])
        if changes.get("secret"):
            webhook.secret = changes["secret"]
        if "active" in changes:
            webhook.active = bool(changes["active"])
        webhook.updated_at = now
    return webhook


def delete_webhook(session: Session, user: User, webhook_id: int) -> Webhook:
    """Remove the receiver and its delivery log; what was pending is never sent.

    :raise NotFound: not a webhook of the account. :raise Forbidden: not an admin.
    """
    _admin_only(user)
    with transaction(session):
        webhook = account_row(session, Webhook, webhook_id, user.account_id, "webhook")
        session.delete(webhook)
    return webhook


def deliveries_page(
    session: Session, user: User, webhook_id: int, *, limit: int, cursor: str | None = None
) -> Page:
    """The webhook's delivery log, newest first, a page at a time.

    :raise NotFound: not a webhook of the account. :raise Forbidden: not an admin.
    :raise ValidationFailed: a cursor not of this list.
    """
    webhook = get_webhook(session, user, webhook_id)
    statement = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
    return paginate(
        session,
        statement,
        order=[WebhookDelivery.id],
        limit=limit,
        cursor=cursor,
        descending=True,
    )


def send_test(session: Session, user: User, webhook_id: int, now: datetime) -> WebhookDelivery:
    """Queue a ``ping`` for the webhook, switched off or not: the worker sends it like any
    event (signed, retried), so the host sees in the log whether the receiver works.

    :raise NotFound: not a webhook of the account. :raise Forbidden: not an admin.
    """
    _admin_only(user)
    with transaction(session):
        webhook = account_row(session, Webhook, webhook_id, user.account_id, "webhook")
        data = {
            "webhook_id": webhook.id,
            "events": list(webhook.events),
            "message": "A test event from Rendezvous.",
        }
        (delivery,) = _queue(session, [webhook.id], TEST_EVENT, data, now)
    return delivery


# -- events, in the caller's unit of work ----------------------------------------------------


def register_payload(kind: str, dump: Callable[[Any], dict[str, Any]]) -> None:
    """How a ``kind`` of subject (``booking``, ``meeting_request``) becomes an event's
    ``data``: the host API's view of it (:mod:`server.webhooks.payloads` registers both when
    the API starts). A registry, because the host API's schemas import the services that
    emit the events."""
    _PAYLOADS[kind] = dump


def _payload(kind: str, subject: Any) -> dict[str, Any]:
    try:
        dump = _PAYLOADS[kind]
    except KeyError:
        raise RuntimeError(
            f"no webhook payload for {kind!r}: call server.webhooks.payloads.install()"
        ) from None
    return dump(subject)


def _subscribers(session: Session, account_id: int, event: str) -> list[int]:
    """The account's switched-on webhooks that asked for ``event`` (ids: the URL and secret
    stay encrypted, unread, on this path of every booking)."""
    rows = session.execute(
        select(Webhook.id, Webhook.events)
        .where(Webhook.account_id == account_id, Webhook.active.is_(True))
        .order_by(Webhook.id)
    ).all()
    return [webhook_id for webhook_id, events in rows if event in (events or ())]


def _body(delivery_id: str, event: str, created_at: datetime, data: Mapping[str, Any]) -> str:
    """The JSON text POSTed, made once: every retry sends these bytes."""
    envelope = {
        "id": delivery_id,
        "event": event,
        "created_at": created_at.astimezone(UTC).isoformat(),
        "data": data,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def _queue(
    session: Session,
    webhook_ids: Iterable[int],
    event: str,
    data: Mapping[str, Any],
    now: datetime,
) -> list[WebhookDelivery]:
    deliveries = []
    for webhook_id in webhook_ids:
        delivery_id = str(uuid.uuid4())
        delivery = WebhookDelivery(
            webhook_id=webhook_id,
            delivery_id=delivery_id,
            event=event,
            body=_body(delivery_id, event, now, data),
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(delivery)
        deliveries.append(delivery)
    return deliveries


def emit(
    session: Session, account_id: int, event: str, data: Mapping[str, Any], now: datetime
) -> list[WebhookDelivery]:
    """Queue ``event`` with ``data`` for each of the account's webhooks that wants it; the
    rows commit with the caller's transaction (no unit of work of its own)."""
    return _queue(session, _subscribers(session, account_id, event), event, data, now)


def emit_booking(
    session: Session, booking: Any, event: str, now: datetime
) -> list[WebhookDelivery]:
    """``booking.created``, ``.rescheduled`` or ``.cancelled``, with the booking as the host
    API shows it (serialised only when some webhook wants it). Call it after the flush that
    wrote the change, in the same unit of work."""
    webhook_ids = _subscribers(session, booking.account_id, event)
    if not webhook_ids:
        return []
    return _queue(session, webhook_ids, event, _payload("booking", booking), now)


def emit_meeting_request(session: Session, record: Any, now: datetime) -> list[WebhookDelivery]:
    """``meeting_request.created``, with the request as the host API shows it."""
    event = "meeting_request.created"
    webhook_ids = _subscribers(session, record.account_id, event)
    if not webhook_ids:
        return []
    return _queue(session, webhook_ids, event, _payload("meeting_request", record), now)
