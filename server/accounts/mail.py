"""Account emails (password reset, invitations to a team), through the outbox (N1).

They are written to ``outbox_messages`` in the caller's transaction, like booking emails,
and the worker sends them (SMTP, or ``.eml`` files without it); nothing is sent from a
request. They are short plain messages in English: account mail is not tied to a link, so
there is no link language to follow.
"""

from __future__ import annotations

from datetime import timedelta

from markupsafe import Markup
from sqlalchemy.orm import Session

from server.clock import utcnow
from server.notifications.facts import Person
from server.notifications.messages import Email
from server.notifications.models import OutboxMessage
from server.notifications.outbox import enqueue
from server.notifications.settings import current_settings

__all__ = ["send_account_email"]


def _html(paragraphs: list[str], url: str) -> str:
    body = Markup("").join(Markup("<p>{}</p>").format(p) for p in paragraphs)
    button = Markup('<p><a href="{0}">{0}</a></p>').format(url)
    return str(
        Markup(
            '<!doctype html><html><body style="font-family:system-ui,sans-serif">{}{}</body></html>'
        ).format(body, button)
    )


def send_account_email(
    session: Session,
    *,
    kind: str,
    account_id: int,
    to_email: str,
    to_name: str,
    subject: str,
    paragraphs: list[str],
    url: str,
    valid_for: timedelta,
) -> OutboxMessage:
    """Queue one message whose point is ``url``; it is dropped unsent once ``valid_for`` is
    over (a reset link sent after it lapsed would only confuse)."""
    now = utcnow()
    text = "\n\n".join([*paragraphs, url]) + "\n"
    email = Email(
        kind=kind,
        to=Person(name=to_name, email=to_email, timezone="UTC"),
        subject=subject,
        text=text,
        html=_html(paragraphs, url),
        language="en",
        from_name="Rendezvous",
    )
    return enqueue(
        session,
        email,
        account_id=account_id,
        settings=current_settings(),
        now=now,
        expires_at=now + valid_for,
    )
