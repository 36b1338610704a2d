"""GET slots under load (issue 14.4): throughput and latency at concurrency 1, 8 and 64.

Run: ``.venv/bin/python tests/benchmarks/bench_slots_load.py`` (``make bench`` installs
Debian's ``wrk``; PostgreSQL on 127.0.0.1:5432). One host's link, open 08:00–20:00 every day
on a 15-minute grid for 10 rolling weeks, holds 2,000 bookings (about 1,000 in the 5 weeks
asked for); ``wrk`` (C, bounded: a fixed number of connections, 127.0.0.1 only) asks for
those 5 weeks against 2 gunicorn sync workers, on SQLite and on PostgreSQL, and against a
Flask "hello" on the same settings in the same run: the floor.

Prints one JSON line per figure: ``{"name", "median", "unit", "runs"}``: requests per second,
p50 and p99 in ms, each the median of ``RUNS`` runs. A run with any non-2xx answer or socket
error fails the benchmark, so a fast but broken server can't pass for a good one.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: make ``server`` and ``tests`` importable
    sys.path.insert(0, str(ROOT))

from server.migrate import upgrade  # noqa: E402
from tests.conftest import create_pg_database  # noqa: E402
from tests.servers import BIN, free_port, seed_host_and_link, start_gunicorn  # noqa: E402

WORKERS = 2
BOOKINGS = 2000
WEEKS = 10
ASKED_DAYS = 35
CONCURRENCY = (1, 8, 64)
RUNS = 3
SECONDS = 4
TZ = "Europe/Paris"
OPEN = [["08:00", "20:00"]]
LINK = {
    "name": "Load",
    "durations": [15],
    "slot_interval_minutes": 15,
    "timezone": TZ,
    "availability": {d: OPEN for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    "window": {"rolling_weeks": WEEKS},
    "minimum_notice_minutes": 0,
}


def emit(name: str, values: list[float], unit: str) -> None:
    median = round(statistics.median(values), 3)
    print(json.dumps({"name": name, "median": median, "unit": unit, "runs": len(values)}))


def _grid(first: date, days: int) -> list[datetime]:
    """Every 15-minute start the link offers on ``days`` days from ``first``."""
    zone = ZoneInfo(TZ)
    starts = []
    for n in range(days):
        day = first + timedelta(days=n)
        opening = datetime.combine(day, time(8), tzinfo=zone)
        starts += [(opening + timedelta(minutes=15 * i)).astimezone(UTC) for i in range(48)]
    return starts


def seed(db_url: str, instance: Path) -> str:
    """The host and the link through the host API, then its 2,000 bookings written as the
    booking service writes them (a booking, the time it holds, one visitor), in one
    transaction: a visitor's path per booking would take minutes. Returns the link's slug."""
    from server import create_app
    from server.bookings.models import Booking, BookingHost
    from server.contacts.models import Contact
    from server.db import get_session
    from server.links.services import get_public_link
    from server.tokens import new_token, token_hash

    seeded = seed_host_and_link(db_url, instance_path=instance, **LINK)
    app = create_app(
        {
            "RENDEZVOUS_DATABASE_URL": db_url,
            "RENDEZVOUS_INSTANCE_PATH": str(instance),
            "RENDEZVOUS_RATELIMIT_ENABLED": False,
        }
    )
    tomorrow = datetime.now(ZoneInfo(TZ)).date() + timedelta(days=1)
    grid = _grid(tomorrow, WEEKS * 7 - 1)
    chosen = [grid[int(i * len(grid) / BOOKINGS)] for i in range(BOOKINGS)]
    with app.app_context():
        session = get_session()
        link = get_public_link(session, seeded.slug)
        contact = Contact(
            account_id=link.account_id,
            email="load@example.com",
            first_name="Load",
            last_name="Test",
        )
        session.add(contact)
        for start in chosen:
            end = start + timedelta(minutes=15)
            booking = Booking(
                account_id=link.account_id,
                link_id=link.id,
                host_id=link.owner_id,
                contact=contact,
                start_at=start,
                end_at=end,
                duration_minutes=15,
                timezone=TZ,
                status="confirmed",
                answers={},
                consent={},
                utm={},
                manage_token_hash=token_hash(new_token()),
                sequence=0,
            )
            booking.attendees.append(BookingHost(user_id=link.owner_id, start_at=start, end_at=end))
            session.add(booking)
        session.commit()
    return seeded.slug


def slots_path(slug: str) -> str:
    monday = date.today() + timedelta(days=7 - date.today().weekday())  # noqa: DTZ011
    query = urlencode(
        {"start": monday, "end": monday + timedelta(days=ASKED_DAYS - 1), "timezone": TZ}
    )
    return f"/api/v1/public/links/{slug}/slots?{query}"


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(url: str, connections: int, seconds: int) -> dict[str, float]:
    """One ``wrk`` run: requests per second, p50 and p99 (ms).

    :raise RuntimeError: any non-2xx answer, socket error or timeout.
    """
    threads = min(2, connections)
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    argv += ["--latency", url]
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw failures:\n{out}")
    percentiles = dict(re.findall(r"^\s*(50|99)(?:\.0+)?%\s+(\S+)\s*$", out, re.M))
    if set(percentiles) != {"50", "99"}:
        raise RuntimeError(f"wrk printed no 50% and 99% latencies:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return {"rps": rps, "p50": _ms(percentiles["50"]), "p99": _ms(percentiles["99"])}


def load(name: str, url: str) -> dict[int, float]:
    """Each concurrency: a warm-up, then ``RUNS`` runs; the figures' medians. Returns the
    requests per second by concurrency."""
    throughput = {}
    for connections in CONCURRENCY:
        wrk(url, connections, 1)  # warm: imports, connections, caches
        runs = [wrk(url, connections, SECONDS) for _ in range(RUNS)]
        rps = [r["rps"] for r in runs]
        emit(f"{name}_c{connections}_rps", rps, "req/s")
        emit(f"{name}_c{connections}_p50", [r["p50"] for r in runs], "ms")
        emit(f"{name}_c{connections}_p99", [r["p99"] for r in runs], "ms")
        throughput[connections] = statistics.median(rps)
    return throughput


HELLO = textwrap.dedent(
    """
    from flask import Flask

    app = Flask(__name__)


    @app.get("/")
    def hello():
        return "hello"
    """
)


@contextmanager
def hello_server(workdir: Path) -> Iterator[str]:
    """A Flask "hello" under gunicorn, with the same workers and binding."""
    from tests.servers import _answers, _stop

    (workdir / "hello_app.py").write_text(HELLO)
    port = free_port()
    argv = [str(BIN / "gunicorn"), "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "hello_app:app"]
    process = subprocess.Popen(
        argv, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            if _answers(base, "/"):
                break
            subprocess.run(["sleep", "0.1"], check=True)
        yield base
    finally:
        _stop(process)


def run(kind: str, db_url: str, workdir: Path) -> dict[int, float]:
    slug = seed(db_url, workdir / "instance")
    with start_gunicorn(db_url, WORKERS, workdir) as base_url:
        return load(f"slots_load_{kind}", base_url + slots_path(slug))


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: `make bench` installs it (apt-get install wrk)")
    with tempfile.TemporaryDirectory(prefix="rendezvous-load-") as scratch:
        workdir = Path(scratch)
        with hello_server(workdir) as hello:
            floor = load("hello_floor", hello + "/")
        sqlite_url = f"sqlite:///{workdir / 'load.sqlite3'}"
        upgrade(sqlite_url)
        figures: dict[str, Any] = {"sqlite": run("sqlite", sqlite_url, workdir / "sqlite")}
        pg_url = create_pg_database("rendezvous_load")
        figures["postgresql"] = run("postgresql", pg_url, workdir / "postgresql")
        for kind, throughput in figures.items():
            share = [throughput[64] / floor[64]]
            emit(f"slots_load_{kind}_c64_share_of_hello", share, "ratio")


if __name__ == "__main__":
    main()
