"""DNS lookups for custom domains (P4): the addresses a name resolves to, and its TXT records.

Through dnspython, to the system's resolvers, or to ``RENDEZVOUS_DNS_NAMESERVERS`` when an
operator names them (``"10.0.0.2,10.0.0.3:5353"``): the tests answer from a real DNS server
of their own that way. A name that doesn't resolve, or a resolver that doesn't answer in
time, is no records at all, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dns.exception
import dns.resolver

__all__ = ["Resolver", "resolver_from_config"]

TIMEOUT = 3.0


class Resolver:
    """``nameservers``: ``(address, port)`` pairs; None for the system's."""

    def __init__(
        self, nameservers: list[tuple[str, int]] | None = None, *, timeout: float = TIMEOUT
    ) -> None:
        self._resolver = dns.resolver.Resolver(configure=not nameservers)
        if nameservers:
            self._resolver.nameservers = [address for address, _ in nameservers]
            self._resolver.nameserver_ports = {address: port for address, port in nameservers}
        self._resolver.lifetime = timeout

    def _records(self, name: str, kind: str) -> list[Any]:
        try:
            return list(self._resolver.resolve(name, kind, search=False))
        except (dns.exception.DNSException, UnicodeError, ValueError):
            return []

    def addresses(self, hostname: str) -> set[str]:
        """Every IPv4 and IPv6 address ``hostname`` resolves to (CNAMEs followed)."""
        return {r.to_text() for kind in ("A", "AAAA") for r in self._records(hostname, kind)}

    def txt(self, name: str) -> list[str]:
        """The TXT records at ``name``, each as one string (its parts joined)."""
        return [b"".join(r.strings).decode("utf-8", "replace") for r in self._records(name, "TXT")]


def _server(text: str) -> tuple[str, int]:
    address, _, port = text.strip().rpartition(":") if text.count(":") == 1 else (text, "", "")
    if not address:
        return text.strip(), 53
    return address, int(port or 53)


def resolver_from_config(config: Mapping[str, Any]) -> Resolver:
    names = [s for s in (config.get("RENDEZVOUS_DNS_NAMESERVERS") or "").split(",") if s.strip()]
    return Resolver([_server(s) for s in names] or None)
