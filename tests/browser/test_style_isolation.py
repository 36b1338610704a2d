"""The shadow root keeps the host page's CSS out and the widget's CSS in (E2)."""

from __future__ import annotations

from tests.browser.widget_steps import record_events, wait_ready

PROPERTIES = [
    "font-family",
    "font-size",
    "font-weight",
    "color",
    "background-color",
    "line-height",
    "letter-spacing",
    "text-transform",
    "box-sizing",
    "border-top-width",
    "border-top-style",
    "padding-top",
    "margin-top",
    "display",
    "transform",
    "text-decoration-line",
]
# Width is left out on purpose: the widget fills the width the host gives its placeholder.

WIDGET_STYLES = """
(props) => {
  const root = document.querySelector('.rendezvous-embed').shadowRoot;
  const pick = (el) => {
    const s = getComputedStyle(el);
    return props.map(p => s.getPropertyValue(p));
  };
  return ['.rdv-root', '.rdv-month', '.rdv-day', '.rdv-day.rdv-open', '.rdv-nav', 'select']
    .map(sel => root.querySelector(sel)).filter(Boolean).map(pick);
}
"""

PAGE_BUTTON = """
(props) => { const s = getComputedStyle(document.getElementById('page-button'));
             return props.map(p => s.getPropertyValue(p)); }
"""


def _widget_styles(page, url):
    record_events(page)
    page.goto(url)
    wait_ready(page)
    return page.evaluate(WIDGET_STYLES, PROPERTIES)


def test_hostile_global_css_changes_none_of_the_widgets_computed_styles(
    page, examples_origin, make_live_link
):
    link = make_live_link()
    plain = _widget_styles(page, f"{examples_origin}/plain.html?slug={link['slug']}")
    hostile = _widget_styles(page, f"{examples_origin}/hostile.html?slug={link['slug']}")
    assert len(plain) >= 5
    assert hostile == plain


def test_the_widgets_css_changes_nothing_outside_it(page, examples_origin, make_live_link):
    link = make_live_link()
    page.route("**/embed/v1/embed.js", lambda route: route.abort())
    page.goto(f"{examples_origin}/hostile.html?slug={link['slug']}")
    without_widget = page.evaluate(PAGE_BUTTON, PROPERTIES)
    page.unroute("**/embed/v1/embed.js")
    with_widget = _widget_styles(page, f"{examples_origin}/hostile.html?slug={link['slug']}")
    assert with_widget
    assert page.evaluate(PAGE_BUTTON, PROPERTIES) == without_widget
    assert page.evaluate("document.styleSheets.length") == 1  # the page's own sheet only
