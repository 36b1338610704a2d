"""Creating, changing and reading booking links; the only place that writes them.

Each function a view calls owns its unit of work (``with transaction(session):``); called
inside another unit (sign-up's preset links, the GDPR step) it joins that one.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.accounts.models import Account, User
from server.clock import utcnow
from server.db import transaction
from server.errors import NotFound, ValidationFailed
from server.links.hours import WEEKDAYS, format_hours
from server.links.models import BookingLink, LinkDateOverride, LinkHost, LinkHours
from server.links.schemas import ConsentSchema, LinkSchema
from server.pagination import Page, paginate
from server.slugs import numbered, slugify
from server.uploads.services import ImageRejected, store_image
from server.uploads.services import public_url as upload_url

__all__ = [
    "account_consent_defaults",
    "create_link",
    "create_preset_links",
    "delete_link",
    "get_account_link",
    "get_public_link",
    "link_view",
    "links_page",
    "live_links",
    "toggle_default_link",
    "update_link",
]

PRESET_DURATIONS = (15, 30, 60)

_SIMPLE_FIELDS = (
    "name",
    "title",
    "type",
    "durations",
    "slot_interval_minutes",
    "timezone",
    "minimum_notice_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "location",
    "video_link",
    "photo_url",
    "subject",
    "description",
    "language",
    "locale",
    "meeting_type",
    "reminders",
    "form",
    "consent",
)


def get_public_link(session: Session, slug: str) -> BookingLink:
    """:raise NotFound: no link has this slug."""
    link = session.scalar(select(BookingLink).where(BookingLink.slug == slug))
    if link is None or link.deleted_at is not None:
        raise NotFound("No meeting link at this address.")
    return link


def live_links(session: Session, account_id: int) -> list[BookingLink]:
    """The account's links that are not deleted, oldest first: the links list, the Schedule
    tab's choices, and the links that follow the account's GDPR defaults."""
    return list(
        session.scalars(
            select(BookingLink)
            .where(BookingLink.account_id == account_id, BookingLink.deleted_at.is_(None))
            .order_by(BookingLink.id)
        )
    )


def links_page(session: Session, account_id: int, *, limit: int, cursor: str | None = None) -> Page:
    """The host API's list: the live links, oldest first, a page at a time."""
    statement = select(BookingLink).where(
        BookingLink.account_id == account_id, BookingLink.deleted_at.is_(None)
    )
    return paginate(session, statement, order=[BookingLink.id], limit=limit, cursor=cursor)


def get_account_link(session: Session, user: User, link_id: int) -> BookingLink:
    """A link of the user's account; another account's link is as good as missing (A2)."""
    link = session.get(BookingLink, link_id)
    if link is None or link.account_id != user.account_id or link.deleted_at is not None:
        raise NotFound("No such link.")
    return link


def _unique_slug(session: Session, prefix: str, wanted: str, *, strict: bool) -> str:
    """``prefix/wanted``, numbered when taken; a slug the host chose is refused instead.

    :raise ValidationFailed: ``strict`` and taken.
    """
    for name in numbered(wanted):
        slug = f"{prefix}/{name}"
        if session.scalar(select(BookingLink.id).where(BookingLink.slug == slug)) is None:
            return slug
        if strict:
            raise ValidationFailed({"slug": ["This URL is already taken."]})
    raise AssertionError("unreachable")


def _resolve_hosts(session: Session, user: User, host_ids: list[int]) -> list[User]:
    hosts = list(
        session.scalars(
            select(User).where(User.id.in_(host_ids), User.account_id == user.account_id)
        )
    )
    found = {h.id for h in hosts}
    missing = [i for i in host_ids if i not in found]
    if missing:
        raise ValidationFailed({"host_ids": [f"No user {i} in this account." for i in missing]})
    return sorted(hosts, key=lambda h: host_ids.index(h.id))


def _apply(session: Session, link: BookingLink, user: User, data: dict[str, Any]) -> None:
    for name in _SIMPLE_FIELDS:
        if name in data and name != "consent":
            setattr(link, name, data[name])
    if "consent" in data:
        _apply_consent(link, user.account, data["consent"])
    if "window" in data:
        window = data["window"]
        link.window_rolling_weeks = window.get("rolling_weeks")
        link.window_start_date = window.get("start_date")
        link.window_end_date = window.get("end_date")
    if "availability" in data:  # LinkSchema parsed it: weekday → DailyHours
        link.hours = [
            LinkHours(weekday=day, start_time=start, end_time=end)
            for day, pairs in data["availability"].items()
            for start, end in pairs
        ]
    if "date_overrides" in data:
        days = [o["date"] for o in data["date_overrides"]]
        if len(set(days)) != len(days):
            raise ValidationFailed({"date_overrides": ["Each date once."]})
        rows: list[LinkDateOverride] = []
        for override in data["date_overrides"]:
            if not override["hours"]:
                rows.append(LinkDateOverride(day=override["date"]))
            rows.extend(
                LinkDateOverride(day=override["date"], start_time=s, end_time=e)
                for s, e in override["hours"]
            )
        link.date_overrides = rows
    if "host_ids" in data:
        hosts = _resolve_hosts(session, user, data["host_ids"])
        link.hosts = [LinkHost(user_id=h.id, position=i) for i, h in enumerate(hosts)]
    if link.type == "one_on_one" and len(link.hosts) != 1:
        raise ValidationFailed({"host_ids": ["A one-on-one link has exactly one host."]})


def _store_photo(session: Session, account_id: int, photo: bytes) -> str:
    """The link photo stored as an upload of the account; its public URL.

    :raise ValidationFailed: ``{"photo": [why]}``, the image was refused.
    """
    try:
        stored = store_image(session, account_id, photo, "photo")
    except ImageRejected as exc:
        raise ValidationFailed({"photo": [str(exc)]}) from exc
    return upload_url(stored)


def create_link(
    session: Session, user: User, data: dict[str, Any], *, photo: bytes | None = None
) -> BookingLink:
    """A new link of the user's account; its slug is fixed from now on (L3).

    ``data`` is what ``LinkSchema`` loaded. ``photo``: an uploaded image for the link, stored
    in the same unit, so a link that can't be created leaves no upload behind.

    :raise ValidationFailed: a refused photo, a taken slug, hosts from another account.
    """
    with transaction(session):
        account: Account = user.account
        data = dict(data)
        if photo is not None:
            data["photo_url"] = _store_photo(session, account.id, photo)
        data.setdefault("title", data["name"])
        data.setdefault("timezone", user.timezone)
        data.setdefault("host_ids", [user.id])
        data.setdefault("photo_url", user.photo_url)
        if "consent" not in data:
            data["consent"] = {**account_consent_defaults(account), "customized": False}
        wanted = data.pop("slug", None)
        slug = _unique_slug(
            session,
            user.meetings_prefix,
            wanted or slugify(data["name"]),
            strict=wanted is not None,
        )
        link = BookingLink(account_id=account.id, owner_id=user.id, slug=slug)
        _apply(session, link, user, data)
        session.add(link)
        session.flush()
    return link


def account_consent_defaults(account: Account) -> dict[str, Any]:
    """The account's GDPR defaults (L9), as a link that follows them gets them."""
    defaults = ConsentSchema().load(dict(account.consent_defaults or {}), unknown="exclude")
    defaults.pop("customized", None)
    return defaults


def _apply_consent(link: BookingLink, account: Account, consent: dict[str, Any]) -> None:
    """L9's one switch: ``customized`` says whose settings are in force, never half of each.

    Settings sent with the switch off are kept as the link's own (``consent_custom``) while
    the account's defaults apply, so that switching it on again brings them back. A link
    that only inherited the defaults keeps no settings of its own, and so shows the current
    defaults when it is first customised.
    """
    own = {k: v for k, v in consent.items() if k != "customized"}
    customized = consent.get("customized", True)
    inherited = not customized and own == account_consent_defaults(account)
    if not (inherited and link.consent_custom is None):
        link.consent_custom = own
    link.consent = {
        **(own if customized else account_consent_defaults(account)),
        "customized": customized,
    }


def update_link(
    session: Session,
    user: User,
    link: BookingLink,
    data: dict[str, Any],
    *,
    photo: bytes | None = None,
) -> BookingLink:
    """Change what was sent. The slug may be sent again unchanged, but never changed.

    ``photo``: a new uploaded image for the link, stored in the same unit.

    :raise ValidationFailed: a changed slug, a refused photo, invalid hosts.
    """
    with transaction(session):
        if "slug" in data and link.slug.split("/", 1)[1] != data["slug"]:
            raise ValidationFailed({"slug": ["The URL of a link can't change; create a new link."]})
        data = {k: v for k, v in data.items() if k != "slug"}
        if photo is not None:
            data["photo_url"] = _store_photo(session, link.account_id, photo)
        if "type" in data and "host_ids" not in data and data["type"] == "one_on_one":
            data["host_ids"] = link.host_ids[:1]
        _apply(session, link, user, data)
        session.flush()
    return link


def toggle_default_link(session: Session, account: Account, link: BookingLink) -> bool:
    """Star ``link`` as the account's default (P2), or clear the star if it has it.

    :return: whether ``link`` is the default now.
    """
    with transaction(session):
        starred = account.default_link_id != link.id
        account.default_link_id = link.id if starred else None
    return starred


def delete_link(session: Session, link: BookingLink) -> None:
    """Archive the link: its page goes away, its bookings stay (and keep their slug taken).

    The account's default link (P2) is cleared with it when it was this one.
    """
    with transaction(session):
        link.deleted_at = utcnow()
        account = session.get(Account, link.account_id)
        if account is not None and account.default_link_id == link.id:
            account.default_link_id = None
        session.flush()


def create_preset_links(session: Session, user: User) -> list[BookingLink]:
    """L1: every new host starts with a 15, a 30 and a 60-minute link (one unit with sign-up)."""
    schema = LinkSchema()
    links = []
    for minutes in PRESET_DURATIONS:
        data = schema.load({"name": f"{minutes} minute meeting", "durations": [minutes]})
        data["slug"] = f"{minutes}min"
        links.append(create_link(session, user, data))
    return links


def public_url(link: BookingLink) -> str:
    return f"{current_app.config['RENDEZVOUS_BASE_URL']}/meetings/{link.slug}"


def link_view(link: BookingLink) -> dict[str, Any]:
    """The link in the API's shape (SPEC §10 "Link fields")."""
    if link.window_rolling_weeks is not None:
        window: dict[str, Any] = {"rolling_weeks": link.window_rolling_weeks}
    else:
        window = {"start_date": link.window_start_date, "end_date": link.window_end_date}
    view = {name: getattr(link, name) for name in _SIMPLE_FIELDS}
    view.update(
        id=link.id,
        url=public_url(link),
        slug=link.slug,
        host_ids=link.host_ids,
        availability={
            WEEKDAYS[day]: format_hours(pairs) for day, pairs in link.weekly_hours.items()
        },
        date_overrides=[
            {"date": day, "hours": format_hours(pairs)}
            for day, pairs in link.override_hours.items()
        ],
        window=window,
        created_at=link.created_at,
        updated_at=link.updated_at,
    )
    return view
