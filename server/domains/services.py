"""Custom domains (P4): booking pages served on a domain the account owns.

A domain is added by an admin, then connected once it is proven the account's and its DNS
points at this app. Proof is a TXT record at ``_rendezvous.<domain>`` holding the claim's
own token (only whoever runs the domain's DNS can publish it); routing compares the
addresses the domain resolves to with the app's own. No request is sent to the domain, so
the check can't be used to probe other machines. A claim that is not proven blocks nobody:
several accounts may claim one name, and the one whose token is published gets it. Requests
whose ``Host`` is a
connected domain may reach the booking pages and what they load, nothing else; a link is
served there only if it belongs to the domain's account. Slugs are unique across all domains
already: a slug is one row in one table, whatever domain shows it.
"""

from __future__ import annotations

import ipaddress
import re
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
from server.domains.dns import Resolver, resolver_from_config
from server.domains.models import CustomDomain
from server.errors import ValidationFailed
from server.links.models import BookingLink

__all__ = [
    "DnsStep",
    "DomainCheck",
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
    "verification_name",
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

    :raise ValidationFailed: bad name, connected to an account already (or claimed by this
        one), or too many domains.
    """
    hostname = normalise_hostname(raw)
    claims = session.scalars(select(CustomDomain).where(CustomDomain.hostname == hostname)).all()
    if any(claim.verified_at is not None for claim in claims):
        raise ValidationFailed({"hostname": ["This domain is already connected to an account."]})
    if any(claim.account_id == account.id for claim in claims):
        raise ValidationFailed({"hostname": ["This domain is already in your list."]})
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


def verification_name(hostname: str) -> str:
    """Where the claim's TXT record goes."""
    return f"_rendezvous.{hostname}"


@dataclass(frozen=True, slots=True)
class DomainCheck:
    """What a check found: the TXT proof, and the addresses pointing at us."""

    proven: bool
    routed: bool
    #: proven and routed, but another account holds the name already
    taken: bool = False

    @property
    def connected(self) -> bool:
        return self.proven and self.routed and not self.taken


def check_account_domain(
    session: Session, user: User, domain_id: int
) -> tuple[CustomDomain, DomainCheck]:
    """Check a domain's DNS now and keep the outcome, committed.

    :raise NotFound: no such domain in the user's account (A2).
    """
    resolver = resolver_from_config(current_app.config)
    domain = get_account_domain(session, user, domain_id)
    outcome = check_domain(domain, resolver)  # the lookups, before any unit of work
    with transaction(session):
        domain = get_account_domain(session, user, domain_id)
        domain.last_checked_at = utcnow()
        holder = session.scalar(
            select(CustomDomain.id).where(
                CustomDomain.hostname == domain.hostname,
                CustomDomain.verified_at.is_not(None),
                CustomDomain.id != domain.id,
            )
        )
        if holder is not None and outcome.connected:
            outcome = DomainCheck(outcome.proven, outcome.routed, taken=True)
        if outcome.connected:
            domain.verified_at = domain.verified_at or utcnow()
        else:
            domain.verified_at = None
    return domain, outcome


def check_domain(domain: CustomDomain, resolver: Resolver) -> DomainCheck:
    """Proven when the TXT record at ``_rendezvous.<domain>`` holds the claim's token; routed
    when the domain resolves to (one of) the app's addresses."""
    proven = domain.verification_token in resolver.txt(verification_name(domain.hostname))
    ours = resolver.addresses(app_hostname())
    theirs = resolver.addresses(domain.hostname)
    return DomainCheck(proven=proven, routed=bool(ours and theirs & ours))


def dns_steps(domain: CustomDomain) -> list[DnsStep]:
    """What the user types at their DNS provider: a CNAME to the app's host name for a
    subdomain; A/AAAA records for an apex domain, or when the app is reached by an address."""
    target = app_hostname()
    labels = domain.hostname.split(".")
    zone_name = ".".join(labels[-2:])
    proof = DnsStep(
        "TXT",
        ".".join(["_rendezvous", *labels[:-2]]),
        domain.verification_token,
        f"At the DNS provider of {zone_name}: a TXT record that proves the domain is yours.",
    )
    return [proof, *_routing_steps(domain, target, labels, zone_name)]


def _routing_steps(
    domain: CustomDomain, target: str, labels: list[str], zone_name: str
) -> list[DnsStep]:
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
        resolver = resolver_from_config(current_app.config)
        addresses = sorted(resolver.addresses(target)) or ["<the app's IP address>"]
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
