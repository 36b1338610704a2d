"""Widget speed as a visitor feels it (issues 3 and 13): page start → calendar on screen.

Serves the app with gunicorn (2 workers, SQLite) and a plain host page from another origin,
then in Chromium measures, for 7 runs each, from the page's start (navigation start):
- ``widget_visible_cold``: a new browser context (empty cache) until a month with bookable
  days is on screen (checked every animation frame inside the shadow root);
- ``widget_ready_cold``: the same load until ``rendezvous:ready`` (the widget is interactive);
- ``widget_ready_warm``: a return visit after 3 s in the same context (HTTP cache warm);
- the breakdown of a cold load, from the same origin: ``widget_cold_loader`` (embed.js
  received), ``widget_cold_first_view`` (the server's first view received),
  ``widget_cold_downloaded`` (the runtime's last piece received), and the loader's User Timing marks
  ``widget_cold_runtime`` (Brython and the widget's files have run) and
  ``widget_cold_imported`` (the widget's modules imported), ``widget_cold_mount`` (the widget
  starts, with the first view in);
- the same breakdown of the warm load: ``widget_warm_loader``, ``widget_warm_first_view``, ...;
- ``widget_bytes_br``: bytes over the wire from the app's origin on a cold load until ready, as
  Chromium asks (brotli); ``widget_bytes_gzip``: the same files asked with only gzip accepted;
  ``widget_bytes_br_idle``: all the app's bytes once the page is idle, the widget's second
  file (form, confirmation) included.

The server is measured warm, as a visitor meets it: before the runs, each worker has answered
the first view and the files (a worker's first first view costs ~200 ms of imports and Babel
data, once per process). Each run waits half a second in its new context before it navigates:
Chromium starting a renderer process is not the page's load, and on two cores it would slow
the server's answers to that load.

The floor, measured in the same run: ``floor_ready_cold`` and ``floor_ready_warm``, a page of
plain JavaScript that asks the same two endpoints and draws the same month in a shadow root
with the widget's CSS (no Brython), from page start until that month is drawn.

Prints one JSON line per figure. Goals (issue 13): visible ≤ 250 ms and ready ≤ 400 ms cold,
ready ≤ 120 ms warm, ≤ 280 KB gzip and ≤ 230 KB brotli.
"""

from __future__ import annotations

import datetime
import json
import statistics
import sys
import tempfile
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from server.assets import ensure_built  # noqa: E402
from server.migrate import upgrade  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.servers import seed_host_and_links, start_gunicorn  # noqa: E402

RUNS = 7
#: a new context's renderer process settles before the page starts (see above)
SETTLE_MS = 500
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title></head>
<body><div class="rendezvous-embed" data-src="{app}/meetings/{slug}"></div>
<script>window.__ready = null; window.__visible = null;
document.addEventListener('rendezvous:ready', () => {
  window.__ready = performance.now();
  window.__resources = performance.getEntriesByType('resource')
    .filter(e => e.name.startsWith('{app}') && e.transferSize > 0)
    .map(e => [e.name, e.transferSize, e.transferSize - e.encodedBodySize]);
});
(function watch() {
  const el = document.querySelector('.rendezvous-embed');
  if (el && el.shadowRoot && el.shadowRoot.querySelector('.rdv-day.rdv-open')) {
    window.__visible = performance.now();
  } else requestAnimationFrame(watch);
})();</script>
<script src="{app}/embed/v1/embed.js" async></script></body></html>"""

#: the floor (issue 13): plain JavaScript that asks the same two endpoints and draws the same
#: month in a shadow root with the widget's CSS, then says ready; no Brython
FLOOR = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>floor</title></head>
<body><div id="floor"></div>
<script>window.__ready = null; window.__visible = null;
(function () {
  const api = '{app}/api/v1/public/links/{slug}';
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const today = new Date(), iso = (d) => d.toISOString().slice(0, 10);
  const end = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(),
                                today.getUTCDate() + 69));
  const query = '?start=' + iso(today) + '&end=' + iso(end) + '&timezone=' +
                encodeURIComponent(zone);
  const root = document.getElementById('floor').attachShadow({mode: 'open'});
  root.innerHTML = '<link rel="stylesheet" href="{app}/widget/static/{css}">' +
                   '<div class="rdv"></div>';
  const json = (url) => fetch(url, {headers: {Accept: 'application/json'}}).then(r => r.json());
  Promise.all([json(api), json(api + '/slots' + query)]).then(([link, slots]) => {
    const open = new Set(slots.slots.map(s => s.slice(0, 10)));
    const y = today.getUTCFullYear(), m = today.getUTCMonth();
    const first = new Date(Date.UTC(y, m, 1)).getUTCDay();
    const days = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
    let cells = '';
    for (let i = 0; i < first; i++) cells += '<td></td>';
    for (let d = 1; d <= days; d++) {
      const date = iso(new Date(Date.UTC(y, m, d)));
      if ((first + d - 1) % 7 === 0) cells += '</tr><tr>';
      cells += '<td data-date="' + date + '" class="rdv-day' + (open.has(date) ? ' rdv-open' : '') +
               '"><button type="button">' + d + '</button></td>';
    }
    root.querySelector('.rdv').innerHTML = '<header class="rdv-head"><h2>' + link.title +
      '</h2></header><table class="rdv-grid"><tr>' + cells + '</tr></table>';
    requestAnimationFrame(() => { window.__ready = performance.now(); });
  });
})();</script></body></html>"""

MEASURE = """
() => {
  const mark = (name) => (performance.getEntriesByName('rendezvous:' + name)[0] || {}).startTime;
  const got = (part) => (performance.getEntriesByType('resource')
    .find(e => e.name.includes(part)) || {}).responseEnd;
  return {visible: window.__visible, ready: window.__ready,
          loader: got('/embed/v1/embed.js'), first_view: got('/first-view?'),
          downloaded: Math.max(...performance.getEntriesByType('resource')
            .filter(e => e.name.includes('/brython')).map(e => e.responseEnd)),
          runtime: mark('runtime'), imported: mark('imported'), mount: mark('mount')};
}
"""
#: what came from the app's origin until ready: [url, bytes, header bytes]
AT_READY = "window.__resources"
#: and until the page is idle, the widget's second file included
BYTES = """
(origin) => performance.getEntriesByType('resource')
  .filter(e => e.name.startsWith(origin))
  .reduce((total, e) => total + e.transferSize, 0)
"""


def _gzip_bytes(resources: list[list[Any]]) -> float:
    """What the same cold load weighs with gzip only: each file asked again with gzip, plus the
    headers the browser counted. (Chromium always offers brotli; a route can't change that.)"""
    total = 0
    for url, _bytes, headers in resources:
        request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as response:
            total += len(response.read()) + headers
    return total


def _serve_page(html: str) -> tuple[str, ThreadingHTTPServer]:
    class Handler(SimpleHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/", server


def _warm_up(app_url: str, slug: str) -> None:
    """Every worker answers the first view and the built files once (requests at once, so
    each of the two workers gets some)."""
    manifest = json.loads((ROOT / "widget" / "static" / "build" / "manifest.json").read_text())
    urls = [f"{app_url}/embed/v1/embed.js"]
    urls += [f"{app_url}/widget/static/{path}" for path in manifest.values()]
    start = datetime.datetime.now(datetime.UTC).date()  # the page asks for its today
    query = f"?start={start}&end={start + datetime.timedelta(days=69)}&timezone=UTC"
    urls += [f"{app_url}/api/v1/public/links/{slug}/first-view{query}"] * 6

    def fetch(url: str) -> None:
        request = urllib.request.Request(url, headers={"Accept-Encoding": "br"})
        with urllib.request.urlopen(request) as response:
            response.read()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(fetch, urls * 2))


def _wait_ready(page: Any) -> None:
    """Until the widget said ready, asking only after a while: Playwright's polling runs its
    own script in the page, which would land in the load it measures."""
    page.wait_for_timeout(1500)
    for _ in range(120):
        if page.evaluate("window.__ready !== null"):
            return
        page.wait_for_timeout(250)
    raise TimeoutError("the widget never said rendezvous:ready")


def _line(name: str, values: list[float], unit: str) -> None:
    print(
        json.dumps(
            {
                "name": name,
                "median": round(statistics.median(values), 1),
                "unit": unit,
                "min": round(min(values), 1),
                "max": round(max(values), 1),
                "runs": len(values),
            }
        )
    )


def main() -> None:
    from playwright.sync_api import sync_playwright

    ensure_built()
    with tempfile.TemporaryDirectory() as scratch:
        db_url = f"sqlite:///{scratch}/bench.sqlite3"
        upgrade(db_url)
        seeded = seed_host_and_links(
            db_url,
            {
                "name": "Bench",
                "availability": {
                    d: [["09:00", "17:00"]]
                    for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
                },
            },
        )
        with start_gunicorn(db_url, 2, Path(scratch) / "server") as app_url:
            _warm_up(app_url, seeded.slug)
            html = PAGE.replace("{app}", app_url).replace("{slug}", seeded.slug)
            page_url, page_server = _serve_page(html)
            manifest = json.loads((ROOT / "widget/static/build/manifest.json").read_text())
            floor = FLOOR.replace("{app}", app_url).replace("{slug}", seeded.slug)
            floor_url, floor_server = _serve_page(floor.replace("{css}", manifest["widget_css"]))
            figures: dict[str, list[float]] = {}

            def keep(name: str, value: float) -> None:
                figures.setdefault(name, []).append(value)

            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                for _ in range(RUNS):
                    context = browser.new_context()
                    page = context.new_page()
                    page.wait_for_timeout(SETTLE_MS)
                    page.goto(page_url)
                    _wait_ready(page)
                    cold = page.evaluate(MEASURE)
                    for name, value in cold.items():
                        if value is not None:
                            label = name if name in ("visible", "ready") else f"cold_{name}"
                            keep(f"widget_{label}" + ("_cold" if label == name else ""), value)
                    resources = page.evaluate(AT_READY)
                    keep("widget_bytes_br", sum(r[1] for r in resources) / 1024)
                    if "widget_bytes_gzip" not in figures:
                        keep("widget_bytes_gzip", _gzip_bytes(resources) / 1024)
                    keep("widget_bytes_br_idle", page.evaluate(BYTES, app_url) / 1024)
                    page.wait_for_timeout(3000)  # a return visit, a while after the first
                    page.reload()
                    _wait_ready(page)
                    warm = page.evaluate(MEASURE)
                    keep("widget_ready_warm", warm["ready"])
                    keep("widget_warm_widget_start", warm.pop("ready") - warm["mount"])
                    keep("widget_warm_mount_wait", warm["mount"] - warm["imported"])
                    for name, value in warm.items():
                        if value is not None and name != "visible":
                            keep(f"widget_warm_{name}", value)
                    context.close()
                for _ in range(RUNS):  # the floor, cold then warm, as above
                    context = browser.new_context()
                    page = context.new_page()
                    page.wait_for_timeout(SETTLE_MS)
                    page.goto(floor_url)
                    _wait_ready(page)
                    keep("floor_ready_cold", page.evaluate("window.__ready"))
                    page.wait_for_timeout(3000)
                    page.reload()
                    _wait_ready(page)
                    keep("floor_ready_warm", page.evaluate("window.__ready"))
                    context.close()
                browser.close()
            page_server.shutdown()
            floor_server.shutdown()
    units = {"widget_bytes_br": "KB", "widget_bytes_gzip": "KB", "widget_bytes_br_idle": "KB"}
    for name, values in figures.items():
        _line(name, values, units.get(name, "ms"))


if __name__ == "__main__":
    main()
