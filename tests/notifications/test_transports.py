"""SMTP settings, backoff and reminder times: the small rules the worker is built on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.notifications.outbox import reminder_times
from server.notifications.transports import (
    Outgoing,
    SmtpTransport,
    TransportUnavailable,
    parse_smtp_url,
)
from server.notifications.worker import backoff
from tests.servers import free_port
from tests.smtp import SmtpServer

START = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
DEFAULTS = {"enabled": True, "offsets_minutes": [4320, 60]}


def outgoing(to: str = "ada@example.com") -> Outgoing:
    data = b"From: a@rendezvous.test\r\nTo: ada@example.com\r\nSubject: hi\r\n\r\nhello\r\n"
    return Outgoing(1, "invitation", "no-reply@rendezvous.test", to, data)


# -- reminder times ------------------------------------------------------------------------


def test_reminders_go_out_at_each_offset_before_the_start() -> None:
    now = START - timedelta(days=10)
    assert reminder_times(START, DEFAULTS, now) == [
        START - timedelta(days=3),
        START - timedelta(hours=1),
    ]


def test_a_reminder_time_already_past_is_left_out() -> None:
    assert reminder_times(START, DEFAULTS, START - timedelta(days=1)) == [
        START - timedelta(hours=1)
    ]
    assert reminder_times(START, DEFAULTS, START - timedelta(minutes=30)) == []


def test_disabled_reminders_and_at_most_three() -> None:
    assert reminder_times(START, {"enabled": False, "offsets_minutes": [60]}, START) == []
    many = {"offsets_minutes": [10, 20, 30, 40, 40]}
    assert len(reminder_times(START, many, START - timedelta(days=1))) == 3


# -- backoff -------------------------------------------------------------------------------


def test_backoff_doubles_from_30_seconds_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in range(1, 6)] == [30, 60, 120, 240, 480]
    assert backoff(30) == timedelta(hours=1)
    assert backoff(30, cap=timedelta(minutes=5)) == timedelta(minutes=5)


# -- RENDEZVOUS_SMTP_URL -------------------------------------------------------------------


def test_smtp_url_with_starttls_and_an_escaped_password() -> None:
    url = parse_smtp_url("smtp://mailer%40example.com:p%40ss:w@mail.example.com:587?starttls=1")
    assert (url.host, url.port, url.ssl, url.starttls) == ("mail.example.com", 587, False, True)
    assert (url.username, url.password) == ("mailer@example.com", "p@ss:w")


@pytest.mark.parametrize(
    ("url", "port", "ssl", "starttls"),
    [
        ("smtps://mail.example.com", 465, True, False),
        ("smtp://mail.example.com", 25, False, False),
        ("smtp://mail.example.com?starttls=1", 587, False, True),
    ],
)
def test_smtp_url_default_ports(url: str, port: int, ssl: bool, starttls: bool) -> None:
    parsed = parse_smtp_url(url)
    assert (parsed.port, parsed.ssl, parsed.starttls) == (port, ssl, starttls)


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://", "mail.example.com:25"])
def test_a_bad_smtp_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="RENDEZVOUS_SMTP_URL"):
        parse_smtp_url(url)


# -- talking to a real server --------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.filterwarnings("ignore:Session.login_data is deprecated")
def test_login_with_the_urls_user_and_password() -> None:
    server = SmtpServer(login=("mailer", "s3cret/")).start()
    try:
        transport = SmtpTransport(f"smtp://mailer:s3cret%2F@127.0.0.1:{server.port}")
        transport.send(outgoing())
        transport.close()
        assert [m.to for m in server.messages] == ["ada@example.com"]
        wrong = SmtpTransport(f"smtp://mailer:nope@127.0.0.1:{server.port}")
        with pytest.raises(TransportUnavailable):
            wrong.send(outgoing())
    finally:
        server.stop()


def test_a_closed_port_is_unavailable_not_a_refusal() -> None:
    with pytest.raises(TransportUnavailable):
        SmtpTransport(f"smtp://127.0.0.1:{free_port()}", timeout=2).send(outgoing())


@pytest.mark.parametrize("url", ["smtps://127.0.0.1:{port}", "smtp://127.0.0.1:{port}?starttls=1"])
def test_tls_asked_of_a_server_without_it_is_unavailable(smtp: SmtpServer, url: str) -> None:
    with pytest.raises(TransportUnavailable):
        SmtpTransport(url.format(port=smtp.port), timeout=2).send(outgoing())
    assert smtp.messages == []


def test_one_connection_carries_a_batch(smtp: SmtpServer) -> None:
    transport = SmtpTransport(smtp.url)
    for i in range(3):
        transport.send(outgoing(f"reader{i}@example.com"))
    transport.close()
    assert len({m.to for m in smtp.messages}) == 3
