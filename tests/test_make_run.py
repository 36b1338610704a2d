"""``make run`` end to end: init-db, demo, serve with gunicorn, and the printed URL works.

The Makefile runs ``rendezvous init-db``, ``rendezvous demo`` and ``rendezvous serve`` on the
default SQLite database under the instance folder. Unit tests never take that path (they
pass a database URL), so a broken default, console script or printed URL would go unseen.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from server.clock import utcnow
from tests.servers import BIN, ROOT, free_port, http_json, server_env, start_gunicorn

pytestmark = pytest.mark.slow


def _rendezvous(command: str, env: dict[str, str], *options: str) -> str:
    done = subprocess.run(
        [str(BIN / "rendezvous"), command, *options],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, f"rendezvous {command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_slots_url_printed_by_demo_answers_with_slots_around_the_sample_agenda(
    tmp_path: Path,
) -> None:
    # RENDEZVOUS_BASE_URL names the port the server will bind, as `make run` does with
    # HOST:PORT, so the URL demo prints is used exactly as printed.
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = server_env(None, tmp_path / "instance", base_url)  # no RENDEZVOUS_DATABASE_URL

    _rendezvous("init-db", env)
    assert (tmp_path / "instance" / "rendezvous.sqlite3").is_file()
    printed = _rendezvous("demo", env)
    match = re.search(r"^Slots:\s+(\S+)$", printed, re.MULTILINE)
    assert match, printed
    slots_url = match.group(1)
    assert slots_url.startswith(f"{base_url}/api/v1/public/links/"), printed
    assert f"{base_url}/demo/calendar.ics" in printed

    with start_gunicorn(None, 2, tmp_path, port=port, via_cli=True) as served:
        assert served == base_url
        parts = urlsplit(slots_url)
        status, body = http_json(served, "GET", f"{parts.path}?{parts.query}")
        assert status == 200, body
        # the worker reads the feed from the server itself, as `make run` lets it
        later = (utcnow() + timedelta(minutes=20)).isoformat()
        worker_env = {
            **env,
            "RENDEZVOUS_NOW": later,
            "RENDEZVOUS_CALENDAR_ALLOW_PRIVATE_HOSTS": "1",
        }
        synced = _rendezvous("worker", worker_env, "--once")

    offered = {datetime.fromisoformat(slot) for slot in body["slots"]}
    assert offered
    local = [slot.astimezone(ZoneInfo("Europe/Paris")) for slot in offered]
    # the sample agenda's stand-up, every weekday 09:30–10:00 Paris time, is never offered
    assert not [s for s in local if (s.hour, s.minute) == (9, 30)]
    assert [s for s in local if (s.hour, s.minute) == (9, 0)]
    assert "1 calendar(s) synced" in synced, synced
    with closing(sqlite3.connect(tmp_path / "instance" / "rendezvous.sqlite3")) as db:
        ((status, etag),) = db.execute(
            "SELECT c.status, k.etag FROM calendar_connections c JOIN calendars k"
            " ON k.connection_id = c.id"
        ).fetchall()
    assert status == "connected"
    assert etag  # the feed's ETag, so it was fetched over HTTP from the server
