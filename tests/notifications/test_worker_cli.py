"""``rendezvous worker``: the command ``make run`` starts beside the server (N1).

Run as a real process, the way a deployment runs it: ``--once`` for cron-like use, and the
loop that stops cleanly on SIGTERM without losing what it had claimed.
"""

from __future__ import annotations

import email
import email.policy
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.notifications.conftest import book, offered, outbox
from tests.servers import BIN, ROOT, server_env
from tests.smtp import SmtpServer

pytestmark = [pytest.mark.db, pytest.mark.slow]


def worker_env(db_url: str | None, tmp_path: Path, **settings: str) -> dict[str, str]:
    env = server_env(db_url, tmp_path / "worker-instance", "http://rendezvous.test")
    env.update(settings)
    return env


def test_worker_once_writes_eml_files_without_smtp(client, make_link, app, db_url, tmp_path):
    link = make_link()
    book(client, link, offered(client, link)[0])
    mail_dir = tmp_path / "mail"
    done = subprocess.run(
        [str(BIN / "rendezvous"), "worker", "--once"],
        cwd=ROOT,
        env=worker_env(db_url, tmp_path, RENDEZVOUS_MAIL_DIR=str(mail_dir)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Sent 2" in done.stdout
    files = sorted(mail_dir.glob("*.eml"))
    assert len(files) == 2
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert parsed["To"].addresses[0].addr_spec == "ada@example.com"
    assert {r.status for r in outbox(app, kind="invitation")} == {"sent"}


def test_worker_sends_while_running_and_stops_cleanly_on_sigterm(
    client, make_link, app, db_url, tmp_path, smtp: SmtpServer
):
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(BIN / "rendezvous"), "worker", "--interval", "0.2"],
            cwd=ROOT,
            env=worker_env(db_url, tmp_path, RENDEZVOUS_SMTP_URL=smtp.url),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        link = make_link()
        book(client, link, offered(client, link)[0])
        deadline = time.monotonic() + 20
        while len(smtp.messages) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(smtp.messages) == 2, log.read_text()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "worker stopped" in log.read_text()


def test_a_bad_smtp_url_is_a_clear_error(tmp_path):
    done = subprocess.run(
        [str(BIN / "rendezvous"), "worker", "--once"],
        cwd=ROOT,
        env=worker_env(None, tmp_path, RENDEZVOUS_SMTP_URL="http://mail.example.com"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "RENDEZVOUS_SMTP_URL must start with smtp:// or smtps://" in done.stderr
