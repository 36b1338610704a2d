"""Brython's runtime without its compiler (server/brython_runtime.py) runs precompiled modules.

Modules are compiled by the full brython.js in node, as the build does, then imported on the
stripped runtime in a fresh node ``vm`` context (a few browser globals stand in for a page)
and, for the real widget, in Chromium.
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from server.brython_runtime import (
    CHAIN_BEGIN,
    CHAIN_END,
    IMPORT_ENTRY_POINT,
    BrythonLayoutError,
    lazy_html_tags,
    runtime_without_compiler,
)

PACKAGE = Path(__file__).resolve().parents[2] / "widget" / "rendezvous_widget"

#: Names of ``__BRYTHON__`` that only Brython's compiler defines (see the module docstring).
COMPILER_ONLY_NAMES = {
    "AST",
    "EXACT_TOKEN_TYPES",
    "PyPegen",
    "_PyAST",
    "ast",
    "ast_attributes",
    "ast_classes",
    "helper_functions",
    "make_error_known_token",
    "op2ast_class",
    "op_types",
    "parser_constants",
    "prepare_number",
    "prepare_string",
    "py_tokens",
    "raise_error_known_location",
    "token_name",
}

#: Reads one JSON request on stdin, answers one JSON object on stdout.
HARNESS = r"""
"use strict";
const fs = require("fs");
const vm = require("vm");

// The window shim of the build's compiler, plus Event (Brython's get_class tests for it).
function page() {
  const noop = () => {};
  const element = () => ({ setAttribute: noop, appendChild: noop, addEventListener: noop,
    style: {}, getElementsByTagName: () => [], querySelectorAll: () => [] });
  const location = { href: "http://x/", protocol: "http:", origin: "http://x", pathname: "/" };
  const document = { getElementsByTagName: () => [], querySelectorAll: () => [],
    createElement: element, addEventListener: noop, currentScript: { src: "http://x/brython.js" },
    documentElement: element(), head: element(), body: element(), readyState: "complete",
    location };
  const win = { document, location, navigator: { userAgent: "node", language: "en" },
    addEventListener: noop, setTimeout, clearTimeout,
    console: { log: noop, info: noop, debug: noop, warn: noop, error: noop },
    performance: { now: () => Date.now() }, URL, URLSearchParams, TextEncoder, TextDecoder,
    Event: class Event {}, CustomEvent: class CustomEvent {} };
  win.window = win;
  win.self = win;
  return vm.createContext(win);
}

function load(path) {
  const context = page();
  vm.runInContext(fs.readFileSync(path, "utf8"), context, { filename: path });
  return context;
}

const ops = {
  // {name: [source, is_package]} → {name: {js, imports}}, as widget/compile.js does
  compile({ brython, modules }) {
    const B = load(brython).__BRYTHON__;
    const out = {};
    for (const [name, [source, isPackage]] of Object.entries(modules)) {
      const filename = "VFS." + name + (isPackage ? "/__init__.py" : ".py");
      B.url2name[filename] = name; // the module's namespace is named after it, not the file
      const root = B.py2js({ src: source, filename, imported: true }, name, name,
        B.builtins_scope);
      out[name] = { js: root.to_js(), imports: Object.keys(root.imports || {}) };
    }
    return out;
  },
  // loads the runtime and the modules, imports `entry` the documented way, evaluates `check`
  run({ brython, vfs, precompiled, entry, check }) {
    const context = load(brython);
    const B = context.__BRYTHON__;
    B.loadBrythonPackage(vfs);
    Object.assign(B.precompiled, precompiled);
    let module = null, error = null;
    try {
      module = B.builtins.repr(vm.runInContext(entry, context));
    } catch (exc) {
      error = B.error_trace(B.exception(exc));
    }
    return { module, error, check: check && !error ? vm.runInContext(check, context) : null };
  },
  // the names of __BRYTHON__ that one runtime defines and not the other
  names({ full, stripped }) {
    const a = load(full).__BRYTHON__, b = load(stripped).__BRYTHON__;
    const diff = (x, y) => Object.keys(x).filter((k) => !(k in y)).sort();
    return {
      only_full: diff(a, b), only_stripped: diff(b, a),
      builtins_only_full: diff(a.builtins, b.builtins),
      modules_only_full: diff(a.imported, b.imported),
    };
  },
};

const request = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(ops[request.op](request)));
"""

DEMO = {
    "demo": (
        '''"""A package: a closure, a dict comprehension, try/except, f-strings, __import__."""

from browser import window

from .shapes import Square, make_counter

counter = make_counter(10)
counter()
total = counter()
squares = {n: Square(n).area() for n in range(1, 5)}
try:
    Square(-1)
except ValueError as error:
    caught = f"caught: {error}"
sibling = __import__("demo.shapes", fromlist=["Square"])
label = f"{Square(3)!r} has area {Square(3).area():>4}"
try:
    from .shapes import sorted  # an optional override: the builtin when shapes has none
except ImportError:
    pass
ordered = sorted([3, 1, 2])
no_compiler = ""
try:
    eval("1 + 1")
except Exception as error:
    no_compiler = str(error)


def report():
    return {
        "total": total,
        "squares": squares,
        "caught": caught,
        "same_class": sibling.Square is Square,
        "label": label,
        "ordered": ordered,
        "isidentifier": ["été".isidentifier(), "2x".isidentifier()],
        "no_compiler": no_compiler,
    }


window.demo_report = report
''',
        True,
    ),
    "demo.shapes": (
        """class Square:
    def __init__(self, side):
        if side < 0:
            raise ValueError(f"negative side {side}")
        self.side = side

    def area(self):
        return self.side * self.side

    def __repr__(self):
        return f"Square({self.side})"


def make_counter(start):
    count = start

    def step():
        nonlocal count
        count += 1
        return count

    return step
""",
        False,
    ),
}


def _brython_js() -> Path:
    import brython

    return Path(brython.__file__).with_name("data") / "brython.js"


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The node harness, and the full and stripped runtimes as files."""
    if shutil.which("node") is None:
        pytest.fail("node is not on PATH: the build needs it to compile the widget")
    folder = tmp_path_factory.mktemp("brython_runtime")
    (folder / "harness.js").write_text(HARNESS)
    full = _brython_js()
    (folder / "stripped.js").write_text(runtime_without_compiler(full.read_text()))
    return {"harness": folder / "harness.js", "full": full, "stripped": folder / "stripped.js"}


def _node(work: dict[str, Path], **request: Any) -> Any:
    done = subprocess.run(
        ["node", str(work["harness"])],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


Package = tuple[dict[str, list[Any]], dict[str, Any]]


def _package(
    work: dict[str, Path], modules: dict[str, tuple[str, bool]], *, sources: bool
) -> Package:
    """VFS entries (as server/assets.py writes them) and ``__BRYTHON__.precompiled``."""
    compiled = _node(
        work,
        op="compile",
        brython=str(work["full"]),
        modules={name: [source, package] for name, (source, package) in modules.items()},
    )
    vfs, precompiled = {}, {}
    for name, (source, package) in modules.items():
        entry = [".py", source if sources else "", compiled[name]["imports"]]
        vfs[name] = [*entry, 1] if package else entry
        precompiled[name] = [compiled[name]["js"]] if package else compiled[name]["js"]
    return vfs, precompiled


def _import(
    work: dict[str, Path], runtime: str, package: Package, name: str, check: str | None = None
) -> dict[str, Any]:
    """Import ``name`` on ``runtime`` ("full" or "stripped") through the documented entry point."""
    vfs, precompiled = package
    return _node(
        work,
        op="run",
        brython=str(work[runtime]),
        vfs=vfs,
        precompiled=precompiled,
        entry=IMPORT_ENTRY_POINT.format(name=json.dumps(name)),
        check=check,
    )


REPORT = "JSON.parse(JSON.stringify(demo_report()))"


@pytest.fixture(scope="module")
def demo(work: dict[str, Path]) -> Package:
    return _package(work, DEMO, sources=True)


def test_a_precompiled_package_runs_on_the_stripped_runtime(work, demo):
    run = _import(work, "stripped", demo, "demo", REPORT)
    assert run["error"] is None, run["error"]
    assert run["module"] == "<module 'demo' from VFS.demo/__init__.py>"
    report = run["check"]
    assert report["total"] == 12
    assert report["squares"] == {"1": 1, "2": 4, "3": 9, "4": 16}
    assert report["caught"] == "caught: negative side -1"
    assert report["same_class"] is True
    assert report["label"] == "Square(3) has area    9"
    assert report["ordered"] == [1, 2, 3]
    assert report["isidentifier"] == [True, False]


def test_the_package_gives_the_same_results_on_the_full_runtime(work, demo):
    full = _import(work, "full", demo, "demo", REPORT)["check"]
    stripped = _import(work, "stripped", demo, "demo", REPORT)["check"]
    assert full.pop("no_compiler") == ""  # eval works there
    stripped.pop("no_compiler")
    assert stripped == full


def test_eval_in_a_precompiled_module_says_the_compiler_was_stripped(work, demo):
    report = _import(work, "stripped", demo, "demo", REPORT)["check"]
    assert "Brython's compiler is not in this runtime" in report["no_compiler"]


def test_importing_a_module_that_is_not_precompiled_fails_with_a_clear_error(work, demo):
    vfs, _ = demo
    run = _import(work, "stripped", (vfs, {}), "demo")
    assert run["module"] is None
    assert "Brython's compiler is not in this runtime" in run["error"]
    assert "'VFS.demo/__init__.py' is not in __BRYTHON__.precompiled" in run["error"]


def test_the_stripped_runtime_lacks_only_the_compilers_names(work):
    names = _node(work, op="names", full=str(work["full"]), stripped=str(work["stripped"]))
    assert set(names["only_full"]) <= COMPILER_ONLY_NAMES, names["only_full"]
    assert names["only_stripped"] == ["compiler_stripped"]
    assert names["builtins_only_full"] == []
    assert names["modules_only_full"] == []


def test_the_stripped_runtime_is_much_smaller(work):
    full = work["full"].read_bytes()
    stripped = work["stripped"].read_bytes()
    sizes = {
        name: (len(data), len(gzip.compress(data, compresslevel=9)))
        for name, data in (("full", full), ("stripped", stripped))
    }
    print(
        "\nbrython.js raw/gzip: full {0[0]:,} / {0[1]:,} B, stripped {1[0]:,} / {1[1]:,} B".format(
            sizes["full"], sizes["stripped"]
        )
    )
    assert sizes["full"][0] - sizes["stripped"][0] > 600_000, sizes
    assert sizes["full"][1] - sizes["stripped"][1] > 75_000, sizes


TAGS = {
    "tags": (
        '''"""browser.html on a runtime whose tag classes are made on first use."""

from browser import html, window
from browser.html import SPAN

div = html.DIV("hi", Class="box")
again = html.DIV("there")
try:
    html.NOT_A_TAG
except AttributeError as error:
    missing = str(error)
spare = getattr(html, "BLINK", None)


def report():
    return {
        "div": [type(div).__name__, div.innerHTML, isinstance(div, html.DIV)],
        "same_class": type(again) is html.DIV,
        "span": SPAN.__name__,
        "missing": missing,
        "spare": spare is None,
        "used": sorted(html.tags.keys()),
    }


window.tags_report = report
''',
        False,
    )
}


@pytest.fixture(scope="module")
def lazy(work: dict[str, Path]) -> dict[str, Path]:
    path = work["stripped"].with_name("lazy.js")
    path.write_text(lazy_html_tags(work["stripped"].read_text()))
    return {**work, "lazy": path}


TAGS_REPORT = "JSON.parse(JSON.stringify(tags_report()))"


def test_html_tag_classes_made_on_first_use_work_as_the_eager_ones(lazy):
    package = _package(lazy, TAGS, sources=False)
    run = _import(lazy, "lazy", package, "tags", TAGS_REPORT)
    assert run["error"] is None, run["error"]
    report = run["check"]
    assert report["span"] == "SPAN"
    assert report["div"][1] == "hi"
    assert report["missing"] == "module 'browser.html' has no attribute 'NOT_A_TAG'"
    assert report["spare"] is True
    assert report["used"] == ["DIV", "SPAN"]
    eager = _import(lazy, "stripped", package, "tags", TAGS_REPORT)["check"]
    assert len(eager.pop("used")) > 100  # the eager runtime made every tag at start
    assert eager == {name: value for name, value in report.items() if name != "used"}


def test_the_lazy_runtime_makes_no_tag_class_at_start(lazy):
    package = _package(lazy, TAGS, sources=False)
    count = (
        "Object.values(__BRYTHON__.created_types)"
        ".filter((cls) => cls.tp_bases[0] === __BRYTHON__.DOMNode).length"
    )
    assert _import(lazy, "stripped", package, "tags", count)["check"] > 100
    assert _import(lazy, "lazy", package, "tags", count)["check"] == 2  # DIV and SPAN


def test_lazy_tags_refuse_an_unexpected_layout():
    source = runtime_without_compiler(_brython_js().read_text())
    with pytest.raises(BrythonLayoutError):
        lazy_html_tags(source.replace("for(var tagName of tags){", "for(let tagName of tags){"))


def _moved_helper(source: str) -> str:
    return source.replace("\n$B.resolve_local=function", "\n$B.resolve_local_v2=function")


def _unknown_chain_file(source: str) -> str:
    extra = "(function($B){$B.new_parser_step=function(){}})(__BRYTHON__)"
    return source.replace(f"\n;\n{CHAIN_END}", f"\n;\n{extra}\n;\n{CHAIN_END}")


def _no_chain_markers(source: str) -> str:
    return source.replace(CHAIN_BEGIN, "").replace(CHAIN_END, "")


def _glued_files(source: str) -> str:
    head, _, tail = source.partition("\n;\n" + CHAIN_BEGIN)
    return head + "\n" + CHAIN_BEGIN + tail


def _unbalanced_compiler_file(source: str) -> str:
    return source.replace("\n$B.prepare_number=function", "\n{\n$B.prepare_number=function")


@pytest.mark.parametrize(
    "change",
    [
        _moved_helper,
        _unknown_chain_file,
        _no_chain_markers,
        _glued_files,
        _unbalanced_compiler_file,
    ],
)
def test_an_unexpected_brython_layout_raises_instead_of_guessing(change):
    source = _brython_js().read_text()
    runtime_without_compiler(source)  # the real one is fine
    with pytest.raises(BrythonLayoutError):
        runtime_without_compiler(change(source))


@pytest.fixture(scope="module")
def widget_bundle(work: dict[str, Path]) -> str:
    """The widget's modules as the build ships them: VFS entries without source, and code."""
    modules = {}
    for path in sorted(PACKAGE.glob("*.py")):
        is_package = path.stem == "__init__"
        name = PACKAGE.name if is_package else f"{PACKAGE.name}.{path.stem}"
        modules[name] = (path.read_text(), is_package)
    vfs, precompiled = _package(work, modules, sources=False)
    return (
        f"__BRYTHON__.loadBrythonPackage({json.dumps(vfs)});\n"
        f"Object.assign(__BRYTHON__.precompiled, {json.dumps(precompiled)});\n"
    )
