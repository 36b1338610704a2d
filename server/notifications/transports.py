"""Where sent messages go: an SMTP server (``RENDEZVOUS_SMTP_URL``) or ``.eml`` files.

``smtp://user:pass@host:587?starttls=1`` speaks plain SMTP and upgrades with STARTTLS;
``smtps://user:pass@host:465`` is SMTP over TLS from the first byte. With no URL, each
message is written to ``RENDEZVOUS_MAIL_DIR`` as ``<outbox id>-<kind>.eml`` (N1), which
any mail client opens.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = [
    "MailDirTransport",
    "MessageRefused",
    "Outgoing",
    "SmtpTransport",
    "SmtpUrl",
    "Transport",
    "TransportUnavailable",
    "parse_smtp_url",
]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message as the transport sees it: envelope, bytes, and a name for files and logs."""

    id: int
    kind: str
    sender: str
    recipient: str
    data: bytes

    @property
    def smtputf8(self) -> bool:
        """A non-ASCII address or header that only an SMTPUTF8 server can take."""
        return not self.data.isascii() or not (self.sender + self.recipient).isascii()


class TransportUnavailable(Exception):
    """The server can't be reached or won't let us in: no message is at fault, retry later."""


class MessageRefused(Exception):
    """The server refused this message; ``permanent`` (5xx) means retrying won't help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class Transport(Protocol):
    def send(self, message: Outgoing) -> None:
        """Deliver ``message`` or raise :class:`TransportUnavailable` / :class:`MessageRefused`."""

    def close(self) -> None:
        """Let go of any connection; the next ``send`` opens a new one."""


@dataclass(frozen=True, slots=True)
class SmtpUrl:
    host: str
    port: int
    ssl: bool
    starttls: bool
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpUrl:
    """``smtp://user:pass@host:port?starttls=1`` or ``smtps://…``.

    :raise ValueError: another scheme, or no host.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("RENDEZVOUS_SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("RENDEZVOUS_SMTP_URL has no host")
    query = parse_qs(parts.query)
    starttls = query.get("starttls", ["0"])[-1].lower() in ("1", "true", "yes", "on")
    use_ssl = parts.scheme == "smtps"
    default_port = 465 if use_ssl else (587 if starttls else 25)
    return SmtpUrl(
        host=parts.hostname,
        port=parts.port or default_port,
        ssl=use_ssl,
        starttls=starttls and not use_ssl,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


class SmtpTransport:
    """``smtplib`` with one connection reused for a batch of messages."""

    def __init__(self, url: str, *, timeout: float = 20.0) -> None:
        self.config = parse_smtp_url(url)
        self.timeout = timeout
        self._connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        try:
            if config.ssl:
                connection: smtplib.SMTP = smtplib.SMTP_SSL(
                    config.host,
                    config.port,
                    timeout=self.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                connection = smtplib.SMTP(config.host, config.port, timeout=self.timeout)
            if config.starttls:
                connection.starttls(context=ssl.create_default_context())
            if config.username:
                connection.login(config.username, config.password or "")
        except (OSError, smtplib.SMTPException) as exc:
            raise TransportUnavailable(f"SMTP {config.host}:{config.port}: {exc}") from exc
        return connection

    def send(self, message: Outgoing) -> None:
        if self._connection is None:
            self._connection = self._connect()
        options = ["SMTPUTF8", "BODY=8BITMIME"] if message.smtputf8 else []
        try:
            self._connection.sendmail(
                message.sender, [message.recipient], message.data, mail_options=options
            )
        except smtplib.SMTPNotSupportedError as exc:
            raise MessageRefused(
                f"the server can't take this address: {exc}", permanent=True
            ) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise MessageRefused(_reply(code, reply), permanent=code >= 500) from exc
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            raise MessageRefused(
                _reply(exc.smtp_code, exc.smtp_error), permanent=exc.smtp_code >= 500
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:  # dropped connection, timeout, …
            self.close()
            raise TransportUnavailable(f"SMTP {self.config.host}: {exc}") from exc

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {text}"


class MailDirTransport:
    """Writes each message to a file; a half-written file is never seen (write, then rename)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def send(self, message: Outgoing) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            name = f"{message.id:08d}-{message.kind}.eml"
            scratch = self.directory / f".{name}.tmp"
            scratch.write_bytes(message.data)
            os.replace(scratch, self.directory / name)
        except OSError as exc:
            raise TransportUnavailable(f"mail directory {self.directory}: {exc}") from exc

    def close(self) -> None:
        """Nothing to let go of."""
