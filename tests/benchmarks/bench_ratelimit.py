"""What shared rate-limit counters cost: GET slots throughput with the limiter on and off, in
the same run (issue 12.2). Goal: on costs at most a few percent.

Run: ``.venv/bin/python tests/benchmarks/bench_ratelimit.py`` (PostgreSQL and Redis up).

Per database, two 2-worker gunicorns run side by side on the same data: one with limits off,
one with them on (SQLite: the machine's counter file; PostgreSQL: Redis). The load alternates
between them, off/on/off/on…, so drift on the machine falls on both alike. Each round is a
fixed time of 16 concurrent clients asking for a week of slots; a new connection per request,
as gunicorn's sync workers close it. Two loads: one client address (a widget's visitor, or a
scraper: reads are counted in batches) and a new address for every request (a crowd: every
read is a first read, one storage round trip each; ``X-Forwarded-For`` behind one trusted
proxy). Prints one JSON line per figure: ``{"name", "median", "unit", "runs", …}``, the cost
lines carrying both medians.
"""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: make ``server`` and ``tests`` importable
    sys.path.insert(0, str(ROOT))

from server.migrate import upgrade  # noqa: E402
from tests.conftest import REDIS_URL, create_pg_database  # noqa: E402
from tests.servers import seed_host_and_link, start_gunicorn  # noqa: E402

WORKERS = 2
CLIENTS = 16
ROUND_SECONDS = 4.0
ROUNDS = 7
TZ = "Europe/Paris"
UNLIMITED = "1000000 per minute"  # counted, never reached: the cost without the refusals


def emit(name: str, median: float, unit: str, **extra: Any) -> None:
    print(json.dumps({"name": name, "median": round(median, 3), "unit": unit, **extra}))


def slots_path(slug: str) -> str:
    monday = date.today() + timedelta(days=7 - date.today().weekday())  # noqa: DTZ011
    query = urlencode({"start": monday, "end": monday + timedelta(days=6), "timezone": TZ})
    return f"/api/v1/public/links/{slug}/slots?{query}"


def throughput(base_url: str, path: str, seconds: float, *, crowd: bool = False) -> float:
    """Requests per second answered 200 by ``CLIENTS`` threads in ``seconds``; ``crowd``:
    each request from its own client address."""
    parts = urlsplit(base_url)
    stop_at = time.perf_counter() + seconds
    counts = [0] * CLIENTS
    failures: list[str] = []

    def client(n: int) -> None:
        sent = 0
        while time.perf_counter() < stop_at:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            headers = {"Accept": "application/json"}
            if crowd:
                sent += 1
                headers["X-Forwarded-For"] = f"10.{n}.{sent // 250 % 250}.{sent % 250}"
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(str(response.status))
                    return
                counts[n] += 1
            finally:
                conn.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"GET slots answered {failures[0]} under load")
    return sum(counts) / (time.perf_counter() - began)


def run(kind: str, db_url: str, workdir: Path, storage: dict[str, str]) -> None:
    seeded = seed_host_and_link(db_url, name="Bench", instance_path=workdir / "seed")
    path = slots_path(seeded.slug)
    proxied = {"RENDEZVOUS_PROXY_COUNT": "1"}
    limits_on = {
        "RENDEZVOUS_RATELIMIT_ENABLED": "1",
        "RENDEZVOUS_PUBLIC_RATE_LIMIT": UNLIMITED,
        **proxied,
        **storage,
    }
    with ExitStack() as stack:
        off = stack.enter_context(start_gunicorn(db_url, WORKERS, workdir / "off", env=proxied))
        on = stack.enter_context(start_gunicorn(db_url, WORKERS, workdir / "on", env=limits_on))
        for base_url in (off, on):  # warm both: imports, caches, connections
            throughput(base_url, path, 1.0)
        for load, crowd in (("one_client", False), ("crowd", True)):
            samples: dict[str, list[float]] = {"off": [], "on": []}
            for _ in range(ROUNDS):
                samples["off"].append(throughput(off, path, ROUND_SECONDS, crowd=crowd))
                samples["on"].append(throughput(on, path, ROUND_SECONDS, crowd=crowd))
            medians = {state: statistics.median(values) for state, values in samples.items()}
            for state, median in medians.items():
                name = f"get_slots_throughput_{kind}_{load}_limiter_{state}"
                emit(name, median, "req/s", runs=ROUNDS)
            emit(
                f"get_slots_limiter_cost_{kind}_{load}",
                100 * (1 - medians["on"] / medians["off"]),
                "%",
                runs=ROUNDS,
                storage=storage.get("RENDEZVOUS_RATELIMIT_STORAGE_URL", "machine file (SQLite)"),
                off=round(medians["off"], 1),
                on=round(medians["on"], 1),
            )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="rendezvous-bench-") as scratch:
        workdir = Path(scratch)
        sqlite_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        upgrade(sqlite_url)
        run("sqlite", sqlite_url, workdir / "sqlite", {})
        run(
            "postgresql",
            create_pg_database("rendezvous_bench_limits"),
            workdir / "postgresql",
            {"RENDEZVOUS_RATELIMIT_STORAGE_URL": f"{REDIS_URL}/15"},
        )


if __name__ == "__main__":
    main()
