"""The rate limiter's storage and settings (issue 12.2): the machine's counter file is exact
across processes, a window starts over, Redis being down loses no request, PostgreSQL without
Redis says so at start, and a mistyped proxy count stops the start."""

from __future__ import annotations

import logging
import multiprocessing
import time
from pathlib import Path

import pytest

from server import create_app
from server.config import InvalidSetting
from server.limiter import MachineStorage
from tests.servers import free_port, seed_host_and_link


def _count(path: str, times: int, queue: multiprocessing.Queue) -> None:
    storage = MachineStorage(f"sqlite:///{path}")
    queue.put([storage.incr("login/1.2.3.4", 60) for _ in range(times)])


def test_machine_counters_are_exact_across_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "ratelimits.sqlite3")
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_count, args=(path, 150, queue)) for _ in range(4)]
    for worker in workers:
        worker.start()
    seen = [value for _ in workers for value in queue.get(timeout=60)]
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(seen) == list(range(1, 601))  # no increment lost, none counted twice
    assert MachineStorage(f"sqlite:///{path}").get("login/1.2.3.4") == 600


def test_a_machine_counter_starts_over_when_its_window_ends(tmp_path: Path) -> None:
    storage = MachineStorage(f"sqlite:///{tmp_path / 'ratelimits.sqlite3'}")
    assert [storage.incr("k", 1) for _ in range(3)] == [1, 2, 3]
    assert storage.get_expiry("k") > time.time()
    time.sleep(1.05)
    assert storage.get("k") == 0
    assert storage.incr("k", 1) == 1


def _app(tmp_path: Path, db_url: str, **settings: object):
    return create_app(
        {
            "TESTING": True,
            "RENDEZVOUS_DATABASE_URL": db_url,
            "RENDEZVOUS_INSTANCE_PATH": str(tmp_path / "instance"),
            "RENDEZVOUS_RATELIMIT_ENABLED": True,
            **settings,
        }
    )


@pytest.mark.db
def test_redis_down_loses_no_request_and_still_limits(db_url: str, tmp_path: Path) -> None:
    """Counting falls back to the process's memory while Redis can't be reached."""
    slug = seed_host_and_link(db_url, instance_path=tmp_path / "seed").slug
    app = _app(
        tmp_path,
        db_url,
        RENDEZVOUS_RATELIMIT_STORAGE_URL=f"redis://127.0.0.1:{free_port()}",
        RENDEZVOUS_PUBLIC_RATE_LIMIT="3 per minute",
    )
    client = app.test_client()
    statuses = [client.get(f"/api/v1/public/links/{slug}").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_postgresql_without_redis_warns_at_start(
    pg_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="server.limiter"):
        _app(tmp_path, pg_url)
    assert any("counted per machine" in r.getMessage() for r in caplog.records)


def test_postgresql_with_redis_does_not_warn(
    pg_url: str, redis_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="server.limiter"):
        _app(tmp_path, pg_url, RENDEZVOUS_RATELIMIT_STORAGE_URL=redis_url)
    assert not [r for r in caplog.records if r.name == "server.limiter"]


@pytest.mark.parametrize("count", ["-1", "two", "11"])
def test_a_mistyped_proxy_count_stops_the_start(tmp_path: Path, count: str) -> None:
    with pytest.raises(InvalidSetting, match="RENDEZVOUS_PROXY_COUNT"):
        _app(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", RENDEZVOUS_PROXY_COUNT=count)
