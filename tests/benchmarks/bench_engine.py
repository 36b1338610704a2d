"""How fast the availability engine answers for a whole window (run: python bench_engine.py).

Prints one JSON line per figure: ``{"name": ..., "median": ms, "unit": "ms", "runs": N}``.
Goals: one host with 2,000 busy intervals ≤ 2 ms; round robin over 25 hosts × 400 ≤ 20 ms.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time as clock
from collections.abc import Callable
from datetime import date, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: make ``server`` importable
    sys.path.insert(0, str(ROOT))

from server.availability.engine import free_slots, local_day_range, team_slots  # noqa: E402
from server.availability.intervals import Interval  # noqa: E402
from server.availability.rules import SlotRules, Window  # noqa: E402

WARMUP = 5
RUNS = 50
FIRST_DAY = date(2027, 3, 1)  # a Monday; the 10 weeks cross Paris's switch to summer time
LAST_DAY = FIRST_DAY + timedelta(weeks=10, days=-1)
ZONE = "Europe/Paris"

RULES = SlotRules(
    timezone=ZONE,
    weekly_hours={weekday: ((time(9), time(17)),) for weekday in range(5)},
    duration_minutes=30,
    buffer_before_minutes=10,
    buffer_after_minutes=10,
    window=Window(rolling_weeks=None, start_date=FIRST_DAY, end_date=LAST_DAY),
)
RANGE_START, RANGE_END = local_day_range(FIRST_DAY, LAST_DAY, ZONE)
NOW = RANGE_START - timedelta(days=1)


def random_busy(rng: random.Random, count: int) -> list[Interval]:
    """``count`` meetings of 15–60 minutes at random 5-minute marks anywhere in the window."""
    marks = int((RANGE_END - RANGE_START) / timedelta(minutes=5))
    busy = []
    for _ in range(count):
        start = RANGE_START + timedelta(minutes=5 * rng.randrange(marks))
        busy.append(Interval(start, start + timedelta(minutes=rng.choice((15, 30, 45, 60)))))
    return busy


def median_ms(run: Callable[[], object]) -> float:
    for _ in range(WARMUP):
        run()
    timings = []
    for _ in range(RUNS):
        began = clock.perf_counter()
        run()
        timings.append((clock.perf_counter() - began) * 1000)
    return statistics.median(timings)


def report(name: str, run: Callable[[], object]) -> None:
    figure = {"name": name, "median": round(median_ms(run), 3), "unit": "ms", "runs": RUNS}
    print(json.dumps(figure), flush=True)


def main() -> None:
    rng = random.Random(20270301)
    one_host = random_busy(rng, 2000)
    team = {host: random_busy(rng, 400) for host in range(1, 26)}

    report(
        "engine_one_host_10_weeks_2000_busy",
        lambda: free_slots(RULES, one_host, NOW, RANGE_START, RANGE_END),
    )
    report(
        "engine_round_robin_25_hosts_400_busy",
        lambda: team_slots("round_robin", RULES, team, NOW, RANGE_START, RANGE_END),
    )
    report(
        "engine_group_25_hosts_400_busy",
        lambda: team_slots("group", RULES, team, NOW, RANGE_START, RANGE_END),
    )


if __name__ == "__main__":
    main()
