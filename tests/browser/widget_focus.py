"""Where the keyboard focus is, through open shadow roots (for the widget's keyboard tests)."""

from __future__ import annotations

from typing import Any

FOCUSED = """() => {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return a && {
    tag: a.tagName.toLowerCase(), date: a.getAttribute('data-date'), cls: a.className,
    text: a.textContent.trim(), label: a.getAttribute('aria-label'),
    disabled: a.getAttribute('aria-disabled') === 'true', name: a.getAttribute('name'),
  };
}"""


def focused(page: Any) -> dict[str, Any] | None:
    return page.evaluate(FOCUSED)


def tab_until(page: Any, wanted: Any, limit: int = 40) -> dict[str, Any]:
    """Press Tab until ``wanted(focused)`` holds; fails after ``limit`` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if now and wanted(now):
            return now
    raise AssertionError(f"Tab never reached the element; last focus: {focused(page)}")
