"""The loader and the pages around the widget (issue 3 §4–6): shadow roots, once-only
loading, late placeholders, CSP fallback, caching."""

from __future__ import annotations

import gzip
import re
import urllib.request

READY = """
(selector) => new Promise((resolve) => {
  const el = document.querySelector(selector);
  if (el.__rendezvousReady) return resolve(true);
  el.addEventListener('rendezvous:ready', () => resolve(true), { once: true });
})
"""


def record_ready(page):
    """Collect `rendezvous:ready` events from the start, before the loader can fire one."""
    page.add_init_script(
        "window.__ready = []; document.addEventListener('rendezvous:ready',"
        " e => window.__ready.push(e.target.id || 'x'));"
    )


def wait_ready(page, count=1):
    page.wait_for_function(f"window.__ready && window.__ready.length >= {count}", timeout=20_000)


def test_hosted_page_mounts_the_widget_in_a_shadow_root(page, live_app, make_live_link):
    link = make_live_link(title="Demo call")
    record_ready(page)
    response = page.goto(f"{live_app.url}/meetings/{link['slug']}")
    assert response.status == 200
    csp = response.headers["content-security-policy"]
    assert "'unsafe-eval'" in csp and "object-src 'none'" in csp
    assert page.title().startswith("Demo call")
    assert page.locator('meta[property="og:title"]').get_attribute("content") == "Demo call"
    wait_ready(page)
    assert page.evaluate("!!document.querySelector('.rendezvous-embed').shadowRoot")
    assert (
        page.evaluate("document.querySelectorAll('.rdv-root').length") == 0
    )  # not in the light DOM
    assert page.js_errors == []


def test_unknown_link_page_is_a_404_page(page, live_app):
    response = page.goto(f"{live_app.url}/meetings/nobody/nothing")
    assert response.status == 404
    assert "No meeting link" in page.content()


def test_csp_without_eval_shows_a_plain_link_to_the_hosted_page(
    page, examples_origin, make_live_link, live_app
):
    link = make_live_link()
    page.goto(f"{examples_origin}/csp-no-eval.html?slug={link['slug']}")
    fallback = page.locator(".rendezvous-embed a.rdv-fallback")
    fallback.wait_for(timeout=15_000)
    assert fallback.inner_text() == "Book a meeting"
    assert fallback.get_attribute("href") == f"{live_app.url}/meetings/{link['slug']}"


def test_a_placeholder_added_after_load_is_mounted(page, examples_origin, make_live_link):
    link = make_live_link()
    record_ready(page)
    page.goto(f"{examples_origin}/spa.html?slug={link['slug']}")
    page.wait_for_function("!!window.Rendezvous", timeout=15_000)
    page.click("#go-contact")
    wait_ready(page)
    assert page.evaluate("!!document.querySelector('#view .rendezvous-embed').shadowRoot")


def test_two_widgets_load_brython_and_the_widget_once(page, examples_origin, make_live_link):
    first, second = make_live_link(title="Sales"), make_live_link(title="Support")
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    record_ready(page)
    page.goto(f"{examples_origin}/two-widgets.html?slug={first['slug']}&slug2={second['slug']}")
    wait_ready(page, 2)
    assert sorted(page.evaluate("window.__ready")) == ["first", "second"]
    assert len([u for u in requested if re.search(r"/brython\.[0-9a-f]+\.js$", u)]) == 1
    assert len([u for u in requested if re.search(r"/widget\.[0-9a-f]+\.js$", u)]) == 1
    roots = page.evaluate(
        "[...document.querySelectorAll('.rendezvous-embed')].map(e => !!e.shadowRoot)"
    )
    assert roots == [True, True]


def test_a_return_visit_runs_the_runtime_without_preloading_it_again(
    page, examples_origin, make_live_link
):
    link = make_live_link()
    record_ready(page)
    page.goto(f"{examples_origin}/plain.html?slug={link['slug']}")
    wait_ready(page)
    page.reload()
    wait_ready(page)
    preloads = page.evaluate("[...document.querySelectorAll('link[rel=preload]')].map(l => l.href)")
    scripts = page.evaluate("[...document.scripts].map(s => s.src)")
    assert not [u for u in preloads if re.search(r"/(brython|widget)\.[0-9a-f]+\.js$", u)]
    assert len([u for u in scripts if re.search(r"/brython\.[0-9a-f]+\.js$", u)]) == 1
    assert page.locator(".rendezvous-embed .rdv-day.rdv-open").count() > 0


def test_rendezvous_mount_is_exposed(page, examples_origin, make_live_link):
    link = make_live_link()
    page.goto(f"{examples_origin}/plain.html?slug={link['slug']}")
    page.wait_for_function("!!window.Rendezvous", timeout=15_000)
    assert page.evaluate("typeof window.Rendezvous.mount") == "function"


def _get(url, **headers):
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


def test_loader_names_hashed_files_that_are_cached_for_a_year_and_gzipped(live_app):
    status, headers, body = _get(f"{live_app.url}/embed/v1/embed.js", **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "max-age=300" in headers["Cache-Control"]
    source = gzip.decompress(body).decode()
    built = re.findall(r"/widget/static/(build/[a-z]+\.[0-9a-f]+\.(?:js|css))", source)
    assert len(built) == 3
    for path in built:
        status, headers, _ = _get(
            f"{live_app.url}/widget/static/{path}", **{"Accept-Encoding": "gzip"}
        )
        assert status == 200
        assert headers["Content-Encoding"] == "gzip"
        assert (
            "immutable" in headers["Cache-Control"]
            and "max-age=31536000" in headers["Cache-Control"]
        )
