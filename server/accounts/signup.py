"""Sign-up (A1, L1): a host, in a new account or an inviting one, with the preset links.

The one place that composes an account's user with its first links, so that a new host is
never left without the 15, 30 and 60-minute links, nor links without their host: both are
committed together or not at all.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from server.accounts.models import Account, User
from server.accounts.services import create_user
from server.db import transaction
from server.links.services import create_preset_links

__all__ = ["sign_up"]


def sign_up(
    session: Session,
    *,
    email: str,
    password: str,
    name: str,
    timezone: str,
    company: str = "",
    account: Account | None = None,
    role: str | None = None,
    with_preset_links: bool = True,
) -> User:
    """The new user, committed. ``company`` names a new account (else it takes the user's name).

    :raise ValidationFailed: a user with this email exists.
    """
    with transaction(session):
        user = create_user(
            session,
            email=email,
            password=password,
            name=name,
            timezone=timezone,
            account=account,
            role=role,
        )
        if company and account is None:
            user.account.name = company
        if with_preset_links:
            create_preset_links(session, user)
    return user
