"""The server's first view (issue 13): the month is on screen before Brython has run, the
widget takes it over without changing what the visitor sees, and a day clicked meanwhile is
not lost."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from tests.browser.widget_steps import events, record_events, wait_ready

RUNTIME = re.compile(r"/widget/static/build/(brython|widget)\.[0-9a-f]+\.js$")
SEEN = """(sel) => {
  const root = document.querySelector('.rendezvous-embed').shadowRoot;
  return [...root.querySelectorAll(sel)].map(e => e.innerText.replace(/\\s+/g, ' ').trim());
}"""


class HeldRuntime:
    """Brython and the widget's files held back until :meth:`release`: the page shows only
    what the server painted."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.routes: list[Any] = []
        self.released = False
        page.route(RUNTIME, self.hold)

    def hold(self, route: Any) -> None:
        if self.released:
            route.continue_()
        else:
            self.routes.append(route)

    def release(self) -> None:
        self.released = True
        for route in self.routes:
            route.continue_()


def _open_held(page: Any, examples_origin: str, link: dict[str, Any]) -> HeldRuntime:
    held = HeldRuntime(page)
    record_events(page)
    page.goto(f"{examples_origin}/plain.html?slug={link['slug']}", wait_until="domcontentloaded")
    page.locator(".rendezvous-embed .rdv-day.rdv-open").first.wait_for()
    return held


def test_the_month_and_the_host_show_before_the_widget_runs(page, examples_origin, make_live_link):
    link = make_live_link(title="Intro call")
    _open_held(page, examples_origin, link)
    scope = page.locator(".rendezvous-embed")
    assert scope.locator(".rdv-title").inner_text() == "Intro call"
    assert scope.locator(".rdv-host").inner_text() == "Alice Martin"
    assert scope.locator(".rdv-day.rdv-open").count() > 0
    assert page.evaluate("typeof window.__rendezvous_mount__") == "undefined"
    assert events(page, "ready") == []


@pytest.mark.parametrize(
    "language,locale", [("en", "en-US"), ("fr", "fr-FR"), ("de", "de-DE"), ("es", "es-ES")]
)
def test_the_widget_takes_over_the_first_view_without_a_visible_change(
    page, examples_origin, make_live_link, language, locale
):
    link = make_live_link(language=language, locale=locale, durations=[30, 60])
    held = _open_held(page, examples_origin, link)
    parts = ".rdv-head, .rdv-durs, .rdv-bar, .rdv-grid thead, .rdv-grid tbody, .rdv-tz label, "
    parts += ".rdv-tz option:checked, .rdv-times"  # (the zone menu fills in once idle)
    painted = page.evaluate(SEEN, parts)
    open_days = page.evaluate(SEEN, ".rdv-day.rdv-open")
    held.release()
    wait_ready(page)
    assert page.evaluate(SEEN, parts) == painted
    assert page.evaluate(SEEN, ".rdv-day.rdv-open") == open_days
    assert page.js_errors == []


def test_a_day_clicked_on_the_first_view_shows_its_times_once_ready(
    page, examples_origin, make_live_link
):
    link = make_live_link()
    held = _open_held(page, examples_origin, link)
    day = page.locator(".rendezvous-embed .rdv-day.rdv-open").nth(1)
    date = day.get_attribute("data-date")
    day.click()
    assert day.get_attribute("aria-selected") == "true"
    held.release()
    wait_ready(page)
    scope = page.locator(".rendezvous-embed")
    scope.locator(".rdv-slot").first.wait_for()
    assert scope.locator('[aria-selected="true"]').get_attribute("data-date") == date
    assert all(
        s.startswith(date)
        for s in scope.locator(".rdv-slot").evaluate_all("els => els.map(e => e.dataset.start)")
    )
    assert [e["detail"]["date"] for e in events(page, "day-chosen")] == [date]


def test_a_day_chosen_with_the_keyboard_on_the_first_view_is_kept(
    page, examples_origin, make_live_link
):
    link = make_live_link()
    held = _open_held(page, examples_origin, link)
    day = page.locator(".rendezvous-embed .rdv-day.rdv-open").nth(2)
    date = day.get_attribute("data-date")
    day.focus()
    page.keyboard.press("Enter")
    held.release()
    wait_ready(page)
    scope = page.locator(".rendezvous-embed")
    scope.locator(".rdv-slot").first.wait_for()
    assert scope.locator(".rdv-dayhead").count() == 1
    assert scope.locator('[aria-selected="true"]').get_attribute("data-date") == date


INTL = """([locale, days]) => days.map((s) => {
  const at = Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10), 12);
  const f = (o) => new Intl.DateTimeFormat(locale, {timeZone: 'UTC', ...o}).format(at);
  return [f({weekday: 'long', day: 'numeric', month: 'long', year: 'numeric'}),
          f({weekday: 'long', day: 'numeric', month: 'long'}),
          f({month: 'long', year: 'numeric'}),
          f({weekday: 'short'}), f({weekday: 'long'})];
})"""


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "fr-FR", "de-DE", "es-ES"])
def test_the_server_writes_dates_as_the_browsers_intl_does(page, locale):
    from server.public.first_view import Formats

    fm = Formats(locale)
    days = [f"2027-{m:02d}-{d:02d}" for m in range(1, 13) for d in (1, 9, 17, 28)]
    names = dict(fm.weekday_names(0))
    ours = []
    for s in days:
        weekday = (date.fromisoformat(s).isoweekday()) % 7
        short, full = fm.weekday_names(weekday)[0]
        assert names[short] == full
        ours.append([fm.day(s), fm.day(s, "short"), fm.day(s, "month"), short, full])
    assert page.evaluate(INTL, [locale, days]) == ours
