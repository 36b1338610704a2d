"""On a fall-back day the clock reads 1:00 twice and the server offers both instants (SPEC
§11.1): the widget labels each with the offset the server sent, so the visitor can tell them
apart, and the confirmation says which one was booked (SPEC E5).

The link is in New York, open only on New York's next fall-back day after NOW (found from the
zone's rules, so this works whatever NOW is), from 00:30 to 03:00; the visitor is in New York.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.widget_steps import confirm, fill_details

NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUS = "\u2212"


@pytest.fixture
def context_options() -> dict[str, Any]:
    return {
        "viewport": {"width": 1024, "height": 800},
        "locale": "en-US",
        "timezone_id": "America/New_York",
    }


def _next_fall_back(after: date) -> date:
    """The first day after ``after`` on which New York's clock is turned back."""
    day = after + timedelta(days=1)
    while True:
        midnight = datetime.combine(day, time(0), tzinfo=NEW_YORK).utcoffset()
        next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=NEW_YORK)
        if next_midnight.utcoffset() < midnight:
            return day
        day += timedelta(days=1)


def _texts(locator: Any) -> list[str]:
    return [t.replace("\u202f", " ") for t in locator.all_inner_texts()]


@pytest.fixture
def fall_back_day(
    page, live_app, live_host, make_live_link, now
) -> Iterator[tuple[Any, date, dict[str, Any]]]:
    """The widget showing the fall-back day's times: (widget, day, link).

    Every link has the session's one host: what a test books here is cancelled after it, so
    the next test finds her free on that night again, in whatever order the tests run.
    """
    day = _next_fall_back(now.astimezone(NEW_YORK).date())
    link = make_live_link(
        timezone="America/New_York",
        availability={WEEKDAYS[day.weekday()]: [["00:30", "03:00"]]},
        window={"start_date": day.isoformat(), "end_date": day.isoformat()},
    )
    page.goto(f"{live_app.url}/meetings/{link['slug']}")
    scope = page.locator(".rendezvous-embed")
    scope.locator(".rdv-day").first.wait_for(timeout=20_000)
    cell = scope.locator(f".rdv-day[data-date='{day.isoformat()}']")
    for _ in range(13):
        if cell.count():
            break
        scope.get_by_role("button", name="Next month").click()
    cell.click()
    scope.locator(".rdv-slot").first.wait_for(timeout=15_000)
    yield scope, day, link
    token = live_host["token"]
    for booking in live_app.api("GET", f"/api/v1/bookings?link_id={link['id']}", token).json[
        "items"
    ]:
        if booking["status"] == "confirmed":
            cancelled = live_app.api("POST", f"/api/v1/bookings/{booking['id']}/cancel", token)
            assert cancelled.status_code == 200, cancelled.json


def test_each_time_of_the_fall_back_day_is_a_distinct_button(page, fall_back_day):
    scope, _day, _link = fall_back_day
    assert _texts(scope.locator(".rdv-slot")) == [
        "12:30 AM",
        f"1:00 AM GMT{MINUS}4",
        f"1:30 AM GMT{MINUS}4",
        f"1:00 AM GMT{MINUS}5",
        f"1:30 AM GMT{MINUS}5",
        "2:00 AM",
        "2:30 AM",
    ]
    assert page.js_errors == []


def test_the_two_one_oclocks_are_named_by_their_offsets(page, fall_back_day):
    scope, day, _link = fall_back_day
    for offset, start in ((f"GMT{MINUS}4", "01:00:00-04:00"), (f"GMT{MINUS}5", "01:00:00-05:00")):
        button = scope.get_by_role("button", name=f"1:00\u202fAM {offset}", exact=True)
        expect(button).to_have_attribute("data-start", f"{day}T{start}")


def test_booking_the_second_one_oclock_books_the_standard_time_instant_and_says_so(
    page, live_app, live_host, fall_back_day
):
    scope, day, link = fall_back_day
    scope.get_by_role("button", name=f"1:00\u202fAM GMT{MINUS}5", exact=True).click()
    expect(scope.locator(".rdv-summary")).to_contain_text(f"GMT{MINUS}5")
    fill_details(scope)
    confirm(scope)

    (booking,) = live_app.api(
        "GET", f"/api/v1/bookings?link_id={link['id']}", live_host["token"]
    ).json["items"]
    est = datetime.combine(day, time(1, fold=1), tzinfo=NEW_YORK).astimezone(UTC)
    assert datetime.fromisoformat(booking["start"]) == est
    when = scope.locator(".rdv-details").inner_text().replace("\u202f", " ")
    assert f"1:00 AM GMT{MINUS}5 – 1:30 AM" in when
    assert page.js_errors == []


def test_the_manage_page_of_a_standard_time_reading_says_gmt_minus_5(page, fall_back_day):
    scope, _day, _link = fall_back_day
    scope.get_by_role("button", name=f"1:30\u202fAM GMT{MINUS}5", exact=True).click()
    fill_details(scope)
    confirm(scope)
    manage_url = scope.get_by_role("link", name="Reschedule or cancel").get_attribute("href")

    page.goto(manage_url)
    expect(scope.get_by_role("heading", name="Your meeting")).to_be_visible(timeout=20_000)
    when = scope.locator(".rdv-details").inner_text().replace("\u202f", " ")
    assert f"1:30 AM GMT{MINUS}5 – 2:00 AM" in when
    assert page.js_errors == []
