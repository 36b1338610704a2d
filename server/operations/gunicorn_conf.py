"""gunicorn's settings under ``rendezvous serve`` (``-c python:server.operations.gunicorn_conf``).

A worker that exits leaves its metric files behind; its live gauges must stop counting, so
prometheus_client is told which process is gone (its counters stay in the sums).
"""

from __future__ import annotations

from typing import Any


def child_exit(_server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
