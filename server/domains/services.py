"""Custom domains (P4): booking pages served on a domain the account owns.

A domain is added by an admin, then connected once its DNS points at this app: the check
compares the addresses the domain resolves to with the app's own (no request is sent to the
domain, so the check can't be used to probe other machines). Requests whose ``Host`` is a
connected domain may reach the booking pages and what they load, nothing else; a link is
served there only if it belongs to the domain's account. Slugs are unique across all domains
already: a slug is one row in one table, whatever domain shows it.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.accounts.access import account_row
from server.accounts.models import Account, User
from server.accounts.services import delete_account_row
from server.clock import utcnow
from server.db import transaction
from server.domains.models import CustomDomain
from server.errors import ValidationFailed
from server.links.models import BookingLink

__all__ = [
    "DnsStep",
    "account_domains",
    "add_domain",
    "app_hostname",
    "check_account_domain",
    "check_domain",
    "connected_domain",
    "default_link",
    "delete_account_domain",
    "dns_steps",
    "get_account_domain",
    "link_by_slug",
    "normalise_hostname",
    "resolve_addresses",
    "share_base",
    "verified_hostnames",
]

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
MAX_DOMAINS_PER_ACCOUNT = 20


@dataclass(frozen=True, slots=True)
class DnsStep:
    record_type: str
    name: str
    value: str
    note: str


def app_hostname() -> str:
    return (urlsplit(current_app.config["RENDEZVOUS_BASE_URL"]).hostname or "").lower()


def normalise_hostname(raw: str) -> str:
    """``"https://Book.Example.com/"`` → ``"book.example.com"``.

    :raise ValidationFailed: not a public domain name (an IP, a single label, the app's own).
    """
    text = raw.strip().lower()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    text = text.split("/", 1)[0].rstrip(".")
    try:
        host = text.encode("idna").decode("ascii") if text else ""
    except UnicodeError:
        host = ""
    errors: list[str] = []
    try:
        ipaddress.ip_address(host)
        errors.append("Give a domain name, not an IP address.")
    except ValueError:
        labels = host.split(".")
        if len(host) > 253 or len(labels) < 2 or not all(_LABEL.match(x) for x in labels):
            errors.append("Give a domain name such as meetings.example.com.")
        elif labels[-1].isdigit():
            errors.append("Give a domain name such as meetings.example.com.")
    if not errors and (host == app_hostname() or host.endswith(".localhost")):
        errors.append("This is not a domain of yours.")
    if errors:
        raise ValidationFailed({"hostname": errors})
    return host


def add_domain(session: Session, account: Account, raw: str) -> CustomDomain:
    """A new, not yet connected domain of the account; committed.

    :raise ValidationFailed: bad name, taken by any account, or too many domains.
    """
    hostname = normalise_hostname(raw)
    taken = session.scalar(select(CustomDomain).where(CustomDomain.hostname == hostname))
    if taken is not None:
        raise ValidationFailed({"hostname": ["This domain is already connected to an account."]})
    if len(account_domains(session, account.id)) >= MAX_DOMAINS_PER_ACCOUNT:
        raise ValidationFailed({"hostname": [f"At most {MAX_DOMAINS_PER_ACCOUNT} domains."]})
    with transaction(session):
        domain = CustomDomain(account_id=account.id, hostname=hostname)
        session.add(domain)
    return domain


def account_domains(session: Session, account_id: int) -> list[CustomDomain]:
    """The account's domains, connected or not, in the order they were added."""
    return list(
        session.scalars(
            select(CustomDomain)
            .where(CustomDomain.account_id == account_id)
            .order_by(CustomDomain.id)
        )
    )


def delete_account_domain(session: Session, user: User, domain_id: int) -> CustomDomain:
    """Remove a domain, committed: booking pages are no longer served there.

    :raise NotFound: no such domain in the user's account (A2).
    """
    return delete_account_row(session, CustomDomain, domain_id, user.account_id, "domain")


def connected_domain(session: Session, hostname: str) -> CustomDomain | None:
    """The connected domain a request's ``Host`` names, if any (the gate's question)."""
    return session.scalar(
        select(CustomDomain).where(
            CustomDomain.hostname == hostname, CustomDomain.verified_at.is_not(None)
        )
    )


def link_by_slug(session: Session, slug: str) -> BookingLink | None:
    """The link of ``slug``, deleted or not: a domain serves it only if it is its account's."""
    return session.scalar(select(BookingLink).where(BookingLink.slug == slug))


def default_link(session: Session, domain: CustomDomain) -> BookingLink | None:
    """What ``/`` on the domain leads to (P2): its account's live default link, if any."""
    account = session.get(Account, domain.account_id)
    if account is None or not account.default_link_id:
        return None
    link = session.get(BookingLink, account.default_link_id)
    if link is None or link.deleted_at is not None or link.account_id != account.id:
        return None
    return link


def verified_hostnames(session: Session, account_id: int) -> list[str]:
    """The account's connected domains, first added first: where its pages are served."""
    return list(
        session.scalars(
            select(CustomDomain.hostname)
            .where(CustomDomain.account_id == account_id, CustomDomain.verified_at.is_not(None))
            .order_by(CustomDomain.id)
        )
    )


def share_base(session: Session, account_id: int) -> str:
    """Where share links point: the account's first connected domain (P4), else the app."""
    hostnames = verified_hostnames(session, account_id)
    if hostnames:
        return f"https://{hostnames[0]}"
    return current_app.config["RENDEZVOUS_BASE_URL"]


def get_account_domain(session: Session, user: User, domain_id: int) -> CustomDomain:
    """:raise NotFound: no such domain in the user's account (A2)."""
    return account_row(session, CustomDomain, domain_id, user.account_id, "domain")


def resolve_addresses(hostname: str) -> set[str]:
    """Every address ``hostname`` resolves to; empty when it doesn't resolve."""
    try:
        return {info[4][0] for info in socket.getaddrinfo(hostname, None)}
    except (OSError, UnicodeError):
        return set()


def check_account_domain(session: Session, user: User, domain_id: int) -> tuple[CustomDomain, bool]:
    """Check a domain's DNS now and keep the outcome, committed; ``(domain, connected)``.

    :raise NotFound: no such domain in the user's account (A2).
    """
    with transaction(session):
        domain = get_account_domain(session, user, domain_id)
        connected = check_domain(domain)
    return domain, connected


def check_domain(domain: CustomDomain, resolve: Callable[[str], set[str]] | None = None) -> bool:
    """Connected when the domain resolves to (one of) the app's addresses.

    A step of :func:`check_account_domain`: it only sets the domain's dates.
    """
    resolve = resolve or resolve_addresses
    ours = resolve(app_hostname())
    theirs = resolve(domain.hostname)
    domain.last_checked_at = utcnow()
    if ours and theirs & ours:
        domain.verified_at = domain.verified_at or utcnow()
        return True
    domain.verified_at = None
    return False


def dns_steps(domain: CustomDomain) -> list[DnsStep]:
    """What the user types at their DNS provider: a CNAME to the app's host name for a
    subdomain; A/AAAA records for an apex domain, or when the app is reached by an address."""
    target = app_hostname()
    labels = domain.hostname.split(".")
    zone_name = ".".join(labels[-2:])
    try:
        ipaddress.ip_address(target)
        addresses = [target]
    except ValueError:
        addresses = []
        if len(labels) > 2:
            return [
                DnsStep(
                    "CNAME",
                    ".".join(labels[:-2]),
                    f"{target}.",
                    f"At the DNS provider of {zone_name}: a CNAME record.",
                )
            ]
        addresses = sorted(resolve_addresses(target)) or ["<the app's IP address>"]
    name = ".".join(labels[:-2]) or "@"
    return [
        DnsStep(
            "AAAA" if ":" in address else "A",
            name,
            address,
            f"At the DNS provider of {zone_name}: an address record"
            + (" (an apex domain can't be a CNAME)." if name == "@" else "."),
        )
        for address in addresses
    ]
