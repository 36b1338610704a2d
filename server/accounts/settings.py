"""What an admin sets for the whole account (P3 branding, L9 GDPR defaults) and what a user
sets for themselves (P1 preferences, photo): each save is one unit of work.

An image is checked before anything is written, and a rejected one leaves the unit rolled
back: nothing stored, the old logo or photo kept, the reason next to the file field.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from server.accounts.models import Account, User
from server.accounts.services import prefix_taken
from server.db import transaction
from server.errors import ValidationFailed
from server.links.consent import save_account_defaults
from server.uploads.models import Upload
from server.uploads.services import (
    ImageRejected,
    delete_other_uploads,
    public_url,
    store_image,
)

__all__ = ["save_branding", "save_privacy_defaults", "update_preferences"]


def _store(session: Session, account_id: int, data: bytes, purpose: str) -> Upload:
    """:raise ValidationFailed: the image is refused; the message is shown on the form's
    field of the same name (``logo``, ``photo``)."""
    try:
        return store_image(session, account_id, data, purpose)
    except ImageRejected as exc:
        raise ValidationFailed({purpose: [str(exc)]}) from exc


def save_branding(
    session: Session,
    account: Account,
    *,
    accent_color: str,
    logo: bytes | None = None,
    remove_logo: bool = False,
) -> Account:
    """The accent colour, and a new logo (older logos deleted) or none; committed.

    :raise ValidationFailed: ``{"logo": [why]}``, the logo is not an image we take.
    """
    with transaction(session):
        new_logo = _store(session, account.id, logo, "logo") if logo is not None else None
        account.accent_color = accent_color
        if new_logo is not None or remove_logo:
            delete_other_uploads(session, account.id, "logo", keep=new_logo)
            account.logo_url = public_url(new_logo) if new_logo else None
    return account


def save_privacy_defaults(session: Session, account: Account, consent: dict[str, Any]) -> int:
    """The account's GDPR defaults, given to the links that follow them; committed.

    Returns how many links changed. :raise ValidationFailed: with the form's field names.
    """
    with transaction(session):
        return save_account_defaults(session, account, consent)


def update_preferences(
    session: Session,
    user: User,
    *,
    name: str,
    timezone: str,
    meetings_prefix: str,
    photo: bytes | None = None,
    remove_photo: bool = False,
) -> bool:
    """Name, zone, meetings prefix and photo; committed. Returns whether the prefix changed
    (P1: only links created afterwards use it, existing URLs never move).

    :raise ValidationFailed: the prefix is another host's; the photo is not an image we take.
    """
    changed_prefix = meetings_prefix != user.meetings_prefix
    if changed_prefix and prefix_taken(session, meetings_prefix, by_other_than=user):
        raise ValidationFailed(
            {"meetings_prefix": ["Another host uses this prefix; choose another."]}
        )
    with transaction(session):
        if photo is not None:
            user.photo_url = public_url(_store(session, user.account_id, photo, "photo"))
        if remove_photo:
            user.photo_url = None
        user.name, user.timezone, user.meetings_prefix = name, timezone, meetings_prefix
    return changed_prefix
