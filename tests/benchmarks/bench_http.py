"""HTTP benchmark: GET slots latency and the 48-booker race, through gunicorn, per database.

Run: ``.venv/bin/python tests/benchmarks/bench_http.py`` (PostgreSQL on 127.0.0.1:5432).
Prints one JSON line per figure: ``{"name", "median", "unit", "p90", "runs"}``; the race
lines carry the outcome (``created``, ``conflicts``, ``errors``) so a fast but wrong run
can't pass for a good one. Goal: GET slots p50 ≤ 15 ms.

The numbers are end to end (client, gunicorn sync worker, Flask, the engine, the database)
because that is what a visitor waits for; the engine's own figures are measured elsewhere.
"""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: make ``server`` and ``tests`` importable
    sys.path.insert(0, str(ROOT))

from server.migrate import upgrade  # noqa: E402
from tests.conftest import create_pg_database  # noqa: E402
from tests.servers import (  # noqa: E402
    http_json,
    race_bookings,
    seed_host_and_link,
    start_gunicorn,
)

WORKERS = 2
EXISTING_BOOKINGS = 200
WARMUP = 30
RUNS = 300
RACERS = 48
TZ = "Europe/Paris"


def emit(name: str, samples_ms: list[float], **extra: Any) -> None:
    samples = sorted(samples_ms)
    line = {
        "name": name,
        "median": round(statistics.median(samples), 3),
        "unit": "ms",
        "p90": round(samples[min(len(samples) - 1, int(0.9 * len(samples)))], 3),
        "runs": len(samples),
        **extra,
    }
    print(json.dumps(line), flush=True)


def slots(base_url: str, slug: str, start: date, end: date) -> list[str]:
    query = urlencode({"start": start, "end": end, "timezone": TZ})
    status, body = http_json(base_url, "GET", f"/api/v1/public/links/{slug}/slots?{query}")
    if status != 200:
        raise RuntimeError(f"GET slots answered {status}: {body}")
    return body["slots"]


def book_existing(base_url: str, slug: str) -> list[str]:
    """~200 bookings spread evenly over the 4-week window, made through the public API so
    the busy data has the shape real traffic gives it. Returns the starts still free."""
    today = date.today()  # noqa: DTZ011 - the window is in local dates anyway
    offered = slots(base_url, slug, today + timedelta(days=1), today + timedelta(days=27))
    if len(offered) < EXISTING_BOOKINGS + RACERS:
        raise RuntimeError(f"only {len(offered)} slots offered; the seed needs more")
    step = len(offered) / EXISTING_BOOKINGS
    chosen = {offered[int(i * step)] for i in range(EXISTING_BOOKINGS)}
    for i, start in enumerate(sorted(chosen)):
        status, body = http_json(
            base_url,
            "POST",
            f"/api/v1/public/links/{slug}/bookings",
            {
                "start": start,
                "duration": 30,
                "timezone": TZ,
                "first_name": "Seed",
                "last_name": str(i),
                "email": f"seed{i}@example.com",
            },
        )
        if status != 201:
            raise RuntimeError(f"seeding booking {start} answered {status}: {body}")
    return [s for s in offered if s not in chosen]


def time_get_slots(base_url: str, slug: str) -> list[float]:
    """300 sequential requests for next week (Mon–Sun), one client, reusing its connection.

    gunicorn's sync workers close every connection after the response, so http.client
    reconnects each time; that connect is part of what a visitor pays too.
    """
    monday = date.today() + timedelta(days=7 - date.today().weekday())  # noqa: DTZ011
    path = f"/api/v1/public/links/{slug}/slots?" + urlencode(
        {"start": monday, "end": monday + timedelta(days=6), "timezone": TZ}
    )
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    samples: list[float] = []
    try:
        for i in range(WARMUP + RUNS):
            began = time.perf_counter()
            conn.request("GET", path, headers={"Accept": "application/json"})
            response = conn.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - began) * 1000
            if response.status != 200 or not json.loads(body)["slots"]:
                raise RuntimeError(f"GET slots answered {response.status}: {body[:300]!r}")
            if i >= WARMUP:
                samples.append(elapsed)
    finally:
        conn.close()
    return samples


def run(kind: str, db_url: str, workdir: Path) -> None:
    seeded = seed_host_and_link(db_url, name="Bench", instance_path=workdir / "instance")
    with start_gunicorn(db_url, WORKERS, workdir) as base_url:
        free = book_existing(base_url, seeded.slug)
        emit(f"http_get_slots_{kind}_p50", time_get_slots(base_url, seeded.slug))

        race = race_bookings(base_url, seeded.slug, [free[len(free) // 2]] * RACERS, timezone=TZ)
        outcome = Counter(race.statuses())
        emit(
            f"booking_race_{kind}",
            [race.wall_ms],
            created=outcome[201],
            conflicts=outcome[409],
            errors=sum(n for status, n in outcome.items() if status not in (201, 409)),
        )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="rendezvous-bench-") as scratch:
        workdir = Path(scratch)
        sqlite_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        upgrade(sqlite_url)
        run("sqlite", sqlite_url, workdir / "sqlite")
        run("postgresql", create_pg_database("rendezvous_bench"), workdir / "postgresql")


if __name__ == "__main__":
    main()
