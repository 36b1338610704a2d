"""The real widget, compiled in node as the build does, imports and mounts on Brython's
runtime without its compiler in Chromium (server/brython_runtime.py). It uses the browser
tests' Chromium: a second Playwright in the same process would refuse to start."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.brython_runtime import IMPORT_ENTRY_POINT
from tests.widget.test_brython_runtime import (  # noqa: F401, F811
    PACKAGE,
    TAGS,
    TAGS_REPORT,
    _package,
    lazy,
    widget_bundle,
    work,
)


@pytest.fixture
def widget_page(work: dict[str, Path], widget_bundle: str, browser: Any) -> Iterator[Any]:  # noqa: F811
    """A page that loaded the stripped runtime and the precompiled widget, then imported it.

    Served from an origin of its own: every other URL (the widget's API) answers 404.
    ``page.errors`` collects uncaught errors and console errors (but the 404s).
    """
    files = {
        "/": "<!doctype html><script src='/brython.js'></script>"
        "<script src='/widget.js'></script><body><div id='widget'></div></body>",
        "/brython.js": work["stripped"].read_text(),
        "/widget.js": widget_bundle,
    }

    def serve(route: Any) -> None:
        path = route.request.url.removeprefix("http://widget.test")
        kind = "text/html" if path == "/" else "text/javascript"
        route.fulfill(
            status=200 if path in files else 404, content_type=kind, body=files.get(path, "")
        )

    page = browser.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))

    def console(message: Any) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            page.errors.append(message.text)  # the 404s of the API are expected

    page.on("console", console)
    page.route("http://widget.test/**", serve)
    page.goto("http://widget.test/")
    page.import_error = page.evaluate(
        f"""() => {{
          try {{ {IMPORT_ENTRY_POINT.format(name=json.dumps(PACKAGE.name))}; return null }}
          catch (e) {{ return __BRYTHON__.error_trace(__BRYTHON__.exception(e)) }}
        }}"""
    )
    yield page
    page.close()


@pytest.mark.browser
def test_the_precompiled_widget_imports_on_the_stripped_runtime_in_chromium(widget_page):
    assert widget_page.import_error is None, widget_page.import_error
    assert widget_page.evaluate("__BRYTHON__.compiler_stripped") is True
    assert widget_page.evaluate("typeof window.__rendezvous_mount__") == "function"
    assert widget_page.errors == []


@pytest.mark.browser
def test_the_widget_mounts_and_reports_a_missing_link_on_the_stripped_runtime(widget_page):
    widget_page.evaluate(
        """() => window.__rendezvous_mount__(document.getElementById("widget"),
             {apiBase: "http://widget.test/api", slug: "gone", emit: () => {}})"""
    )
    widget_page.wait_for_selector("#widget .rdv-error[role=alert]")
    assert widget_page.errors == []


@pytest.mark.browser
def test_html_tag_classes_made_on_first_use_are_real_elements_in_chromium(lazy, browser):  # noqa: F811
    vfs, precompiled = _package(lazy, TAGS, sources=False)
    page = browser.new_page()
    page.route(
        "http://tags.test/**",
        lambda route: (
            route.fulfill(
                content_type="text/html", body="<!doctype html><script src='/rt.js'></script>"
            )
            if route.request.url.endswith("/")
            else route.fulfill(content_type="text/javascript", body=lazy["lazy"].read_text())
        ),
    )
    page.goto("http://tags.test/")
    page.evaluate(
        f"""() => {{ __BRYTHON__.loadBrythonPackage({json.dumps(vfs)});
          Object.assign(__BRYTHON__.precompiled, {json.dumps(precompiled)});
          {IMPORT_ENTRY_POINT.format(name='"tags"')}; }}"""
    )
    report = page.evaluate(TAGS_REPORT)
    page.close()
    assert report["div"] == ["DIV", "hi", True]
    assert report["same_class"] is True
    assert report["used"] == ["DIV", "SPAN"]
