"""The troubleshooter: every candidate time of a day, with the engine's reasons."""

from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import next_weekday
from tests.dashboard.conftest import book, text

pytestmark = pytest.mark.db

PARIS = ZoneInfo("Europe/Paris")


def reasons_by_time(page: str) -> dict[str, list[str]]:
    rows = re.findall(
        r'<tr class="(?:not-)?offered">\s*<th scope="row">(\d\d:\d\d)</th>(.*?)</tr>', page, re.S
    )
    return {hhmm: re.findall(r'data-reason="([a-z_]+)"', cells) for hhmm, cells in rows}


def test_each_time_of_a_day_says_why_it_is_or_isnt_offered(signed_in, client, make_link):
    link = make_link(availability={"mon": [["09:00", "12:00"]]}, buffer_before_minutes=30)
    monday = next_weekday(0)
    book(client, link, start=datetime.combine(monday, time(10), PARIS).isoformat())
    page = text(signed_in.get(f"/app/links/{link['id']}/troubleshoot?day={monday}"))
    reasons = reasons_by_time(page)
    assert len(reasons) == 48  # every 30 minutes of the day
    assert reasons["08:00"] == ["off_grid"]  # outside hours
    assert reasons["09:00"] == []  # offered
    assert reasons["10:00"] == ["busy"]  # already booked
    assert reasons["10:30"] == ["buffer"]  # the buffer before it touches the 10:00 meeting
    assert reasons["11:30"] == []
    assert "Outside hours" in page or "outside hours" in page


def test_times_already_gone_are_too_soon(signed_in, make_link, now):
    link = make_link(
        availability={
            d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        },
        minimum_notice_minutes=24 * 60,
    )
    today = now.astimezone(PARIS).date()
    reasons = reasons_by_time(
        text(signed_in.get(f"/app/links/{link['id']}/troubleshoot?day={today}"))
    )
    assert all("minimum_notice" in r for r in reasons.values())


def test_a_bad_day_or_duration_is_explained(signed_in, make_link, now):
    link = make_link()
    response = signed_in.get(f"/app/links/{link['id']}/troubleshoot?day=someday&duration=7")
    assert response.status_code == 422
    page = text(response)
    assert "Give a date such as" in page and "Choose one of [30] minutes." in page
    assert f"{now.astimezone(PARIS):%Y}" in page  # falls back to today
