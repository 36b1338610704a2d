"""Outbox worker throughput: messages a second sent over SMTP to a local aiosmtpd.

Run: ``.venv/bin/python tests/benchmarks/bench_worker.py`` (PostgreSQL on 127.0.0.1:5432 for
the second figure). Prints one JSON line per database: ``{"name", "median", "unit", "runs"}``
where ``median`` is messages a second over ``RUNS`` drains of ``MESSAGES`` invitations each
(claim, SMTP send, mark sent: the whole path, one worker). Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: make ``server`` and ``tests`` importable
    sys.path.insert(0, str(ROOT))

from server import create_app  # noqa: E402
from server.accounts.models import Account  # noqa: E402
from server.clock import utcnow  # noqa: E402
from server.db import get_session  # noqa: E402
from server.migrate import upgrade  # noqa: E402
from server.notifications import messages  # noqa: E402
from server.notifications.outbox import enqueue  # noqa: E402
from server.notifications.settings import MailSettings  # noqa: E402
from server.notifications.worker import Worker  # noqa: E402
from tests.conftest import create_pg_database, drop_pg_database  # noqa: E402
from tests.notifications.factories import STAMP, make_meeting  # noqa: E402
from tests.smtp import SmtpServer  # noqa: E402

MESSAGES = 500
RUNS = 5


def measure(db_url: str, scratch: Path, smtp: SmtpServer) -> list[float]:
    """``RUNS`` figures of messages a second, each over a fresh batch of ``MESSAGES``."""
    app = create_app(
        {
            "RENDEZVOUS_DATABASE_URL": db_url,
            "RENDEZVOUS_INSTANCE_PATH": str(scratch / "instance"),
            "RENDEZVOUS_BASE_URL": "http://rendezvous.test",
            "RENDEZVOUS_SMTP_URL": smtp.url,
        }
    )
    settings = MailSettings.from_config(app.config)
    invitation = messages.invitation(make_meeting(), stamp=STAMP)
    rates = []
    try:
        with app.app_context():
            session = get_session()
            account = Account(name="Bench")
            session.add(account)
            session.commit()
            account_id = account.id
        worker = Worker.from_app(app)
        for _ in range(RUNS):
            with app.app_context():
                session = get_session()
                now = utcnow() - timedelta(seconds=1)
                for _ in range(MESSAGES):
                    enqueue(session, invitation, account_id=account_id, settings=settings, now=now)
                session.commit()
            received = smtp.count
            began = time.perf_counter()
            report = worker.drain()
            elapsed = time.perf_counter() - began
            # a fast but wrong run is no figure: every message arrived, and only once
            assert report.sent == MESSAGES and smtp.count - received == MESSAGES, report
            rates.append(MESSAGES / elapsed)
    finally:
        app.extensions["rendezvous.db"].kw["bind"].dispose()
    return rates


def emit(name: str, rates: list[float], database: str) -> None:
    line = {
        "name": name,
        "median": round(statistics.median(rates), 1),
        "unit": "msg/s",
        "runs": len(rates),
        "messages_per_run": MESSAGES,
        "database": database,
    }
    print(json.dumps(line), flush=True)


def main() -> None:
    smtp = SmtpServer(keep=False).start()  # counts only: measure the worker, not the parser
    try:
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / "bench.sqlite3"
            upgrade(f"sqlite:///{path}")
            emit(
                "worker_throughput_smtp",
                measure(f"sqlite:///{path}", Path(scratch), smtp),
                "sqlite",
            )
            name = "rendezvous_bench_worker"
            url = create_pg_database(name)
            try:
                rates = measure(url, Path(scratch), smtp)
            finally:
                drop_pg_database(name)
            emit("worker_throughput_smtp_postgresql", rates, "postgresql")
    finally:
        smtp.stop()


if __name__ == "__main__":
    main()
