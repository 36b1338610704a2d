"""The widget's static files: built once with webassets into content-hashed, compressed files.

``rendezvous build-assets`` (run by ``make run`` and ``make test``) writes
``widget/static/build/``: ``brython.<hash>.js`` and ``brython-2.<hash>.js`` (the installed
``brython`` package's runtime, in two pieces when it is stripped: see :func:`_runtime_pieces`),
``widget.<hash>.js`` (the widget's modules compiled to JavaScript, see :class:`BrythonCompile`,
in Brython's virtual file system), ``widget.<hash>.css``, a ``.gz`` and a ``.br`` (brotli)
beside each, ``manifest.json`` naming them and ``sources.json``, the digest of what they were
made from (:mod:`server.bundle`). Hashed names never change content, so they are served with a
year-long cache.

An installed wheel carries that build, made where the wheel was built (``setup.py`` refuses to
package a stale or uncompiled one). ``rendezvous serve`` puts it in the instance folder
(``<instance>/widget-build/``) as it is, without node; only when the installed sources differ
from what it was made of does it build again there. Nothing is ever written into the
installed package: :func:`ensure_built` and :func:`active_build` (which build a request is
answered from).
"""

from __future__ import annotations

import ast
import gzip
import json
import logging
import shutil
import subprocess
from functools import cache
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
from server.bundle import STAMP, bundled, installed, read_stamp, sources_digest

__all__ = [
    "BUILD",
    "STATIC",
    "active_build",
    "build_assets",
    "ensure_built",
    "instance_build",
    "load_manifest",
]

log = logging.getLogger(__name__)

STATIC = bundled("widget", "static")
#: the checkout's build, or the installed wheel's prebuilt one (read-only)
BUILD = STATIC / "build"
WIDGET_PACKAGE = bundled("widget", "rendezvous_widget")
MANIFEST = BUILD / "manifest.json"
#: where an installed package builds its widget when its prebuilt files are out of date
INSTANCE_BUILD = "widget-build"


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
COMPILER = bundled("widget", "compile.js")


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


def _environment(build: Path) -> Environment:
    """The bundles, from the sources of this layout (:func:`server.bundle.bundled`), written
    into ``build``; each is served as ``/widget/static/build/<name>``."""
    env = Environment(directory=str(build), url="/widget/static/build", cache=False, manifest=False)
    env.versions = "hash"
    env.url_expire = False
    env.auto_build = False
    sources = sorted(p for p in WIDGET_PACKAGE.rglob("*.py"))
    first = [str(p) for p in sources if p.stem not in LATER]
    later = [str(p) for p in sources if p.stem in LATER]
    filters = (BrythonPackage, BrythonCompile)
    env.register("widget_js", Bundle(*first, filters=filters, output="widget.%(version)s.js"))
    env.register(
        "widget_later_js", Bundle(*later, filters=filters, output="widget-later.%(version)s.js")
    )
    env.register("widget_css", Bundle(str(STATIC / "widget.css"), output="widget.%(version)s.css"))
    env.register(
        "brython_js",
        Bundle(str(_brython_js()), filters=BrythonRuntime, output="brython.%(version)s.js"),
    )
    return env


def build_assets(build: Path | None = None) -> dict[str, str]:
    """Build every bundle into ``build``, gzip it, and write the manifest and the stamp;
    returns the manifest (``{name: "build/<file>"}``).

    ``build`` defaults to the checkout's ``widget/static/build/``; an installed package must
    name a folder of its instance (:func:`instance_build`): it never writes into itself.
    """
    if build is None:
        if installed():
            raise ValueError("an installed package builds its widget into the instance folder")
        build = BUILD
    digest = sources_digest()
    if build.exists():
        shutil.rmtree(build)
    build.mkdir(parents=True)
    env = _environment(build)
    manifest: dict[str, str] = {}
    for name in ("brython_js", "widget_js", "widget_later_js", "widget_css"):
        bundle = env[name]
        bundle.build(force=True)
        output = build / bundle.resolve_output(env)
        if name == "brython_js" and _node():
            manifest.update(_runtime_pieces(output))
            continue
        _compress(output)
        manifest[name] = f"build/{output.name}"
    (build / "manifest.json").write_text(json.dumps(manifest, indent=2))
    stamp = {"digest": digest, "compiled": _node() is not None, "brython": _brython_version()}
    (build / STAMP).write_text(json.dumps(stamp, indent=2))
    return manifest


def _brython_version() -> str:
    from importlib.metadata import version

    return version("brython")


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


def load_manifest(build: Path = BUILD) -> dict[str, str] | None:
    """The built files' names, or ``None`` when ``build-assets`` has not run."""
    try:
        return json.loads((build / "manifest.json").read_text())
    except FileNotFoundError:
        return None


def instance_build(instance_path: str | Path) -> Path:
    """The folder an installed package builds its widget into: ``<instance>/widget-build``."""
    return Path(instance_path) / INSTANCE_BUILD


@cache
def _installed_digest() -> str:
    """The installed sources' digest: they don't change while the process runs."""
    return sources_digest()


def _current(build: Path) -> bool:
    stamp = read_stamp(build)
    return stamp is not None and stamp.get("digest") == _installed_digest()


@cache
def _prebuilt_current() -> bool:
    current = _current(BUILD)
    if not current:
        log.warning(
            "the installed widget's prebuilt files don't match its sources, and the instance "
            "folder has no build of them: run `rendezvous build-assets` (serving the prebuilt)"
        )
    return current


def _copy_build(source: Path, build: Path) -> None:
    """The package's prebuilt files into the instance folder, whole or not at all: copied
    beside it, then renamed into place (SPEC §12: built files live in the instance folder)."""
    partial = build.with_name(f"{build.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(source, partial)
    shutil.rmtree(build, ignore_errors=True)
    partial.rename(build)


def active_build(instance_path: str | Path) -> Path:
    """The folder the widget's files are served from.

    In a checkout, ``widget/static/build/`` (as ``build-assets`` left it). Installed, the
    instance's build (which ``serve`` copies from the package, or rebuilds when the installed
    sources changed) when it matches the installed sources; else, for a server started
    without ``serve``, the package's prebuilt one, read as it is (still a whole widget).
    """
    if not installed():
        return BUILD
    own = instance_build(instance_path)
    if _current(own):
        return own
    _prebuilt_current()  # (says once when even that one is out of date)
    return BUILD


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


def ensure_built(instance_path: str | Path | None = None) -> dict[str, str]:
    """Build when the build is missing or older than a source; safe across processes.

    Test workers and several server processes may call this at once: a file lock lets one
    build while the others wait, then read its manifest. In a checkout the build is
    ``widget/static/build/``; an installed package (``instance_path`` required) keeps its
    prebuilt files while they match its sources, else builds into the instance folder.
    """
    import fcntl

    if installed():
        if instance_path is None:
            raise ValueError("an installed package builds its widget into the instance folder")
        build = instance_build(instance_path)
        build.parent.mkdir(parents=True, exist_ok=True)
        with open(build.with_name(f"{build.name}.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            manifest = load_manifest(build)
            if manifest is not None and _current(build):
                return manifest
            if _current(BUILD):  # the wheel's own build: copied, no node needed
                _copy_build(BUILD, build)
                return load_manifest(build) or {}
            log.warning("the installed widget's sources changed: building it into %s", build)
            return build_assets(build)
    BUILD.parent.mkdir(parents=True, exist_ok=True)
    with open(BUILD.parent / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manifest = load_manifest()
        if manifest is not None and read_stamp(BUILD) is not None:
            built = MANIFEST.stat().st_mtime
            if all(p.stat().st_mtime <= built for p in _sources()):
                return manifest
        return build_assets()
