"""`rendezvous worker` keeps calendars fresh: a feed changed since it was connected is read
again once its sync is due, beside the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.calendars.models import CalendarBusy
from server.cli import worker
from server.clock import set_now
from server.db import get_session
from tests.calendars.test_ics_feeds import DENTIST, connect, feed  # noqa: F401
from tests.conftest import NOW

pytestmark = pytest.mark.db


def summaries(app) -> list[str]:
    with app.app_context():
        return list(get_session().scalars(select(CalendarBusy.summary)))


def test_the_worker_reads_a_feed_again_when_its_sync_is_due(app, host, feed):  # noqa: F811
    app.config["RENDEZVOUS_CALENDAR_ALLOW_PRIVATE_HOSTS"] = True
    connect(app, host, feed.url)
    feed.body = DENTIST.replace(b"SUMMARY:Dentist", b"SUMMARY:Physio")
    runner = app.test_cli_runner()
    early = runner.invoke(worker, ["--once"])
    assert "0 calendar(s) synced" in early.output, early.output
    assert summaries(app) == ["Dentist"]
    set_now(NOW + timedelta(minutes=15))
    due = runner.invoke(worker, ["--once"])
    assert "1 calendar(s) synced" in due.output, due.output
    assert summaries(app) == ["Physio"]


def test_the_worker_leaves_the_cache_when_the_feed_is_down(app, host, feed):  # noqa: F811
    app.config["RENDEZVOUS_CALENDAR_ALLOW_PRIVATE_HOSTS"] = True
    connect(app, host, feed.url)
    feed.status = 503
    set_now(NOW + timedelta(minutes=15))
    result = app.test_cli_runner().invoke(worker, ["--once"])
    assert result.exit_code == 0, result.output
    assert summaries(app) == ["Dentist"]
