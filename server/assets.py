"""The widget's static files: built once with webassets into content-hashed, compressed files.

``rendezvous build-assets`` (run by ``make run`` and ``make test``) writes
``widget/static/build/``: ``brython.<hash>.js`` and ``brython-2.<hash>.js`` (the installed
``brython`` package's runtime, in two pieces when it is stripped: see :func:`_runtime_pieces`),
``widget.<hash>.js`` (the widget's modules compiled to JavaScript, see :class:`BrythonCompile`,
in Brython's virtual file system), ``widget.<hash>.css``, a ``.gz`` and a ``.br`` (brotli)
beside each, and ``manifest.json`` naming them. Hashed names never change content, so they are
served with a year-long cache.
"""

from __future__ import annotations

import ast
import gzip
import json
import logging
import shutil
import subprocess
from pathlib import Path
from typing import Any

import brotli
from webassets import Bundle, Environment
from webassets.filter import Filter

from server.brython_runtime import (
    lazy_html_tags,
    modules_as_functions,
    runtime_without_compiler,
    split_runtime,
    without_builtin_docs,
)

__all__ = ["BUILD", "STATIC", "build_assets", "ensure_built", "load_manifest"]

log = logging.getLogger(__name__)

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
        out.write(f"{PACKAGE_CALL}{json.dumps({module: entry})});\n")


class BrythonCompile(Filter):
    """The packaged modules compiled to JavaScript once, here, by Brython's own compiler.

    Brython compiling the widget in the visitor's browser was 250–350 ms of a first visit.
    ``widget/compile.js`` runs brython.js in node and hands back each module's JavaScript,
    which goes into ``__BRYTHON__.precompiled`` as a function of the module's namespace (see
    :func:`server.brython_runtime.modules_as_functions`): Brython's importer runs a precompiled
    module without looking at its source, so the source is left out of the bundle. Without node the
    bundle keeps the sources and the browser compiles them (slower, still correct).
    """

    name = "brython_compile"

    def output(self, _in: Any, out: Any, **kwargs: Any) -> None:
        modules: dict[str, list[Any]] = {}
        for line in _in.read().splitlines():
            if line.startswith(PACKAGE_CALL):
                modules.update(json.loads(line[len(PACKAGE_CALL) : -len(");")]))
        compiled = _compile(modules)
        if compiled is None:
            for name in sorted(modules):
                out.write(f"{PACKAGE_CALL}{json.dumps({name: modules[name]})});\n")
            return
        entries, code = {}, []
        for name, (ext, _source, _imports, *package) in sorted(modules.items()):
            entries[name] = [ext, "", compiled[name]["imports"], *package]
            namespace = compiled[name]["namespace"]
            function = f"function({namespace}){{\n{compiled[name]['js']}\nreturn {namespace}}}"
            code.append(f"{json.dumps(name)}: {f'[{function}]' if package else function}")
        out.write(f"{PACKAGE_CALL}{json.dumps(entries)});\n")
        out.write(f"Object.assign(__BRYTHON__.precompiled, {{\n{','.join(code)}}});\n")


class BrythonRuntime(Filter):
    """brython.js without its compiler (a third of its weight) and the builtins' help texts
    when the widget is precompiled: nothing compiles in the page any more; and with
    browser.html's tag classes made on first use (:mod:`server.brython_runtime`)."""

    name = "brython_runtime"

    def output(self, _in: Any, out: Any, **kwargs: Any) -> None:
        source = _in.read()
        if _node():
            source = runtime_without_compiler(source)
            source = lazy_html_tags(modules_as_functions(without_builtin_docs(source)))
        out.write(source)


def _node() -> str | None:
    return shutil.which("node")


PACKAGE_CALL = "__BRYTHON__.loadBrythonPackage("
#: the widget's modules in a second file, asked for once the calendar is up (``app.LATER``)
LATER = ("form", "confirm", "manage", "request")
COMPILER = ROOT / "widget" / "compile.js"


def _compile(modules: dict[str, list[Any]]) -> dict[str, dict[str, Any]] | None:
    """``{module: {js, imports}}`` from node, or ``None`` when node is not installed."""
    node = _node()
    if node is None:
        log.warning("node is not installed: the widget ships its Python and compiles in the page")
        return None
    request = {
        "brython": str(_brython_js()),
        "modules": {
            name: [without_docstrings(entry[1]), len(entry) > 3] for name, entry in modules.items()
        },
    }
    done = subprocess.run(
        [node, str(COMPILER)], input=json.dumps(request), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"compiling the widget failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout)


def without_docstrings(source: str) -> str:
    """``source`` with each docstring blanked out, lines kept where they were (tracebacks name
    the same lines): Brython would otherwise ship every one as a ``__doc__`` string."""
    lines = source.encode().splitlines(keepends=True)  # ast's columns count UTF-8 bytes
    spans = []
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if not isinstance(body, list) or not body or not isinstance(node, _DOCUMENTED):
            continue
        first = body[0]
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            if isinstance(first.value.value, str):
                spans.append(first)
    for doc in sorted(spans, key=lambda n: n.lineno, reverse=True):
        start, end = doc.lineno - 1, doc.end_lineno - 1
        head = lines[start][: doc.col_offset]
        tail = lines[end][doc.end_col_offset :]
        lines[start : end + 1] = [head + b"0" + tail] + [b"\n"] * (end - start)
    return b"".join(lines).decode()


_DOCUMENTED = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def _brython_js() -> Path:
    import brython

    return Path(brython.__file__).with_name("data") / "brython.js"


def _environment() -> Environment:
    env = Environment(directory=str(STATIC), url="/widget/static", cache=False, manifest=False)
    env.versions = "hash"
    env.url_expire = False
    env.auto_build = False
    sources = sorted(p for p in WIDGET_PACKAGE.rglob("*.py"))
    first = [str(p) for p in sources if p.stem not in LATER]
    later = [str(p) for p in sources if p.stem in LATER]
    filters = (BrythonPackage, BrythonCompile)
    env.register("widget_js", Bundle(*first, filters=filters, output="build/widget.%(version)s.js"))
    env.register(
        "widget_later_js",
        Bundle(*later, filters=filters, output="build/widget-later.%(version)s.js"),
    )
    env.register("widget_css", Bundle("widget.css", output="build/widget.%(version)s.css"))
    env.register(
        "brython_js",
        Bundle(str(_brython_js()), filters=BrythonRuntime, output="build/brython.%(version)s.js"),
    )
    return env


def build_assets() -> dict[str, str]:
    """Build every bundle, gzip it, and write the manifest; returns the manifest."""
    if BUILD.exists():
        shutil.rmtree(BUILD)
    BUILD.mkdir(parents=True)
    env = _environment()
    manifest: dict[str, str] = {}
    for name in ("brython_js", "widget_js", "widget_later_js", "widget_css"):
        bundle = env[name]
        bundle.build(force=True)
        relative = bundle.resolve_output(env)
        output = STATIC / relative
        if name == "brython_js" and _node():
            manifest.update(_runtime_pieces(output))
            continue
        _compress(output)
        manifest[name] = f"build/{output.name}"
    MANIFEST.write_text(json.dumps(manifest, indent=2))
    return manifest


#: scripts the stripped runtime ships as (``brython_js``, ``brython_2_js``, …): between them
#: the page can paint (``server.brython_runtime.split_runtime``)
RUNTIME_PIECES = 2


def _runtime_pieces(output: Path) -> dict[str, str]:
    """The built runtime cut into pieces named after its hash; the whole file is not kept."""
    pieces = split_runtime(output.read_text(), RUNTIME_PIECES)
    output.unlink()
    names = {}
    for number, text in enumerate(pieces, start=1):
        key = "brython_js" if number == 1 else f"brython_{number}_js"
        name = output.name if number == 1 else output.name.replace(".", f"-{number}.", 1)
        path = output.with_name(name)
        path.write_text(text)
        _compress(path)
        names[key] = f"build/{path.name}"
    return names


def _compress(output: Path) -> None:
    raw = output.read_bytes()
    Path(f"{output}.gz").write_bytes(gzip.compress(raw, 9, mtime=0))
    Path(f"{output}.br").write_bytes(brotli.compress(raw, quality=11))


def load_manifest() -> dict[str, str] | None:
    """The built files' names, or ``None`` when ``build-assets`` has not run."""
    try:
        return json.loads(MANIFEST.read_text())
    except FileNotFoundError:
        return None


def _sources() -> list[Path]:
    here = Path(__file__)
    return [
        *WIDGET_PACKAGE.rglob("*.py"),
        STATIC / "widget.css",
        COMPILER,
        _brython_js(),
        here,
        here.with_name("brython_runtime.py"),
    ]


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
