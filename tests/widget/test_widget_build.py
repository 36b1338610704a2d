"""The built widget (issue 13): compiled to JavaScript at build time, on a runtime without
Brython's compiler, with brotli and gzip twins, served in the encoding the browser takes."""

from __future__ import annotations

import ast
import gzip
import io
import json
import shutil
import subprocess

import brotli
import pytest

from server.assets import (
    BUILD,
    LATER,
    PACKAGE_CALL,
    RUNTIME_PIECES,
    WIDGET_PACKAGE,
    BrythonCompile,
    BrythonRuntime,
    ensure_built,
    without_docstrings,
)
from server.brython_runtime import (
    SEPARATOR,
    BrythonLayoutError,
    modules_as_functions,
    split_runtime,
    without_builtin_docs,
)

SOURCE = '''"""A module — with “quotes” and → arrows."""

X = 1


class Thing:
    """One line."""

    def go(self):
        """Several
        lines, non-ASCII: −4."""
        return X  # after


def only():
    """Nothing else."""
'''


def _docstrings(tree: ast.AST) -> list[str]:
    return [
        node.body[0].value.value
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
        and isinstance(node.body[0].value.value, str)
    ]


def test_docstrings_are_dropped_and_every_line_stays_where_it_was():
    out = without_docstrings(SOURCE)
    tree = ast.parse(out)
    assert _docstrings(tree) == []
    assert len(out.splitlines()) == len(SOURCE.splitlines())
    assert out.splitlines()[11] == SOURCE.splitlines()[11] == "        return X  # after"
    namespace: dict = {}
    exec(compile(out, "m", "exec"), namespace)  # noqa: S102 — our own test source
    assert namespace["Thing"]().go() == 1
    assert namespace["only"]() is None


#: runs a built bundle in node against a stand-in __BRYTHON__: its VFS entries, and each
#: precompiled module's code as text (a package's in a list, as Brython's importer takes it)
_READ_BUNDLE = """
const B = { precompiled: {}, vfs: {}, loadBrythonPackage(e) { Object.assign(this.vfs, e); } };
globalThis.__BRYTHON__ = B;
require(process.argv[1]);
const text = (f) => (typeof f === "function" ? f.toString() : f);
const code = {};
for (const [k, v] of Object.entries(B.precompiled)) {
  code[k] = Array.isArray(v) ? [text(v[0])] : text(v);
}
process.stdout.write(JSON.stringify([B.vfs, code]));
"""


def _bundle(name: str) -> tuple[dict, dict]:
    path = BUILD.parent / ensure_built()[name]
    done = subprocess.run(
        [shutil.which("node") or "node", "-e", _READ_BUNDLE, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    entries, compiled = json.loads(done.stdout)
    return entries, compiled


def test_the_widget_ships_compiled_javascript_and_no_python():
    entries, compiled = _bundle("widget_js")
    later_entries, later_compiled = _bundle("widget_later_js")
    modules = {"rendezvous_widget"} | {
        f"rendezvous_widget.{p.stem}" for p in WIDGET_PACKAGE.glob("*.py") if p.stem != "__init__"
    }
    assert set(entries) | set(later_entries) == set(compiled) | set(later_compiled) == modules
    assert set(entries) == set(compiled) and set(later_entries) == set(later_compiled)
    assert all(entry[1] == "" for entry in [*entries.values(), *later_entries.values()])
    # a function of the module's namespace, compiled with the file (modules_as_functions)
    assert compiled["rendezvous_widget"][0].startswith("function(locals_rendezvous_widget){")
    assert "var $B = __BRYTHON__" in compiled["rendezvous_widget"][0]
    assert "def " not in compiled["rendezvous_widget.markup"]


def test_the_form_and_the_other_views_come_in_the_second_file():
    entries, _ = _bundle("widget_js")
    later, _ = _bundle("widget_later_js")
    assert set(later) == {f"rendezvous_widget.{m}" for m in LATER}
    assert "rendezvous_widget.calendar" in entries and "rendezvous_widget.form" not in entries


def _runtime() -> str:
    """The built runtime's pieces (brython_js, brython_2_js, …), joined in their order."""
    manifest = ensure_built()
    names = ["brython_js", *(f"brython_{n}_js" for n in range(2, RUNTIME_PIECES + 1))]
    return "".join((BUILD.parent / manifest[name]).read_text() for name in names)


def test_the_runtime_has_no_compiler_and_no_help_texts():
    runtime = _runtime()
    assert "$B.compiler_stripped" in runtime
    assert "// >>> brython compiler chain" not in runtime
    assert "var docs={ArithmeticError:" not in runtime
    assert "var docs={}" in runtime
    assert "for(var key in docs)" in runtime


def test_the_runtime_imports_modules_shipped_as_functions():
    runtime = _runtime()
    assert 'typeof mod_js=="function"?mod_js(mod):' in runtime


def test_an_importer_laid_out_otherwise_is_refused_rather_than_patched():
    with pytest.raises(BrythonLayoutError):
        modules_as_functions("var $module=new Function(mod_js)(mod)")


def test_a_runtime_laid_out_otherwise_is_refused_rather_than_shipped():
    with pytest.raises(BrythonLayoutError):
        without_builtin_docs("(function($B){})(__BRYTHON__)\n;\nvar documents={}")


def test_the_runtime_ships_in_pieces_of_about_the_same_size():
    manifest = ensure_built()
    names = ["brython_js", *(f"brython_{n}_js" for n in range(2, RUNTIME_PIECES + 1))]
    sizes = [(BUILD.parent / manifest[name]).stat().st_size for name in names]
    assert len(sizes) == RUNTIME_PIECES > 1
    assert max(sizes) < 1.5 * min(sizes)


def test_cut_pieces_of_the_runtime_are_its_files_in_order():
    files = ["var __BRYTHON__={}"] + [f"(function($B){{$B.f{n}=1}})(__BRYTHON__)" for n in range(5)]
    source = SEPARATOR.join(files)
    pieces = split_runtime(source, 2)
    assert len(pieces) == 2
    assert SEPARATOR.join(p.rstrip("\n") for p in pieces) == source


def test_a_runtime_cut_inside_a_file_is_refused():
    files = ["var __BRYTHON__={}", "(function($B){$B.x=1", "})(__BRYTHON__)"]
    with pytest.raises(BrythonLayoutError):
        split_runtime(SEPARATOR.join(files), 2)


@pytest.mark.parametrize(
    "name", ["brython_js", "brython_2_js", "widget_js", "widget_later_js", "widget_css"]
)
def test_every_built_file_has_brotli_and_gzip_twins_of_the_same_bytes(name):
    path = BUILD.parent / ensure_built()[name]
    raw = path.read_bytes()
    assert brotli.decompress(path.with_name(path.name + ".br").read_bytes()) == raw
    assert gzip.decompress(path.with_name(path.name + ".gz").read_bytes()) == raw


def test_without_node_the_widget_ships_its_python_and_the_full_runtime(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    package = f"{PACKAGE_CALL}{json.dumps({'rendezvous_widget.x': ['.py', 'X = 1', []]})});\n"
    out = io.StringIO()
    BrythonCompile().output(io.StringIO(package), out)
    assert out.getvalue() == package
    out = io.StringIO()
    BrythonRuntime().output(io.StringIO("// >>> brython compiler chain\n"), out)
    assert out.getvalue() == "// >>> brython compiler chain\n"


@pytest.mark.db
@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_built_files_and_the_loader_are_sent_in_the_encoding_asked(client, encoding):
    manifest = ensure_built()
    unpack = brotli.decompress if encoding == "br" else gzip.decompress
    for url in ("/embed/v1/embed.js", f"/widget/static/{manifest['widget_js']}"):
        response = client.get(url, headers={"Accept-Encoding": f"{encoding}, deflate"})
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in response.headers["Vary"]
        assert unpack(response.get_data()).startswith((b"/*!", b"__BRYTHON__"))


@pytest.mark.db
def test_a_build_twin_is_not_served_as_a_file_of_its_own(client):
    manifest = ensure_built()
    assert client.get(f"/widget/static/{manifest['widget_js']}.br").status_code == 404
