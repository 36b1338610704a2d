"""The widget's static files: built once with webassets into content-hashed, gzipped files.

``rendezvous build-assets`` (run by ``make run`` and ``make test``) writes
``widget/static/build/``: ``brython.<hash>.js`` (from the installed ``brython`` package),
``widget.<hash>.js`` (the widget's Python packaged for Brython's virtual file system),
``widget.<hash>.css``, a ``.gz`` beside each, and ``manifest.json`` naming them. Hashed names
never change content, so they are served with a year-long cache.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

from webassets import Bundle, Environment
from webassets.filter import Filter

__all__ = ["BUILD", "STATIC", "build_assets", "ensure_built", "load_manifest"]

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "widget" / "static"
BUILD = STATIC / "build"
WIDGET_PACKAGE = ROOT / "widget" / "rendezvous_widget"
MANIFEST = BUILD / "manifest.json"


class BrythonPackage(Filter):
    """Each ``.py`` file becomes an entry of Brython's virtual file system.

    Brython's own ``make_package`` fails on Python 3.11, and its output is this simple: a call
    to ``__BRYTHON__.loadBrythonPackage({module: [".py", source, imports, (1 if package)]})``.
    """

    name = "brython_package"

    def input(self, _in: Any, out: Any, **kwargs: Any) -> None:
        path = Path(kwargs["source_path"]).resolve()
        relative = path.relative_to(WIDGET_PACKAGE.parent).with_suffix("")
        parts = list(relative.parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        entry: list[Any] = [".py", _in.read(), []]
        if is_package:
            entry.append(1)
        module = ".".join(parts)
        out.write(f"__BRYTHON__.loadBrythonPackage({json.dumps({module: entry})});\n")


def _brython_js() -> Path:
    import brython

    return Path(brython.__file__).with_name("data") / "brython.js"


def _environment() -> Environment:
    env = Environment(directory=str(STATIC), url="/widget/static", cache=False, manifest=False)
    env.versions = "hash"
    env.url_expire = False
    env.auto_build = False
    sources = sorted(str(p) for p in WIDGET_PACKAGE.rglob("*.py"))
    env.register(
        "widget_js", Bundle(*sources, filters=BrythonPackage, output="build/widget.%(version)s.js")
    )
    env.register("widget_css", Bundle("widget.css", output="build/widget.%(version)s.css"))
    env.register("brython_js", Bundle(str(_brython_js()), output="build/brython.%(version)s.js"))
    return env


def build_assets() -> dict[str, str]:
    """Build every bundle, gzip it, and write the manifest; returns the manifest."""
    if BUILD.exists():
        shutil.rmtree(BUILD)
    BUILD.mkdir(parents=True)
    env = _environment()
    manifest: dict[str, str] = {}
    for name in ("brython_js", "widget_js", "widget_css"):
        bundle = env[name]
        bundle.build(force=True)
        relative = bundle.resolve_output(env)
        output = STATIC / relative
        with output.open("rb") as raw, gzip.open(f"{output}.gz", "wb", compresslevel=9) as packed:
            shutil.copyfileobj(raw, packed)
        manifest[name] = f"build/{output.name}"
    MANIFEST.write_text(json.dumps(manifest, indent=2))
    return manifest


def load_manifest() -> dict[str, str] | None:
    """The built files' names, or ``None`` when ``build-assets`` has not run."""
    try:
        return json.loads(MANIFEST.read_text())
    except FileNotFoundError:
        return None


def _sources() -> list[Path]:
    return [*WIDGET_PACKAGE.rglob("*.py"), STATIC / "widget.css", _brython_js()]


def ensure_built() -> dict[str, str]:
    """Build when the manifest is missing or older than a source; safe across processes.

    Test workers and several server processes may call this at once: a file lock lets one
    build while the others wait, then read its manifest.
    """
    import fcntl

    BUILD.parent.mkdir(parents=True, exist_ok=True)
    with open(BUILD.parent / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manifest = load_manifest()
        if manifest is not None:
            built = MANIFEST.stat().st_mtime
            if all(p.stat().st_mtime <= built for p in _sources()):
                return manifest
        return build_assets()
