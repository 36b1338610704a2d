"""Booking with the keyboard alone (SPEC E2): the WAI-ARIA date grid with one tabbable day,
focus moving to the first time, then the form, then the confirmation."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from server.clock import set_now
from tests.browser.widget_focus import focused, tab_until
from tests.browser.widget_steps import events, record_events, wait_ready

PARIS = ZoneInfo("Europe/Paris")
DAY_LABEL = re.compile(
    r"^[A-Z][a-z]+day, [A-Z][a-z]+ \d{1,2}, \d{4}, "
    r"(No times available|1 time available|\d+ times available)$"
)


def _open(page, examples_origin, link):
    record_events(page)
    page.goto(f"{examples_origin}/plain.html?slug={link['slug']}")
    wait_ready(page)


def _tabbable_days(page):
    return page.locator(".rendezvous-embed .rdv-day[tabindex='0']")


def test_keyboard_only_booking(page, examples_origin, make_live_link, live_app, live_host):
    link = make_live_link()
    _open(page, examples_origin, link)

    day = tab_until(page, lambda f: f["date"])
    assert _tabbable_days(page).count() == 1
    for _ in range(40):
        if not day["disabled"]:
            break
        page.keyboard.press("ArrowRight")
        day = focused(page)
    # (other tests of the session may have booked this host's day down to one time)
    assert DAY_LABEL.match(day["label"]) and "No times" not in day["label"]
    page.keyboard.press("Enter")

    first_time = focused(page)
    assert "rdv-slot" in first_time["cls"]
    page.keyboard.press("Enter")
    assert focused(page)["tag"] == "h3"

    for value in ("Ada", "Lovelace", "ada@example.com"):
        page.keyboard.press("Tab")
        page.keyboard.type(value)
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Confirm booking"
    page.keyboard.press("Enter")

    page.locator(".rendezvous-embed .rdv-ok").wait_for(timeout=15_000)
    assert "booked" in focused(page)["text"]
    booked = live_app.api("GET", f"/api/v1/bookings?link_id={link['id']}", live_host["token"]).json[
        "items"
    ]
    assert [b["contact"]["email"] for b in booked] == ["ada@example.com"]
    assert len(events(page, "booked")) == 1
    assert page.js_errors == []


def _press(page, key):
    """Press ``key`` on the grid; the one tabbable day is the focused one, with its label.

    A month beyond the first ten weeks is fetched when it is turned to: its days get their
    "times available" labels once its slots have come (the grid is ``aria-busy`` until then).
    """
    page.keyboard.press(key)
    page.locator(".rendezvous-embed table[role='grid']:not([aria-busy])").wait_for(timeout=15_000)
    now = focused(page)
    assert _tabbable_days(page).count() == 1
    assert _tabbable_days(page).get_attribute("data-date") == now["date"]
    assert DAY_LABEL.match(now["label"]), now["label"]
    return date.fromisoformat(now["date"])


def _sunday_of(day):
    return day - timedelta(days=day.isoweekday() % 7)  # en-US weeks start on Sunday


def test_arrows_home_end_and_page_keys_move_the_one_tabbable_day(
    page, examples_origin, make_live_link, now
):
    _open(page, examples_origin, make_live_link())
    start = date.fromisoformat(tab_until(page, lambda f: f["date"])["date"])
    today = now.astimezone(PARIS).date()
    first_shown = today.replace(day=1)  # the widget shows this month and the next twelve

    assert _press(page, "ArrowRight") == start + timedelta(days=1)
    assert _press(page, "ArrowDown") == start + timedelta(days=8)
    assert _press(page, "ArrowLeft") == start + timedelta(days=7)
    assert _press(page, "ArrowUp") == start
    week_start = _press(page, "Home")
    assert week_start == max(_sunday_of(start), first_shown)
    saturday = _press(page, "End")
    assert saturday == _sunday_of(week_start) + timedelta(days=6)
    later = _press(page, "PageDown")
    assert (later.year * 12 + later.month) - (saturday.year * 12 + saturday.month) == 1
    assert later.day == saturday.day or later.day < saturday.day  # clamped to the month's end
    assert _press(page, "PageUp").month == saturday.month
    assert page.js_errors == []


def test_keys_past_the_shown_months_stop_on_the_nearest_shown_day(
    page, examples_origin, make_live_link, now
):
    """Wednesday 2 December 2026: the week's Sunday is in November, which the widget can't
    show, so Home goes to 1 December; a year on, End stops on 31 December 2027."""
    wednesday = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    set_now(wednesday)
    page.clock.set_system_time(wednesday)
    _open(page, examples_origin, make_live_link())
    assert tab_until(page, lambda f: f["date"])["date"] == "2026-12-02"

    assert _press(page, "Home") == date(2026, 12, 1)
    assert _press(page, "ArrowLeft") == date(2026, 12, 1)  # nowhere earlier to go
    assert _press(page, "PageUp") == date(2026, 12, 1)
    assert _press(page, "Shift+PageDown") == date(2027, 12, 1)
    assert _press(page, "End") == date(2027, 12, 4)
    assert _press(page, "ArrowDown") == date(2027, 12, 11)
    assert _press(page, "ArrowDown") == date(2027, 12, 18)
    assert _press(page, "ArrowDown") == date(2027, 12, 25)
    assert _press(page, "ArrowDown") == date(2027, 12, 31)  # 1 January 2028 can't be shown
    assert _press(page, "PageDown") == date(2027, 12, 31)
    assert page.js_errors == []


def test_picking_a_day_moves_focus_to_its_first_time(page, examples_origin, make_live_link):
    _open(page, examples_origin, make_live_link())
    page.locator(".rendezvous-embed .rdv-day.rdv-open").nth(1).click()
    now = focused(page)
    assert "rdv-slot" in now["cls"]
    assert now["text"] == page.locator(".rendezvous-embed .rdv-slot").first.inner_text()
