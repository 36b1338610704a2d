"""``Idempotency-Key`` on bookings (SPEC §10 conventions): a client that retries a booking
whose answer it never got (a dropped connection, a timeout) gets the first answer again,
status and body, not a 409 for the slot it already holds, and never a second booking.

The first answer is written in the booking's own transaction (:func:`server.bookings.services.
book` calls :meth:`Claim.remember`), so no crash can leave a booking without its answer or an
answer without its booking. Two concurrent requests with one key both try to insert the same
key hash: the database lets one commit, the other's whole transaction (its booking too) rolls
back, and it answers with what the first stored. Only a made booking (201) is kept: a refused
one holds nothing, so its retry is simply tried again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server.bookings.models import Booking, IdempotentAnswer
from server.errors import ValidationFailed

__all__ = ["HEADER", "TTL", "Answer", "Claim", "claim_for", "stored_answer"]

HEADER = "Idempotency-Key"
#: how long a key is remembered
TTL = timedelta(hours=24)
#: a key is the client's: a UUID or anything printable up to 255 characters (Stripe's rule)
_KEY = re.compile(r"[\x21-\x7e]{1,255}")


@dataclass(frozen=True)
class Answer:
    """An answer as it was first given: replayed as is."""

    status: int
    body: dict[str, Any]
    location: str | None


@dataclass(frozen=True)
class Claim:
    """One keyed request: which key (scoped to its endpoint), which body, and how its answer
    is rendered from the booking it makes and that booking's manage token."""

    key_hash: str
    fingerprint: str
    render: Callable[[Booking, str], Answer]

    def remember(self, session: Session, booking: Booking, token: str, now: datetime) -> Answer:
        """Store the answer beside the booking, in the caller's transaction."""
        # keys past their day are forgotten here, before this one may reuse a hash
        session.execute(delete(IdempotentAnswer).where(IdempotentAnswer.expires_at <= now))
        answer = self.render(booking, token)
        text = json.dumps({"body": answer.body, "location": answer.location})
        session.add(
            IdempotentAnswer(
                key_hash=self.key_hash,
                fingerprint=self.fingerprint,
                booking_id=booking.id,
                status_code=answer.status,
                body=text,
                created_at=now,
                expires_at=now + TTL,
            )
        )
        return answer


def claim_for(
    key: str | None, scope: str, body: Any, render: Callable[[Booking, str], Answer]
) -> Claim | None:
    """The claim of a request with this header (``None`` without one).

    :raise ValidationFailed: a key that is empty, too long or not printable ASCII.
    """
    if key is None:
        return None
    if not _KEY.fullmatch(key):
        raise ValidationFailed(
            {HEADER: ["Use 1 to 255 printable ASCII characters without spaces, e.g. a UUID."]}
        )
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return Claim(
        key_hash=_sha256(f"{scope}\n{key}"),
        fingerprint=_sha256(canonical),
        render=render,
    )


def stored_answer(session: Session, claim: Claim, now: datetime) -> Answer | None:
    """The first answer to this key, if it is still remembered (for a day).

    :raise ValidationFailed: the key was used with another body.
    """
    row = session.scalar(
        select(IdempotentAnswer).where(
            IdempotentAnswer.key_hash == claim.key_hash, IdempotentAnswer.expires_at > now
        )
    )
    session.commit()  # a read: let the booking's write transaction start afresh
    if row is None:
        return None
    if row.fingerprint != claim.fingerprint:
        raise ValidationFailed(
            {HEADER: ["This key was used for another booking: send a new key with a new body."]}
        )
    stored = json.loads(row.body)
    return Answer(row.status_code, stored["body"], stored["location"])


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
