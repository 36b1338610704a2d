"""Where the widget, its loader and the snippets are, in a checkout and in an installed wheel.

In a checkout they sit beside ``server/``: ``widget/``, ``embed/``, ``snippets/``. A wheel
carries them as package data under ``server/_bundle/`` (``setup.py`` copies them there when
it builds the wheel, with the widget's prebuilt files), so :func:`bundled` finds them in
either layout and nothing else has to know which one it runs from.

A widget build records a digest of what it was made from (:data:`STAMP`), so an installed
package can tell whether its prebuilt files still match its sources, and ``setup.py`` can
refuse to package a build that does not. This module imports only the standard library:
``setup.py`` loads it by path, without importing the app.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

__all__ = ["BUNDLE", "SHIPPED", "STAMP", "build_problem", "bundled", "installed", "sources_digest"]

PACKAGE = Path(__file__).resolve().parent
CHECKOUT = PACKAGE.parent
#: the installed wheel's copy of the checkout's widget/, embed/ and snippets/
BUNDLE = PACKAGE / "_bundle"

#: what a wheel carries under ``server/_bundle/``, as paths of the checkout
SHIPPED = (
    "widget/rendezvous_widget",
    "widget/compile.js",
    "widget/static/widget.css",
    "widget/static/build",
    "embed/embed.js",
    "snippets",
)
#: the widget build's folder, under the root
BUILD = "widget/static/build"
#: written by each widget build beside its manifest: the digest of its sources, and whether
#: node compiled the widget
STAMP = "sources.json"


def installed() -> bool:
    """Whether this is an installed wheel (``server/_bundle/`` exists), not a checkout."""
    return BUNDLE.is_dir()


def bundled(*parts: str) -> Path:
    """``widget/…``, ``embed/…`` or ``snippets/…``: in the wheel's bundle, else the checkout."""
    return (BUNDLE if installed() else CHECKOUT).joinpath(*parts)


def _sources(root: Path, package: Path) -> list[tuple[str, Path]]:
    """What a widget build is made of, by a name that is the same in both layouts. The
    installed ``brython`` package's runtime is not among them: a build carries its own copy."""
    widget = sorted((root / "widget" / "rendezvous_widget").rglob("*.py"))
    files = [*widget, root / "widget" / "static" / "widget.css", root / "widget" / "compile.js"]
    named = [(path.relative_to(root).as_posix(), path) for path in files]
    named += [(f"server/{name}", package / name) for name in ("assets.py", "brython_runtime.py")]
    return named


def sources_digest(root: Path | None = None, package: Path = PACKAGE) -> str:
    """SHA-256 of the widget build's sources under ``root`` (default: this layout's)."""
    root = root or bundled()
    digest = hashlib.sha256()
    for name, path in _sources(root, package):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def read_stamp(build: Path) -> dict[str, object] | None:
    try:
        return json.loads((build / STAMP).read_text())
    except (FileNotFoundError, ValueError):
        return None


def build_problem(root: Path) -> str | None:
    """Why the widget build under ``root`` (a checkout) can't go into a wheel, or ``None``.

    A wheel's build must be whole, made from the sources it ships, and compiled by node (a
    wheel without the compiled widget would make every visitor's browser compile it).
    """
    build = root / BUILD
    again = "run `rendezvous build-assets` (or `make assets`) with node installed, then build again"
    stamp = read_stamp(build)
    try:
        manifest = json.loads((build / "manifest.json").read_text())
    except (FileNotFoundError, ValueError):
        manifest = None
    if stamp is None or manifest is None:
        return f"the widget is not built ({build} has no {STAMP} or manifest.json): {again}"
    missing = [path for path in manifest.values() if not (build.parent / path).is_file()]
    if missing:
        return f"the widget build in {build} lacks {', '.join(missing)}: {again}"
    if stamp.get("digest") != sources_digest(root, root / "server"):
        return f"the widget build in {build} is older than its sources: {again}"
    if not stamp.get("compiled"):
        return f"the widget build in {build} was made without node (uncompiled): {again}"
    return None
