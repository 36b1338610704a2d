"""GDPR settings (L9): the account's defaults, and each link's own, which survive switching.

A link either follows the account's defaults (``customized`` false: its ``consent`` is a
copy of them, refreshed whenever the admin changes them) or has its own. The link's own
settings are also kept in ``consent_custom`` whatever the switch says, so turning the
customisation off and on again brings them back instead of starting over.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, ValidationError
from sqlalchemy.orm import Session

from server.accounts.models import Account, User
from server.db import transaction
from server.errors import ValidationFailed, flatten_messages
from server.links.models import BookingLink
from server.links.schemas import ConsentSchema
from server.links.services import account_consent_defaults as account_defaults
from server.links.services import live_links, update_link

__all__ = [
    "NOT_CUSTOMISED",
    "account_defaults",
    "link_custom_consent",
    "save_account_defaults",
    "save_link_consent",
    "summary",
]


def _load(consent: dict[str, Any]) -> dict[str, Any]:
    """:raise ValidationFailed: with field names as the form shows them."""
    try:
        loaded = ConsentSchema().load(consent)
    except ValidationError as exc:
        raise ValidationFailed(flatten_messages(exc.messages)) from exc
    loaded.pop("customized", None)
    return loaded


def link_custom_consent(link: BookingLink) -> dict[str, Any]:
    """What the form shows as the link's own settings: kept ones, else what is in force."""
    return dict(link.consent_custom or link.consent or {})


#: why a post that changes a link's own settings with the switch off is refused
NOT_CUSTOMISED = (
    "Tick “Customise for this link” to use these settings: without it, this link follows the "
    "account defaults."
)


def save_link_consent(
    session: Session,
    user: User,
    link: BookingLink,
    consent: dict[str, Any] | None,
    *,
    customized: bool,
) -> None:
    """Put the link's own settings in force if ``customized``, else the account's defaults.

    ``consent`` is the link's own settings as posted, ``None`` when the form didn't send them
    (its script greys them out while the switch is off): then the kept ones stay.

    :raise ValidationFailed: the own settings changed while the switch is off. Keeping them
        silently would answer "Saved." for settings no visitor would ever see.
    """
    kept = _load(ConsentSchema().load(link_custom_consent(link), unknown=EXCLUDE))
    own = kept if consent is None else _load(consent)
    if not customized and _comparable(own) != _comparable(kept):
        raise ValidationFailed({"customized": [NOT_CUSTOMISED]})
    with transaction(session):
        update_link(session, user, link, {"consent": {**own, "customized": customized}})


def _comparable(consent: dict[str, Any]) -> dict[str, Any]:
    """The settings as the form can show them: a legal basis only counts in its mode."""
    if consent.get("mode") != "legitimate_interest":
        return {k: v for k, v in consent.items() if k != "legal_basis"}
    return consent


def summary(consent: dict[str, Any]) -> str:
    """What a visitor meets, in a few words: for the "Saved." line and the defaults box."""
    if not consent.get("enabled"):
        return "no privacy notice, no consent asked"
    if consent.get("mode") == "legitimate_interest":
        return "privacy notice, legitimate interest"
    return "privacy notice and consent checkboxes"


def save_account_defaults(session: Session, account: Account, consent: dict[str, Any]) -> int:
    """New defaults; links that follow them get them now, in the same unit.

    :return: how many links changed.
    :raise ValidationFailed: invalid settings, with the form's field names.
    """
    defaults = _load(consent)
    changed = 0
    with transaction(session):
        account.consent_defaults = defaults
        for link in live_links(session, account.id):
            if not (link.consent or {}).get("customized"):
                link.consent = {**defaults, "customized": False}
                changed += 1
    return changed
