"""Concurrent host writes on SQLite wait for each other instead of answering 503 "database is
locked" (issue 12.6): every unit of work takes the write lock when it begins (``BEGIN
IMMEDIATE``), so no transaction that read first fails on upgrading to a writer. Against a
4-worker gunicorn, on both databases."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.servers import http_json, seed_host_and_links, start_gunicorn

pytestmark = [pytest.mark.slow, pytest.mark.db]

WORKERS = 4
WRITERS = 160


def test_a_hundred_and_sixty_simultaneous_host_writes_all_succeed(
    db_url: str, tmp_path: Path
) -> None:
    seeded = seed_host_and_links(
        db_url,
        *({"name": f"Link {n}"} for n in range(8)),
        instance_path=tmp_path / "instance",
    )
    with start_gunicorn(db_url, WORKERS, tmp_path) as base_url:
        barrier = threading.Barrier(WRITERS)

        def edit(n: int) -> int:
            link = seeded.links[n % len(seeded.links)]
            barrier.wait(timeout=60)
            if n % 4 == 0:  # a new link: a read (free slug) then a write
                body = {"name": f"New {n}", "durations": [30], "timezone": "Europe/Paris"}
                status, _ = http_json(base_url, "POST", "/api/v1/links", body, seeded.headers)
                return 201 if status == 201 else status
            status, _ = http_json(
                base_url,
                "PATCH",
                f"/api/v1/links/{link['id']}",
                {"description": f"Edited by writer {n}"},
                seeded.headers,
            )
            return status

        with ThreadPoolExecutor(max_workers=WRITERS) as pool:
            statuses = list(pool.map(edit, range(WRITERS)))
    assert Counter(statuses) == {200: WRITERS * 3 // 4, 201: WRITERS // 4}
