"""``rendezvous worker``: sends what the outbox holds when it is due (N1).

A pass claims a batch of due rows and commits at once: on PostgreSQL with
``SELECT … FOR UPDATE SKIP LOCKED``, so workers running side by side take disjoint batches
without waiting for each other; on SQLite inside ``write_transaction`` (one writer at a
time). Claiming moves ``next_attempt_at`` a lease ahead, which is what keeps every other
worker away; no lock is held while talking to SMTP. Each message is then sent and marked
sent in its own short transaction, so a crash can repeat at most the one message that was
on the wire (SMTP has no two-phase commit); its ``Message-ID`` stays the same for the
receiving side to recognise.

Failures: when the server can't be reached, nothing is wrong with the messages: they wait
(backoff up to :data:`MAX_UNAVAILABLE_DELAY`) however long the outage lasts. When the server
refuses one message, it is retried with exponential backoff, and marked ``failed`` after
:data:`MAX_ATTEMPTS` or at once on a permanent (5xx) refusal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from server.clock import utcnow
from server.db import write_transaction
from server.notifications.mime import ascii_domain
from server.notifications.models import OutboxMessage
from server.notifications.transports import (
    MailDirTransport,
    MessageRefused,
    Outgoing,
    SmtpTransport,
    Transport,
    TransportUnavailable,
)

__all__ = [
    "BATCH_SIZE",
    "LEASE",
    "MAX_ATTEMPTS",
    "DrainReport",
    "Worker",
    "backoff",
    "transport_for",
]

log = logging.getLogger(__name__)

BATCH_SIZE = 20
#: how long a claimed message is kept from other workers; far above a batch's SMTP time
LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY_DELAY = timedelta(hours=1)
MAX_UNAVAILABLE_DELAY = timedelta(minutes=5)

Clock = Callable[[], datetime]


def backoff(attempts: int, *, cap: timedelta = MAX_RETRY_DELAY) -> timedelta:
    """30 s, 1 min, 2 min, 4 min, … after the 1st, 2nd, 3rd, 4th attempt, at most ``cap``."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), cap)


def transport_for(config: dict[str, object] | Flask) -> Transport:
    """SMTP when ``RENDEZVOUS_SMTP_URL`` is set, else ``.eml`` files in ``RENDEZVOUS_MAIL_DIR``."""
    settings = config.config if isinstance(config, Flask) else config
    url = settings.get("RENDEZVOUS_SMTP_URL")
    if url:
        return SmtpTransport(str(url))
    return MailDirTransport(str(settings["RENDEZVOUS_MAIL_DIR"]))


@dataclass(frozen=True, slots=True)
class _Claimed:
    id: int
    kind: str
    sender: str
    recipient: str
    mime: str
    attempts: int
    expires_at: datetime | None


@dataclass
class DrainReport:
    """What a drain did; ``unavailable`` says the transport was down when it stopped."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0
    released: int = 0
    unavailable: bool = False

    def add(self, other: DrainReport) -> None:
        self.claimed += other.claimed
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.dropped += other.dropped
        self.released += other.released
        self.unavailable = other.unavailable


class Worker:
    """Drains one database's outbox through one transport."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        transport: Transport,
        *,
        batch_size: int = BATCH_SIZE,
        clock: Clock = utcnow,
    ) -> None:
        self.sessions = sessions
        self.transport = transport
        self.batch_size = batch_size
        self.clock = clock

    @classmethod
    def from_app(cls, app: Flask, **options: object) -> Worker:
        return cls(app.extensions["rendezvous.db"], transport_for(app), **options)  # type: ignore[arg-type]

    # -- claiming and marking, each in its own short transaction ------------------------

    def _claim(self, session: Session, now: datetime) -> list[_Claimed]:
        statement = (
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(self.batch_size)
        )
        with write_transaction(session):
            if session.get_bind().dialect.name == "postgresql":
                statement = statement.with_for_update(skip_locked=True)
            rows = session.scalars(statement).all()
            claimed = []
            for row in rows:
                row.attempts += 1
                row.next_attempt_at = now + LEASE
                claimed.append(
                    _Claimed(
                        row.id,
                        row.kind,
                        row.sender,
                        row.recipient,
                        row.mime,
                        row.attempts,
                        row.expires_at,
                    )
                )
        session.expunge_all()
        return claimed

    def _mark(self, session: Session, ids: list[int], **values: object) -> None:
        if not ids:
            return
        with write_transaction(session):
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "pending")
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    # -- one batch, and every batch that is due -----------------------------------------

    def drain_batch(
        self, *, now: datetime | None = None, stop: threading.Event | None = None
    ) -> DrainReport:
        """Claim one batch of due messages and send it; stops early if ``stop`` is set."""
        now = now or self.clock()
        report = DrainReport()
        with self.sessions() as session:
            claimed = self._claim(session, now)
            report.claimed = len(claimed)
            for index, message in enumerate(claimed):
                if stop is not None and stop.is_set():
                    self._release(session, claimed[index:], report, now)
                    break
                if message.expires_at is not None and message.expires_at <= now:
                    self._mark(
                        session,
                        [message.id],
                        status="dropped",
                        last_error="expired: the meeting has begun",
                    )
                    report.dropped += 1
                    continue
                try:
                    self.transport.send(_outgoing(message, self.clock()))
                except TransportUnavailable as exc:
                    log.warning(
                        "mail transport unavailable, %d messages wait: %s",
                        len(claimed) - index,
                        exc,
                    )
                    self._wait_for_transport(session, claimed[index:], str(exc), now)
                    report.retried += len(claimed) - index
                    report.unavailable = True
                    break
                except MessageRefused as exc:
                    self._refused(session, message, exc, report, now)
                    continue
                except Exception as exc:  # a bug or bad data: counts as an attempt, never loops
                    log.exception("message %d could not be sent", message.id)
                    refused = MessageRefused(f"{type(exc).__name__}: {exc}", permanent=False)
                    self._refused(session, message, refused, report, now)
                    continue
                self._mark(
                    session, [message.id], status="sent", sent_at=self.clock(), last_error=None
                )
                report.sent += 1
        return report

    def drain(
        self, *, now: datetime | None = None, stop: threading.Event | None = None
    ) -> DrainReport:
        """Send everything due at ``now`` (default: the clock), batch after batch.

        Stops when nothing more is due, when ``stop`` is set, or when the transport is down
        (the messages wait for a later pass). The transport's connection is closed after.
        """
        total = DrainReport()
        try:
            while stop is None or not stop.is_set():
                report = self.drain_batch(now=now, stop=stop)
                total.add(report)
                if report.unavailable or report.claimed < self.batch_size:
                    break
        finally:
            self.transport.close()
        return total

    def run(
        self,
        stop: threading.Event,
        *,
        interval: float = 2.0,
        also: Sequence[Callable[[], object]] = (),
    ) -> None:
        """Drain, run the ``also`` passes (the calendars' sync), sleep ``interval`` seconds,
        again, until ``stop`` is set (SIGTERM). A pass that fails is logged and tried again
        next time: one broken feature never stops the outbox."""
        log.info("worker started")
        while not stop.is_set():
            for extra in also:
                try:
                    extra()
                except Exception:
                    log.exception("%s failed", getattr(extra, "__name__", "a worker pass"))
            try:
                report = self.drain(stop=stop)
                if report.claimed:
                    log.info(
                        "sent %d, retrying %d, failed %d, dropped %d",
                        report.sent,
                        report.retried,
                        report.failed,
                        report.dropped,
                    )
            except Exception:  # the database went away: log, wait, try again
                log.exception("outbox pass failed")
            stop.wait(interval)
        log.info("worker stopped")

    # -- outcomes -------------------------------------------------------------------------

    def _release(
        self, session: Session, messages: list[_Claimed], report: DrainReport, now: datetime
    ) -> None:
        """Stopping: hand unsent claims back at once, as if never taken."""
        self._update_each(
            session,
            messages,
            lambda message: {"next_attempt_at": now, "attempts": message.attempts - 1},
        )
        report.released += len(messages)

    def _wait_for_transport(
        self, session: Session, messages: list[_Claimed], error: str, now: datetime
    ) -> None:
        """The server is down: the messages aren't at fault and never fail for it."""
        self._update_each(
            session,
            messages,
            lambda message: {
                "next_attempt_at": now + backoff(message.attempts, cap=MAX_UNAVAILABLE_DELAY),
                "last_error": error[:2000],
            },
        )

    def _update_each(
        self,
        session: Session,
        messages: list[_Claimed],
        values: Callable[[_Claimed], dict[str, object]],
    ) -> None:
        """Set each claimed message's own ``values`` (while still pending), in one transaction."""
        with write_transaction(session):
            for message in messages:
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == message.id, OutboxMessage.status == "pending")
                    .values(**values(message))
                    .execution_options(synchronize_session=False)
                )

    def _refused(
        self,
        session: Session,
        message: _Claimed,
        exc: MessageRefused,
        report: DrainReport,
        now: datetime,
    ) -> None:
        """A retry after the backoff, or ``failed`` for good (5xx, or attempts used up)."""
        error = str(exc)[:2000]
        if exc.permanent or message.attempts >= MAX_ATTEMPTS:
            log.error("message %d to %s failed for good: %s", message.id, message.recipient, error)
            self._mark(session, [message.id], status="failed", last_error=error)
            report.failed += 1
            return
        retry_at = now + backoff(message.attempts)
        self._mark(session, [message.id], next_attempt_at=retry_at, last_error=error)
        report.retried += 1


def _outgoing(message: _Claimed, now: datetime) -> Outgoing:
    """The stored text with ``Date`` stamped now (a reminder written days ago reads as new),
    in CRLF lines: ``smtplib`` sends bytes as they are, and SMTP wants CRLF."""
    text = f"Date: {format_datetime(now)}\n{message.mime}"
    data = text.replace("\r\n", "\n").replace("\n", "\r\n")
    recipient = ascii_domain(message.recipient)
    return Outgoing(message.id, message.kind, message.sender, recipient, data.encode())
