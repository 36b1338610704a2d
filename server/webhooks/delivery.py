"""The worker's pass over webhook deliveries (SPEC §10): POST each due one, signed.

Claiming is the outbox's (:mod:`server.notifications.worker`): a batch of due rows is taken
in one short unit of work, on PostgreSQL with ``SELECT … FOR UPDATE SKIP LOCKED`` so workers
side by side take disjoint batches, on SQLite under the database's one write lock; each
claim moves ``next_attempt_at`` a lease ahead, which keeps every other worker away while no
lock is held during the POST. Each outcome is then written in its own short unit, only if
the row is still the claim this worker made.

Each request: ``Content-Type: application/json``, ``X-Rendezvous-Event``,
``X-Rendezvous-Delivery`` (the body's ``id``) and ``X-Rendezvous-Signature`` signed at the
moment of sending (:mod:`server.webhooks.signing`); the stored body's bytes, the same on
every attempt; through :func:`server.calendars.fetch.outbound_session`, so the address
actually connected to must be public (checked again at each send: DNS may have changed),
unless ``RENDEZVOUS_CALENDAR_ALLOW_PRIVATE_HOSTS``; no redirect followed; ``TIMEOUT``
seconds to connect and as many for the answer. The answer's body is never read.

Outcomes: a 2xx is ``delivered``. Any other status, a timeout or a connection failure is
retried with the outbox's exponential backoff (30 s, 1 min, 2 min, … at most an hour) until
24 hours after the delivery was made, then ``failed``. An address the rule refuses, and a
webhook switched off meanwhile, are ``failed`` at once. A crash between a POST and its
record repeats that one delivery after the lease, with the same ``X-Rendezvous-Delivery``
for the receiver to recognise.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from urllib3.exceptions import HTTPError as Urllib3Error

from server.calendars.fetch import (
    FetchLimits,
    UrlRefused,
    fetch_error_from,
    limits_from_config,
    outbound_session,
)
from server.clock import utcnow
from server.db import transaction
from server.notifications.worker import backoff
from server.webhooks.models import TEST_EVENT, Webhook, WebhookDelivery
from server.webhooks.services import check_webhook_url
from server.webhooks.signing import signature_header

__all__ = [
    "BATCH_SIZE",
    "LEASE",
    "RETRY_FOR",
    "TIMEOUT",
    "DeliveryReport",
    "deliver_due",
    "run_pass",
]

log = logging.getLogger(__name__)

BATCH_SIZE = 10
#: seconds to connect, and again for the answer's status line and headers
TIMEOUT = 10.0
#: how long a claimed delivery is kept from other workers: far above a batch's worst time
LEASE = timedelta(minutes=10)
#: failures are retried this long after the delivery was made, then it is ``failed``
RETRY_FOR = timedelta(hours=24)
USER_AGENT = "Rendezvous webhooks"
_MAX_ERROR = 2000

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class _Claimed:
    """What one POST needs once the unit that claimed it has ended."""

    id: int
    delivery_id: str
    event: str
    body: str
    url: str
    secret: str
    attempts: int
    created_at: datetime
    #: false when the webhook was switched off since (a test event is sent regardless)
    sendable: bool


@dataclass(frozen=True, slots=True)
class _Outcome:
    delivered: bool
    status: int | None = None
    error: str | None = None
    #: retrying can't help: the address is refused, the webhook is off
    permanent: bool = False


@dataclass
class DeliveryReport:
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0


def deliver_due(
    session: Session,
    *,
    limits: FetchLimits,
    now: datetime | None = None,
    clock: Clock = utcnow,
    batch_size: int = BATCH_SIZE,
    timeout: float = TIMEOUT,
    stop: threading.Event | None = None,
) -> DeliveryReport:
    """Send every delivery due at ``now`` (default: the clock), batch after batch, until
    none is left or ``stop`` is set. Runs in an app context (the secrets' keys).

    ``now`` decides what is due and when a failure is retried; the signature's ``t`` and
    ``delivered_at`` are read from ``clock`` when each request goes out.
    """
    now = now or clock()
    report = DeliveryReport()
    http = outbound_session(limits)
    http.headers["User-Agent"] = USER_AGENT
    try:
        while stop is None or not stop.is_set():
            claimed = _claim(session, now, batch_size)
            report.claimed += len(claimed)
            for index, delivery in enumerate(claimed):
                if stop is not None and stop.is_set():
                    _release(session, claimed[index:], now)
                    report.claimed -= len(claimed) - index
                    break
                outcome = _attempt(http, delivery, limits, timeout, clock)
                _record(session, delivery, _values(delivery, outcome, now, clock), report)
            if len(claimed) < batch_size:
                break
    finally:
        http.close()
    return report


def run_pass(stop: threading.Event | None = None) -> DeliveryReport:
    """``rendezvous worker``'s pass: the current app's database and outbound rule."""
    with current_app.extensions["rendezvous.db"]() as session:
        return deliver_due(session, limits=limits_from_config(current_app.config), stop=stop)


# -- claiming and recording, each in its own short unit of work ------------------------------


def _claim(session: Session, now: datetime, batch_size: int) -> list[_Claimed]:
    statement = (
        select(WebhookDelivery, Webhook.url, Webhook.secret, Webhook.active)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(batch_size)
        .execution_options(populate_existing=True)
    )
    claimed = []
    with transaction(session):
        if session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True, of=WebhookDelivery)
        for delivery, url, secret, active in session.execute(statement).all():
            delivery.attempts += 1
            delivery.next_attempt_at = now + LEASE
            claimed.append(
                _Claimed(
                    id=delivery.id,
                    delivery_id=delivery.delivery_id,
                    event=delivery.event,
                    body=delivery.body,
                    url=url,
                    secret=secret,
                    attempts=delivery.attempts,
                    created_at=delivery.created_at,
                    sendable=bool(active) or delivery.event == TEST_EVENT,
                )
            )
    session.expunge_all()
    return claimed


def _record(
    session: Session, delivery: _Claimed, values: dict[str, Any], report: DeliveryReport
) -> None:
    """Write the outcome while the row is still this worker's claim (pending, with the
    attempt count it claimed); a lease that ran out and was claimed again is left alone."""
    with transaction(session):
        recorded = session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery.id,
                WebhookDelivery.status == "pending",
                WebhookDelivery.attempts == delivery.attempts,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
    if not recorded:
        return
    if values.get("status") == "delivered":
        report.delivered += 1
    elif values.get("status") == "failed":
        report.failed += 1
    else:
        report.retried += 1


def _release(session: Session, deliveries: list[_Claimed], now: datetime) -> None:
    """Stopping: hand unsent claims back at once, as if never taken."""
    with transaction(session):
        for delivery in deliveries:
            session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery.id,
                    WebhookDelivery.status == "pending",
                    WebhookDelivery.attempts == delivery.attempts,
                )
                .values(next_attempt_at=now, attempts=delivery.attempts - 1)
                .execution_options(synchronize_session=False)
            )


def _values(delivery: _Claimed, outcome: _Outcome, now: datetime, clock: Clock) -> dict[str, Any]:
    """The row's new columns: delivered; or retried after the backoff, no later than 24 hours
    after it was made; or failed (then, or for good)."""
    values: dict[str, Any] = {"last_response_status": outcome.status}
    if outcome.delivered:
        return {
            **values,
            "status": "delivered",
            "delivered_at": clock(),
            "next_attempt_at": None,
            "last_error": None,
        }
    error = (outcome.error or "Not delivered.")[:_MAX_ERROR]
    deadline = delivery.created_at + RETRY_FOR
    if outcome.permanent or now >= deadline:
        log.warning("webhook delivery %s failed for good: %s", delivery.delivery_id, error)
        return {**values, "status": "failed", "next_attempt_at": None, "last_error": error}
    retry_at = min(now + backoff(delivery.attempts), deadline)
    return {**values, "next_attempt_at": retry_at, "last_error": error}


# -- one POST ---------------------------------------------------------------------------------


def _attempt(
    http: requests.Session, delivery: _Claimed, limits: FetchLimits, timeout: float, clock: Clock
) -> _Outcome:
    if not delivery.sendable:
        return _Outcome(False, error="The webhook is switched off.", permanent=True)
    try:
        url = check_webhook_url(delivery.url, limits)  # the rule of now, not of when it was made
    except UrlRefused as exc:
        return _Outcome(False, error=str(exc), permanent=True)
    body = delivery.body.encode("utf-8")
    stamp = int(clock().timestamp())
    headers = {
        "Content-Type": "application/json",
        "X-Rendezvous-Event": delivery.event,
        "X-Rendezvous-Delivery": delivery.delivery_id,
        "X-Rendezvous-Signature": signature_header(delivery.secret, stamp, body),
    }
    try:
        response = http.post(
            url,
            data=body,
            headers=headers,
            allow_redirects=False,
            timeout=timeout,
            stream=True,  # the answer's body is never read
        )
    except (requests.RequestException, Urllib3Error, OSError) as exc:
        refused = fetch_error_from(exc, limits)
        if isinstance(refused, UrlRefused):
            return _Outcome(False, error=str(refused), permanent=True)
        return _Outcome(False, error=_unreachable(exc, timeout))
    except Exception as exc:  # a bug or bad data: counts as an attempt, never loops
        log.exception("webhook delivery %s could not be sent", delivery.delivery_id)
        return _Outcome(False, error=f"{type(exc).__name__}: {exc}")
    status = response.status_code
    redirect = response.is_redirect
    response.close()
    if 200 <= status < 300:
        return _Outcome(True, status=status)
    note = " (redirects are not followed)" if redirect else ""
    return _Outcome(False, status=status, error=f"The receiver answered HTTP {status}{note}.")


def _unreachable(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, requests.Timeout):
        return f"The receiver did not answer within {timeout:g} seconds."
    if isinstance(exc, requests.exceptions.SSLError):
        return "The receiver's certificate could not be verified."
    return "The receiver could not be reached."
