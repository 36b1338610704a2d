"""GDPR settings (L9): the account's defaults, and each link's own, which survive switching.

A link either follows the account's defaults (``customized`` false: its ``consent`` is a
copy of them, refreshed whenever the admin changes them) or has its own. The link's own
settings are also kept in ``consent_custom`` whatever the switch says, so turning the
customisation off and on again brings them back instead of starting over.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.accounts.models import Account, User
from server.errors import ValidationFailed, flatten_messages
from server.links.models import BookingLink
from server.links.schemas import ConsentSchema
from server.links.services import update_link

__all__ = ["account_defaults", "link_custom_consent", "save_account_defaults", "save_link_consent"]


def _load(consent: dict[str, Any]) -> dict[str, Any]:
    """:raise ValidationFailed: with field names as the form shows them."""
    try:
        loaded = ConsentSchema().load(consent)
    except ValidationError as exc:
        raise ValidationFailed(flatten_messages(exc.messages)) from exc
    loaded.pop("customized", None)
    return loaded


def account_defaults(account: Account) -> dict[str, Any]:
    defaults = ConsentSchema().load(dict(account.consent_defaults or {}), unknown=EXCLUDE)
    defaults.pop("customized", None)
    return defaults


def link_custom_consent(link: BookingLink) -> dict[str, Any]:
    """What the form shows as the link's own settings: kept ones, else what is in force."""
    return dict(link.consent_custom or link.consent or {})


def save_link_consent(
    session: Session, user: User, link: BookingLink, consent: dict[str, Any], *, customized: bool
) -> None:
    """Keep ``consent`` as the link's own settings; put them in force only if ``customized``."""
    own = _load(consent)
    link.consent_custom = own
    in_force = own if customized else account_defaults(user.account)
    update_link(session, user, link, {"consent": {**in_force, "customized": customized}})


def save_account_defaults(session: Session, account: Account, consent: dict[str, Any]) -> int:
    """New defaults; links that follow them get them now. Returns how many links changed."""
    defaults = _load(consent)
    account.consent_defaults = defaults
    changed = 0
    links = session.scalars(
        select(BookingLink).where(
            BookingLink.account_id == account.id, BookingLink.deleted_at.is_(None)
        )
    )
    for link in links:
        if not (link.consent or {}).get("customized"):
            link.consent = {**defaults, "customized": False}
            changed += 1
    session.flush()
    return changed
