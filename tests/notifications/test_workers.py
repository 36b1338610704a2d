"""Several workers drain one outbox side by side: nothing is sent twice, nothing is left.

On PostgreSQL each claim is ``SELECT … FOR UPDATE SKIP LOCKED``; on SQLite claims take the
database's write lock in turn. Each worker has its own engine, as separate processes would.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy.orm import sessionmaker

from server.clock import utcnow
from server.db import get_session, make_engine
from server.notifications.facts import Person
from server.notifications.messages import Email
from server.notifications.outbox import enqueue
from server.notifications.settings import MailSettings
from server.notifications.transports import SmtpTransport
from server.notifications.worker import Worker
from tests.notifications.conftest import outbox
from tests.smtp import SmtpServer

pytestmark = pytest.mark.db

MESSAGES = 500
WORKERS = 2


def seed_outbox(app: Flask, account_id: int, count: int) -> None:
    settings = MailSettings.from_config(app.config)
    now = utcnow() - timedelta(seconds=1)
    with app.app_context():
        session = get_session()
        for i in range(count):
            to = Person(f"Reader {i}", f"reader{i}@example.com", "UTC")
            email = Email("reminder", to, f"Message {i}", f"Text {i}\n", f"<p>{i}</p>", "en", "R")
            enqueue(session, email, account_id=account_id, settings=settings, now=now)
        session.commit()


def test_two_workers_drain_500_messages_none_twice_none_left(
    app: Flask, db_url: str, host, smtp: SmtpServer
) -> None:
    seed_outbox(app, host.account_id, MESSAGES)
    engines = [make_engine(db_url) for _ in range(WORKERS)]
    workers = [
        Worker(sessionmaker(engine, expire_on_commit=False), SmtpTransport(smtp.url), batch_size=10)
        for engine in engines
    ]
    sent = [0] * WORKERS
    errors: list[BaseException] = []
    barrier = threading.Barrier(WORKERS)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            while True:
                report = workers[index].drain()
                sent[index] += report.sent
                if report.claimed == 0:
                    return
        except BaseException as exc:  # surfaced below, with the thread's traceback
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for engine in engines:
        engine.dispose()

    assert not errors, errors
    assert sum(sent) == MESSAGES
    assert all(n > 0 for n in sent), sent  # both took part
    counts = Counter(m.to for m in smtp.messages)
    assert len(counts) == MESSAGES and set(counts.values()) == {1}
    assert set(smtp.message_id_counts().values()) == {1}
    assert Counter(r.status for r in outbox(app)) == Counter({"sent": MESSAGES})
