"""The widget's pure modules run on the server too: ``days``, ``markup`` and ``palette`` import
no browser module, so the first view the server paints (``server.public.first_view``) is the
widget's own markup, from the same code, and the widget takes it over without a flicker."""

from __future__ import annotations

import importlib
import sys
import types

from server.bundle import bundled

__all__ = ["widget_module"]

#: the checkout's widget/rendezvous_widget, or the installed wheel's copy of it
PACKAGE = bundled("widget", "rendezvous_widget")
NAME = "rendezvous_widget"


def widget_module(name: str) -> types.ModuleType:
    """``rendezvous_widget.<name>``, imported without the package's ``__init__`` (which mounts
    the widget in a browser)."""
    if NAME not in sys.modules:
        package = types.ModuleType(NAME)
        package.__path__ = [str(PACKAGE)]
        package.__package__ = NAME
        sys.modules[NAME] = package
    return importlib.import_module(f"{NAME}.{name}")
