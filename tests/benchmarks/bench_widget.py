"""Widget speed as a visitor feels it (issue 3): snippet script start → calendar with slots.

Serves the app with gunicorn (2 workers, SQLite) and a plain host page from another origin,
then in Chromium measures, for ≥ 5 runs each:
- ``widget_ready_cold``: a new browser context (empty cache) loading the page;
- ``widget_ready_warm``: a return visit in the same context (HTTP cache and the loader's
  compile cache warm);
from the moment the embed script starts loading (its resource timing) to the
``rendezvous:ready`` event, which the widget fires once the month with its slots is shown.
Also ``widget_bytes_gzip``: bytes over the wire from the app's origin on a cold load.

Prints one JSON line per figure. Goals: ≤ 400 ms cold, ≤ 150 ms warm, ≤ 320 KB.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from server.assets import ensure_built  # noqa: E402
from server.migrate import upgrade  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.servers import seed_host_and_links, start_gunicorn  # noqa: E402

RUNS = 7
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title></head>
<body><div class="rendezvous-embed" data-src="{app}/meetings/{slug}"></div>
<script>window.__ready = null; document.addEventListener('rendezvous:ready',
  () => { window.__ready = performance.now(); });</script>
<script src="{app}/embed/v1/embed.js" async></script></body></html>"""

MEASURE = """
() => {
  const loader = performance.getEntriesByType('resource')
    .find(e => e.name.includes('/embed/v1/embed.js'));
  return window.__ready - loader.startTime;
}
"""
BYTES = """
(origin) => performance.getEntriesByType('resource')
  .filter(e => e.name.startsWith(origin))
  .reduce((total, e) => total + e.transferSize, 0)
"""


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
            html = PAGE.replace("{app}", app_url).replace("{slug}", seeded.slug)
            page_url, page_server = _serve_page(html)
            cold, warm, sizes = [], [], []
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                for _ in range(RUNS):
                    context = browser.new_context()
                    page = context.new_page()
                    page.goto(page_url)
                    page.wait_for_function("window.__ready !== null", timeout=30_000)
                    cold.append(page.evaluate(MEASURE))
                    sizes.append(page.evaluate(BYTES, app_url) / 1024)
                    page.wait_for_timeout(3000)  # a return visit, after the compile cache is kept
                    page.reload()
                    page.wait_for_function("window.__ready !== null", timeout=30_000)
                    warm.append(page.evaluate(MEASURE))
                    context.close()
                browser.close()
            page_server.shutdown()
    _line("widget_ready_cold", cold, "ms")
    _line("widget_ready_warm", warm, "ms")
    _line("widget_bytes_gzip", sizes, "KB")


if __name__ == "__main__":
    main()
