"""Several workers drain the webhook queue side by side, and ``rendezvous worker --once``
does the pass too.

As in the outbox's test (tests/notifications/test_workers.py): on PostgreSQL each claim is
``SELECT … FOR UPDATE SKIP LOCKED``; on SQLite claims take the database's write lock in
turn. Each worker has its own engine, as separate processes would.
"""

from __future__ import annotations

import subprocess
import threading
from collections import Counter

import pytest
from sqlalchemy.orm import sessionmaker

from server.calendars.fetch import limits_from_config
from server.db import make_engine
from server.webhooks.delivery import deliver_due
from tests.servers import BIN, ROOT, server_env
from tests.webhooks.conftest import create_webhook, deliveries

pytestmark = pytest.mark.db

DELIVERIES = 120
WORKERS = 2


def test_two_workers_draining_side_by_side_send_each_delivery_once(
    lan_app, client, host, db_url, receiver
):
    hook = create_webhook(client, host, receiver.url)
    for _ in range(DELIVERIES):
        assert (
            client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=host.headers).status_code
            == 202
        )
    receiver.delay = 0.002  # a receiver's own work: the claims overlap
    limits = limits_from_config(lan_app.config)
    engines = [make_engine(db_url) for _ in range(WORKERS)]
    delivered = [0] * WORKERS
    errors: list[BaseException] = []
    barrier = threading.Barrier(WORKERS)

    def run(index: int) -> None:
        try:
            with lan_app.app_context(), sessionmaker(engines[index], expire_on_commit=False)() as s:
                barrier.wait(timeout=10)
                delivered[index] = deliver_due(s, limits=limits, batch_size=5).delivered
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for engine in engines:
        engine.dispose()

    assert not errors, errors
    assert sum(delivered) == DELIVERIES
    assert all(n > 0 for n in delivered), delivered  # both took part
    counts = Counter(r.delivery for r in receiver.received)
    assert len(counts) == DELIVERIES and set(counts.values()) == {1}
    assert len(receiver.answered) == DELIVERIES  # no request at all was sent twice
    log = deliveries(client, host, hook["id"])
    assert Counter(d["status"] for d in log) == Counter({"delivered": DELIVERIES})


@pytest.mark.slow
def test_worker_once_delivers_the_due_webhooks(app, client, host, db_url, tmp_path, receiver):
    hook = create_webhook(client, host, receiver.url.replace("127.0.0.1", "localhost"))
    client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=host.headers)
    env = server_env(db_url, tmp_path / "instance", "http://rendezvous.test")  # the app's keys
    env["RENDEZVOUS_CALENDAR_ALLOW_PRIVATE_HOSTS"] = "1"  # the receiver is on this machine

    done = subprocess.run(
        [str(BIN / "rendezvous"), "worker", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert "webhooks: 1 delivered, 0 retrying, 0 failed" in done.stdout
    assert [r.event for r in receiver.received] == ["ping"]
