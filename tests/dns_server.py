"""A real DNS server for the tests (dnslib), on 127.0.0.1 over UDP, answering from records the
test sets: the app asks it through ``RENDEZVOUS_DNS_NAMESERVERS`` exactly as it would ask an
operator's resolver, so the custom-domain checks are never mocked. A name it has no records
for is NXDOMAIN; ``queries`` keeps what was asked."""

from __future__ import annotations

import threading

from dnslib import AAAA, QTYPE, RCODE, RR, TXT, A
from dnslib.server import BaseResolver, DNSServer

__all__ = ["DnsServer"]


class _Zone(BaseResolver):
    def __init__(self, server: DnsServer) -> None:
        self.server = server

    def resolve(self, request, handler):  # noqa: ANN001, ANN201 - dnslib's interface
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        kind = QTYPE[request.q.qtype]
        with self.server.lock:
            self.server.queries.append((name, kind))
            known = {n for n, _ in self.server.records}
            values = list(self.server.records.get((name, kind), ()))
        if name not in known:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        for value in values:
            rdata = {"A": A, "AAAA": AAAA, "TXT": TXT}[kind](value)
            reply.add_answer(RR(request.q.qname, getattr(QTYPE, kind), rdata=rdata, ttl=60))
        return reply


class DnsServer:
    """``set(name, kind, *values)``, ``clear(name, kind)``; ``address`` is ``host:port``."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], list[str]] = {}
        self.queries: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self._server = DNSServer(_Zone(self), port=0, address="127.0.0.1", logger=_Quiet())
        self.address = f"127.0.0.1:{self._server.server.server_address[1]}"

    def set(self, name: str, kind: str, *values: str) -> None:
        with self.lock:
            self.records[(name.lower(), kind)] = list(values)

    def clear(self, name: str, kind: str) -> None:
        with self.lock:
            self.records.pop((name.lower(), kind), None)

    def start(self) -> DnsServer:
        self._server.start_thread()
        return self

    def stop(self) -> None:
        self._server.stop()


class _Quiet:
    """dnslib's logger, silenced."""

    def __getattr__(self, name: str):  # noqa: ANN204
        return lambda *args, **kwargs: None
