"""An empty month says so and offers the next free day in one click (issue 13)."""

from __future__ import annotations

from datetime import timedelta

from tests.browser.widget_steps import record_events, wait_ready


def test_an_empty_month_offers_the_next_available_day_in_one_click(
    page, examples_origin, make_live_link, now
):
    first = (now + timedelta(days=100)).date()
    link = make_live_link(
        window={
            "start_date": first.isoformat(),
            "end_date": (first + timedelta(days=5)).isoformat(),
        }
    )
    record_events(page)
    page.goto(f"{examples_origin}/plain.html?slug={link['slug']}")
    wait_ready(page)
    scope = page.locator(".rendezvous-embed")
    assert scope.locator(".rdv-times .rdv-hint").inner_text() == "No times available this month."
    button = scope.locator(".rdv-next-open")
    assert button.inner_text() == f"Next available: {first:%A}, {first:%B} {first.day}"
    button.click()
    assert scope.locator(".rdv-month").inner_text() == f"{first:%B %Y}"
    assert scope.locator('[aria-selected="true"]').get_attribute("data-date") == first.isoformat()
    scope.locator(".rdv-slot").first.wait_for()  # that month's times, once they are in
    starts = scope.locator(".rdv-slot").evaluate_all("els => els.map(e => e.dataset.start)")
    assert starts and all(s.startswith(first.isoformat()) for s in starts)
    assert page.js_errors == []


def test_a_month_past_the_last_free_day_offers_nothing_more(page, examples_origin, make_live_link):
    link = make_live_link(window={"rolling_weeks": 1})
    record_events(page)
    page.goto(f"{examples_origin}/plain.html?slug={link['slug']}")
    wait_ready(page)
    scope = page.locator(".rendezvous-embed")
    scope.get_by_role("button", name="Next month").click()
    scope.get_by_role("button", name="Next month").click()
    scope.locator(".rdv-grid:not([aria-busy])").wait_for()
    assert scope.locator(".rdv-times .rdv-hint").inner_text() == "No times available this month."
    page.wait_for_timeout(300)  # the widget asked the server where the next times are: nowhere
    assert scope.locator(".rdv-next-open").count() == 0
    assert page.js_errors == []
