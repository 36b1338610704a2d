"""A real SMTP server for the tests and the benchmark: aiosmtpd on 127.0.0.1, a free port.

It collects every message it accepts, so a test can check content, envelope and counts,
and can be stopped and started again on the same port to play an outage.
"""

from __future__ import annotations

import email
import email.policy
import threading
from collections import Counter
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.servers import free_port

__all__ = ["Received", "SmtpServer"]


@dataclass(frozen=True)
class Received:
    """One accepted message: the envelope and the parsed message."""

    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage

    @property
    def to(self) -> str:
        return self.recipients[0]

    def part(self, content_type: str) -> Any:
        """The decoded content of the first part of this type (``text/plain``, …)."""
        for part in self.message.walk():
            if part.get_content_type() == content_type:
                return part.get_content()
        raise KeyError(f"no {content_type} part in {self.message['Subject']!r}")

    @property
    def text(self) -> str:
        return self.part("text/plain")

    @property
    def html(self) -> str:
        return self.part("text/html")

    @property
    def ics(self) -> str:
        return self.part("text/calendar")


class _Collector:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        refusal = self.server.refusals.get(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if not self.server.keep:
            self.server._count()
            return "250 OK"
        content = envelope.original_content or envelope.content
        try:  # an SMTPUTF8 message has raw UTF-8 headers, which from_bytes would mangle
            message = email.message_from_string(content.decode(), policy=email.policy.default)
        except UnicodeDecodeError:
            message = email.message_from_bytes(content, policy=email.policy.default)
        self.server._accept(
            Received(envelope.mail_from, tuple(envelope.rcpt_tos), message)  # type: ignore[arg-type]
        )
        return "250 OK"


class SmtpServer:
    """aiosmtpd in a thread. ``url`` is what ``RENDEZVOUS_SMTP_URL`` should say."""

    def __init__(
        self, port: int | None = None, *, login: tuple[str, str] | None = None, keep: bool = True
    ) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        #: when set, the server demands AUTH with this user name and password
        self.login = login
        #: parse and keep every message; off, it only counts (the benchmark's server)
        self.keep = keep
        self.count = 0
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._controller: Controller | None = None
        #: recipient → SMTP reply, e.g. ``"550 5.1.1 no such user"`` or ``"451 try later"``
        self.refusals: dict[str, str] = {}

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> SmtpServer:
        auth: dict[str, Any] = {}
        if self.login:
            auth = {
                "authenticator": self._authenticate,
                "auth_required": True,
                "auth_require_tls": False,  # loopback only; TLS is not what is tested here
            }
        self._controller = Controller(
            _Collector(self), hostname=self.host, port=self.port, enable_SMTPUTF8=True, **auth
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and self.login == (
            data.login.decode(),
            data.password.decode(),
        )
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535

    def _accept(self, received: Received) -> None:
        with self._lock:
            self._received.append(received)
            self.count += 1

    def _count(self) -> None:
        with self._lock:
            self.count += 1

    @property
    def messages(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.recipients]

    def message_id_counts(self) -> Counter[str]:
        return Counter(str(m.message["Message-ID"]) for m in self.messages)

    def clear(self) -> None:
        with self._lock:
            self._received.clear()
