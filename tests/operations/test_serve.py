"""Under ``rendezvous serve`` with two gunicorn workers, the metrics are the sums of both and
every request is one JSON line on stderr (SPEC §12), with real processes."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.servers import http_json, start_gunicorn

pytestmark = [pytest.mark.db, pytest.mark.xdist_group("gunicorn")]

REQUESTS = 40


def _healthz_count(base_url: str) -> float:
    status, text = http_json(base_url, "GET", "/metrics")
    assert status == 200
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "rendezvous_http_requests_total"
        and sample.labels["endpoint"] == "operations.healthz"
    )


def test_two_workers_metrics_are_summed_and_each_request_is_logged_once(db_url, tmp_path):
    with start_gunicorn(db_url, 2, tmp_path, via_cli=True) as base_url:
        ids = [f"probe-{n}" for n in range(REQUESTS)]

        def probe(request_id: str) -> int:
            return http_json(base_url, "GET", "/healthz", headers={"X-Request-Id": request_id})[0]

        with ThreadPoolExecutor(8) as pool:  # both workers busy at once: both answer some
            assert set(pool.map(probe, ids)) == {200}
        for _ in range(4):  # whichever worker answers the scrape, it counts both
            assert _healthz_count(base_url) == REQUESTS
    logged = [
        json.loads(line)
        for err in tmp_path.glob("gunicorn-*.err")
        for line in err.read_text().splitlines()
        if line.startswith("{")
    ]
    probes = [line for line in logged if line["path"] == "/healthz"]
    assert sorted(line["request_id"] for line in probes) == sorted(ids)
    assert {line["status"] for line in probes} == {200}
