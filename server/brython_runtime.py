"""Brython's runtime without its compiler, for a page that only runs precompiled modules.

The widget's Python is compiled to JavaScript at build time (``__BRYTHON__.precompiled``), so
the visitor's browser never needs Brython's compiler: tokenizer, PEG parser and its generated
grammar, symbol table and AST-to-JavaScript translator are 650 KB of brython.js's 1.46 MB
(84 KB of its 286 KB gzipped, Brython 3.15.0). :func:`runtime_without_compiler` cuts them out
of brython.js's text.

How brython.js is laid out (Brython's ``scripts/make_dist.py``): the minified ``www/src/*.js``
files of ``scripts/core_scripts.py``, each followed by a line holding a lone ``;``. Brython
3.15 puts the parser chain (``symtable`` … ``gen_parse``) between the comments
``// >>> brython compiler chain`` and ``// <<< brython compiler chain``. Outside them, four more
files serve only the compiler: ``py_tokens``, ``py_ast_classes`` and ``py_ast`` go whole;
``python_tokenizer`` and ``ast_to_js`` also hold functions that the runtime and the *compiled*
code call, so their beginning is kept up to those functions:

* ``python_tokenizer``: ``$B.is_XID_Start``, ``$B.is_XID_Continue`` and
  ``$B.in_unicode_category`` (``str.isidentifier()``, ``str.isalpha()``, ...);
* ``ast_to_js``: ``$B.resolve*`` and ``$B.own_class_name`` (compiled code looks names up
  with them), ``$B.scope_name`` (the importer names a module's namespace with it),
  ``$B.decode_position`` (tracebacks), ``$B.copy_position``, and the ``builtins_scope`` they
  read.

The entry points of the compiler then throw an ``Error`` saying the compiler was stripped:
``$B.py2js`` (so ``runPythonSource``, ``run_script`` and importing a module that is not
precompiled), ``$B.Parser``, ``$B._PyPegen.run_parser``, ``$B._PySymtable_Build``,
``$B.js_from_root`` / ``js_from_ast`` (``exec``, ``eval``, ``compile``) and ``$B.tokenizer``.
Error reports that re-parse a source line to underline it (``py_exceptions``) already catch
a failing parse and fall back to the plain report.

Every file is found by what it defines, and every cut is checked with a small JavaScript
scanner (strings, template literals, regular expressions, comments) to fall between two
top-level statements: anything unexpected, such as a Brython upgrade moving a function,
raises :class:`BrythonLayoutError` instead of shipping a runtime that breaks in the page.

Importing without compiling: the importer's ``VFSFinder`` / ``VFSLoader`` run a module found
in ``__BRYTHON__.VFS`` (``loadBrythonPackage``) from ``__BRYTHON__.precompiled`` when it is
there. From JavaScript, with no Python frame running::

    __BRYTHON__.$__import__("rendezvous_widget", __BRYTHON__.builtins.None, {}, [])

returns the top-level module (a non-empty ``fromlist`` such as ``["x"]`` returns the named
module itself). It throws the Python exception if the module raises one:
``__BRYTHON__.handle_error(__BRYTHON__.exception(error))`` prints Brython's traceback and
``__BRYTHON__.error_trace(__BRYTHON__.exception(error))`` returns it as text. Not these:
``runPythonSource("import x")`` / ``importPythonModule`` compile their argument, and
``$B.import``, which compiled ``import`` statements call, needs a running Python frame.

The build must compile each module as Brython's importer would: set
``__BRYTHON__.url2name[filename] = module_name`` before ``py2js``, or the code names its
namespace after the file (``locals_VFS_x_py``) and the importer, which runs it expecting
``locals_x``, fails (and relative imports find no parent package).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "CHAIN_BEGIN",
    "lazy_html_tags",
    "modules_as_functions",
    "split_runtime",
    "CHAIN_END",
    "IMPORT_ENTRY_POINT",
    "BrythonLayoutError",
    "runtime_without_compiler",
]

CHAIN_BEGIN = "// >>> brython compiler chain"
CHAIN_END = "// <<< brython compiler chain"
#: Separator make_dist.py writes after each minified source file.
SEPARATOR = "\n;\n"
#: JavaScript that imports a precompiled module (and its parents) without compiling.
IMPORT_ENTRY_POINT = "__BRYTHON__.$__import__({name}, __BRYTHON__.builtins.None, {{}}, [])"


class BrythonLayoutError(RuntimeError):
    """brython.js is not laid out as this module expects: most likely a Brython upgrade.

    Re-read the new ``www/src`` files listed here before changing the markers: shipping a
    runtime with a missing function would only fail in the visitor's browser.
    """


@dataclass(frozen=True)
class _Removed:
    """A source file of Brython's compiler, recognised by a definition only it holds."""

    name: str
    signature: str


@dataclass(frozen=True)
class _Trimmed:
    """A compiler file whose first part the runtime needs.

    Kept: the file from its start through the top-level statement beginning with ``through``,
    plus the statements from the one beginning with ``extra_from`` through the one beginning
    with ``extra_through`` (when given). ``required`` must all be defined in what is kept.
    """

    name: str
    signature: str
    through: str
    required: tuple[str, ...]
    extra_from: str | None = None
    extra_through: str | None = None


#: Files between the chain markers: every one must be known here.
_CHAIN = (
    _Removed("symtable", "$B._PySymtable_Build=function"),
    _Removed("action_helpers", "$B._PyPegen={}"),
    _Removed("string_parser", "$B.prepare_string=function"),
    _Removed("number_parser", "$B.prepare_number=function"),
    _Removed("python_parser", "$B.Parser=function"),
    _Removed("pegen", "$B._PyPegen.run_parser=function"),
    _Removed("gen_parse", "$B._PyPegen.parse=function"),
)
_OUTSIDE_CHAIN = (
    _Removed("py_tokens", "$B.py_tokens={}"),
    _Removed("py_ast_classes", "__BRYTHON__.ast_classes={"),
    _Removed("py_ast", "$B.create_python_ast_classes=function"),
)
_TRIMMED = (
    _Trimmed(
        "python_tokenizer",
        signature="$B.tokenizer=function",
        through="function in_unicode_category(",
        required=("$B.is_XID_Start=", "$B.is_XID_Continue=", "$B.in_unicode_category="),
    ),
    _Trimmed(
        "ast_to_js",
        signature="$B.js_from_root=function",
        through="$B.own_class_name=function",
        required=(
            "$B.copy_position=",
            "$B.decode_position=",
            "$B.scope_name=",
            "$B.resolve=",
            "$B.resolve_local=",
            "$B.resolve_in_scopes=",
            "$B.resolve_global=",
            "$B.own_class_name=",
            "function resolve_in_namespace(",
            "function Scope(",
        ),
        extra_from="var exclude_from_builtins=",
        extra_through="for(var name in $B.builtins)",
    ),
)
#: Definitions that must not survive in the runtime (they are the compiler).
_FORBIDDEN = (
    "$B.tokenizer=function",
    "$B.js_from_root=function",
    "$B.js_from_ast=function",
    "$B.Parser=function",
    "$B._PySymtable_Build=function",
    "$B._PyPegen.parse=function",
    "$B.create_python_ast_classes=function",
)
#: What the kept runtime must still define: the files this module leaves whole.
_RUNTIME_REQUIRED = (
    "$B.py2js=function",  # overridden by the stub, defined by py2js.js with brython()
    "$B.$__import__=function",
    "$B.run_py=run_py",
    "VFSLoader_funcs.exec_module=function",
    "$B.precompiled.hasOwnProperty(mod_name)",
    "$B.loadBrythonPackage=function",
)

_STUBS = """\
// Rendezvous: Brython's compiler was removed here (server/brython_runtime.py)
(function($B){"use strict";
function stripped(what,compiles_module){return function(src){
var name=compiles_module && src ? (src.filename || arguments[1]) : undefined
throw new Error("Brython's compiler is not in this runtime: " + what + " was stripped " +
"at build time (Rendezvous, server/brython_runtime.py); it runs precompiled modules only" +
(name ? ", and '" + name + "' is not in __BRYTHON__.precompiled" : ""))}}
$B.compiler_stripped=true
$B.py2js=stripped("$B.py2js",true)
$B.Parser=stripped("$B.Parser")
$B._PyPegen={run_parser:stripped("$B._PyPegen.run_parser")}
$B._PySymtable_Build=stripped("$B._PySymtable_Build")
$B.js_from_root=stripped("$B.js_from_root")
$B.js_from_ast=stripped("$B.js_from_ast")
$B.tokenizer=stripped("$B.tokenizer")
$B.create_python_ast_classes=stripped("$B.create_python_ast_classes")
$B.ast_js_to_py=stripped("$B.ast_js_to_py")
$B.ast_py_to_js=stripped("$B.ast_py_to_js")
})(__BRYTHON__)"""

_KEYWORDS_BEFORE_REGEX = frozenset(
    "return typeof case do else in of new delete void throw instanceof yield await".split()
)
_SPECIAL = re.compile(r"[`'\"/(){}\[\]\n]")
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_TEMPLATE = re.compile(r"\\.|`|\$\{", re.S)
_REGEX_BODY = re.compile(r"(?:[^\\/\[\n]|\\.|\[(?:[^\\\]\n]|\\.)*\])*/[a-z]*")
_QUOTED = {q: re.compile(r"(?:[^\\\n" + q + r"]|\\[\s\S])*" + q) for q in "'\""}
_WRAPPED_START = re.compile(r'\s*(?:"use strict";\s*)?;?\s*\(function\(\$B\)\{')
_WRAPPED_END = re.compile(r"\}\)\(__BRYTHON__\);?\s*$")
#: Bracket depth of a top-level statement in ``(function($B){...})``: one "(" and one "{".
_TOP_LEVEL = 2


def _scan(text: str, name: str) -> dict[int, int]:
    """The bracket depth after each newline that is JavaScript code (not in a string...).

    Raises when a bracket does not match or a string, template, comment or regular
    expression is not closed: the text is not one or more whole JavaScript statements.
    """
    depths: dict[int, int] = {}
    stack: list[str] = []  # "(", "[", "{" or "${" (code inside a template literal)
    pos, end = 0, len(text)

    def fail(message: str, at: int) -> BrythonLayoutError:
        line = text.count("\n", 0, at) + 1
        return BrythonLayoutError(f"{name}: {message} at line {line} of the file")

    def skip_template(at: int) -> int:
        """From inside a template literal, the index after its end or after a ``${``."""
        while True:
            hit = _TEMPLATE.search(text, at)
            if hit is None:
                raise fail("template literal not closed", at)
            if hit.group() == "`":
                return hit.end()
            if hit.group() == "${":
                stack.append("${")
                return hit.end()
            at = hit.end()

    def skip_quoted(at: int, quote: str) -> int:
        hit = _QUOTED[quote].match(text, at)
        if hit is None:
            raise fail(f"string {quote}...{quote} not closed", at)
        return hit.end()

    def regex_allowed(at: int) -> bool:
        back = at - 1
        while back >= 0 and text[back] in " \t\n":
            back -= 1
        if back < 0:
            return True
        before = text[back]
        if before in ")]}" or before.isalnum() or before in "_$":
            word = re.search(r"[\w$]+$", text[max(0, back - 20) : back + 1])
            return bool(word) and word.group() in _KEYWORDS_BEFORE_REGEX
        return True

    while pos < end:
        hit = _SPECIAL.search(text, pos)
        if hit is None:
            break
        char, pos = hit.group(), hit.end()
        if char == "\n":
            depths[pos - 1] = len(stack)
        elif char in "([{":
            stack.append(char)
        elif char in ")]":
            if not stack or stack.pop() != _CLOSERS[char]:
                raise fail(f"unmatched {char!r}", pos - 1)
        elif char == "}":
            if not stack:
                raise fail("unmatched '}'", pos - 1)
            opener = stack.pop()
            if opener == "${":
                pos = skip_template(pos)
            elif opener != "{":
                raise fail("unmatched '}'", pos - 1)
        elif char == "`":
            pos = skip_template(pos)
        elif char in "'\"":
            pos = skip_quoted(pos, char)
        elif text.startswith("//", pos - 1):
            newline = text.find("\n", pos)
            pos = end if newline == -1 else newline
        elif text.startswith("/*", pos - 1):
            close = text.find("*/", pos + 1)
            if close == -1:
                raise fail("comment not closed", pos - 1)
            pos = close + 2
        elif regex_allowed(pos - 1):
            literal = _REGEX_BODY.match(text, pos)
            if literal is None:
                raise fail("regular expression not closed", pos - 1)
            pos = literal.end()
    if stack:
        raise fail(f"{len(stack)} bracket(s) not closed", end)
    return depths


def _check_wrapped(text: str, name: str) -> None:
    """A file of statements wrapped in ``(function($B){...})(__BRYTHON__)``, as Brython's are."""
    if _WRAPPED_START.match(text) is None:
        raise BrythonLayoutError(f"{name}: does not start with (function($B){{")
    if _WRAPPED_END.search(text) is None:
        raise BrythonLayoutError(f"{name}: does not end with }})(__BRYTHON__)")


def _statement_start(text: str, marker: str, depths: dict[int, int], name: str) -> int:
    """Where the one top-level statement beginning with ``marker`` starts in ``text``."""
    starts = [m.start() + 1 for m in re.finditer(re.escape("\n" + marker), text)]
    if len(starts) != 1:
        raise BrythonLayoutError(
            f"{name}: expected one line starting with {marker!r}, found {len(starts)}"
        )
    if depths.get(starts[0] - 1) != _TOP_LEVEL:
        raise BrythonLayoutError(f"{name}: {marker!r} is not a top-level statement")
    return starts[0]


def _statement_end(text: str, start: int, depths: dict[int, int], name: str) -> int:
    """The index of the newline ending the top-level statement starting at ``start``.

    The minifier breaks lines inside expressions too (``[...].\\nmap(...)``): a newline at the
    statement's depth ends it unless the line ends or the next one begins with an operator.
    """
    for newline in sorted(p for p, d in depths.items() if p >= start and d == _TOP_LEVEL):
        before = text[start:newline].rstrip()
        after = text[newline + 1 : newline + 2]
        if before and before[-1] not in ".,=+-*/%&|^!?:<>([{" and not (after and after in ".?:)]}"):
            return newline
    raise BrythonLayoutError(f"{name}: statement at {text[start : start + 40]!r} never ends")


def _trim(text: str, spec: _Trimmed) -> str:
    """The part of a compiler file that the runtime needs, as a whole wrapped file."""
    _check_wrapped(text, f"{spec.name}.js")
    depths = _scan(text, f"{spec.name}.js")
    through = _statement_start(text, spec.through, depths, spec.name)
    end = _statement_end(text, through, depths, spec.name)
    kept = text[:end]
    if spec.extra_from is not None and spec.extra_through is not None:
        first = _statement_start(text, spec.extra_from, depths, spec.name)
        last = _statement_start(text, spec.extra_through, depths, spec.name)
        if not end < first <= last:
            raise BrythonLayoutError(f"{spec.name}: {spec.extra_from!r} moved")
        kept += "\n" + text[first : _statement_end(text, last, depths, spec.name)]
    missing = [r for r in spec.required if r not in kept]
    if missing:
        raise BrythonLayoutError(f"{spec.name}: the kept part lacks {missing}")
    if spec.signature in kept:
        raise BrythonLayoutError(f"{spec.name}: the kept part holds {spec.signature!r}")
    kept += "\n})(__BRYTHON__)"
    _scan(kept, f"{spec.name}.js (kept part)")
    return kept


def _find(files: list[str], signature: str, name: str) -> int:
    """The index of the one file holding ``signature``."""
    found = [i for i, text in enumerate(files) if signature in text]
    if len(found) != 1:
        raise BrythonLayoutError(
            f"{name}: expected one file with {signature!r}, found {len(found)}"
        )
    return found[0]


def _compiler_files(files: list[str]) -> dict[int, str]:
    """Index → name of the files to drop whole, checked against Brython's chain markers."""
    begin = _find(files, CHAIN_BEGIN, "compiler chain start")
    end = _find(files, CHAIN_END, "compiler chain end")
    removed: dict[int, str] = {}
    for spec in (*_CHAIN, *_OUTSIDE_CHAIN):
        index = _find(files, spec.signature, f"{spec.name}.js")
        if index in removed:
            raise BrythonLayoutError(f"{spec.name}.js and {removed[index]}.js are one file")
        removed[index] = spec.name
    chain_names = {spec.name for spec in _CHAIN}
    if set(range(begin, end)) != {i for i, name in removed.items() if name in chain_names}:
        unknown = [files[i][:160] for i in range(begin, end) if i not in removed]
        raise BrythonLayoutError(
            f"the files between {CHAIN_BEGIN!r} and {CHAIN_END!r} are not {sorted(chain_names)}"
            f" (unknown ones begin: {unknown})"
        )
    for index, name in removed.items():
        text = files[index].replace(CHAIN_BEGIN, "")
        _scan(text, f"{name}.js")
        if name != "py_ast_classes":  # two assignments, not wrapped
            _check_wrapped(text, f"{name}.js")
    return removed


def runtime_without_compiler(source: str) -> str:
    """brython.js's text without its compiler: a runtime for precompiled modules only.

    Raises :class:`BrythonLayoutError` when ``source`` is not laid out as Brython 3.15's
    brython.js (see the module's docstring) rather than guess.
    """
    if not source.startswith("// brython.js brython.info"):
        raise BrythonLayoutError("not brython.js: its header comment is missing")
    for needed in (*_RUNTIME_REQUIRED, CHAIN_BEGIN, CHAIN_END):
        if source.count(needed) != 1:
            raise BrythonLayoutError(f"expected {needed!r} once, found {source.count(needed)}")
    files = source.split(SEPARATOR)
    removed = _compiler_files(files)
    out: list[str | None] = list(files)
    for spec in _TRIMMED:
        index = _find(files, spec.signature, f"{spec.name}.js")
        if index in removed:
            raise BrythonLayoutError(f"{spec.name}.js is also {removed[index]}.js")
        out[index] = _trim(files[index], spec)
    for index in removed:
        out[index] = None
    out[_find(files, CHAIN_BEGIN, "compiler chain start")] = _STUBS
    end = _find(files, CHAIN_END, "compiler chain end")
    out[end] = files[end].replace(CHAIN_END + "\n", "")
    runtime = SEPARATOR.join(text for text in out if text is not None)
    leftovers = [f for f in _FORBIDDEN if f in runtime]
    if leftovers:
        raise BrythonLayoutError(f"compiler definitions left in the runtime: {leftovers}")
    return runtime


#: where builtins_docstrings.js starts and where its loop hands the texts to the builtins
_DOCS_START = "\n;\nvar docs={"
_DOCS_LOOP = "for(var key in docs)"


def without_builtin_docs(source: str) -> str:
    """The runtime without the builtins' help texts (``help(len)``, ``zip.__doc__``): 30 KB,
    10 KB gzipped, that the widget never reads; ``__doc__`` of a builtin is then None.

    :raise BrythonLayoutError: the docstrings file isn't where Brython 3.15 puts it.
    """
    start, loop = source.find(_DOCS_START), source.find(_DOCS_LOOP)
    if start < 0 or loop < start or source.count(_DOCS_START) != 1:
        raise BrythonLayoutError("builtins_docstrings.js not found: check the Brython upgrade")
    return source[:start] + "\n;\nvar docs={}\n" + source[loop:]


#: how Brython's importer turns a precompiled module's text into code (loaders.js)
_MODULE_FROM_TEXT = (
    'mod_js+="return "+prefix+parent_id\nvar $module=new Function(prefix+parent_id,mod_js)(\nmod)'
)
_MODULE_FROM_EITHER = (
    'var $module=typeof mod_js=="function"?mod_js(mod):'
    'new Function(prefix+parent_id,mod_js+"return "+prefix+parent_id)(\nmod)'
)


def modules_as_functions(source: str) -> str:
    """The runtime's importer also takes a precompiled module as a JavaScript function of its
    namespace (what ``server.assets`` ships) rather than as text for ``new Function``: the
    browser then compiles the widget's modules with its file (off the main thread, and from its
    code cache on later visits) instead of one by one at import (~20 ms of a first visit).

    :raise BrythonLayoutError: the importer doesn't read as Brython 3.15's.
    """
    if source.count(_MODULE_FROM_TEXT) != 1:
        raise BrythonLayoutError("the importer's new Function(...) not found: check the upgrade")
    return source.replace(_MODULE_FROM_TEXT, _MODULE_FROM_EITHER)


#: where browser.html makes its ~120 tag classes (DIV, A, …) when the runtime starts
_EAGER_TAGS = (
    "for(var tagName of tags){var klass=makeTagClass(tagName)\n"
    "klass.$factory=makeFactory(klass)\n"
    "html[tagName]=klass\n"
    "$B.str_dict_set(html.tags,tagName,klass)}\n"
)
#: …and instead, the module's ``__getattr__`` (PEP 562) makes a tag's class on first use; it
#: is finalized then, as Brython does for a class made after start (``$B.get_method_class``)
_LAZY_TAGS = (
    "html.__getattr__=function(attr){if(typeof attr!='string'||!tags.includes(attr)){\n"
    "$B.RAISE(_b_.AttributeError,\"module 'browser.html' has no attribute '\"+attr+\"'\")}\n"
    "var klass=makeTagClass(attr)\n"
    "klass.$factory=makeFactory(klass)\n"
    "$B.finalize_type(klass)\n"
    "var module=$B.imported['browser.html']\n"
    "$B.module_setattr(module,attr,klass)\n"
    "$B.str_dict_set($B.module_getattr(module,'tags'),attr,klass)\n"
    "return klass}\n"
)


def lazy_html_tags(source: str) -> str:
    """``browser.html``'s tag classes made when a page first asks for one, not all at start:
    finalizing ~120 classes the widget never uses was a fifth of the runtime's start (~9 ms
    of a return visit). ``html.DIV``, ``from browser.html import A`` and ``html.maketag`` work
    as before; ``html.tags`` holds the tags used so far.

    :raise BrythonLayoutError: browser.html doesn't make its tags as Brython 3.15's does.
    """
    if source.count(_EAGER_TAGS) != 1:
        raise BrythonLayoutError("browser.html's tag loop not found: check the Brython upgrade")
    return source.replace(_EAGER_TAGS, _LAZY_TAGS)


def split_runtime(source: str, pieces: int) -> list[str]:
    """The runtime as ``pieces`` scripts of about the same size, cut between Brython's files.

    Run in order they do what the one script does (classic scripts share the page's global
    scope, and every file after the first is its own ``(function($B){...})(__BRYTHON__)``).
    The browser runs each in a task of its own, so what waits for the page, such as painting
    the widget's first view, can happen between them rather than after ~150 ms of Brython.

    :raise BrythonLayoutError: a piece would not be whole JavaScript statements.
    """
    files = source.split(SEPARATOR)
    total, target, cuts, size = len(source), len(source) / pieces, [], 0
    for index, text in enumerate(files[:-1]):
        size += len(text) + len(SEPARATOR)
        if size >= target * (len(cuts) + 1) and len(cuts) < pieces - 1:
            cuts.append(index + 1)
    if len(cuts) != pieces - 1 or total == 0:
        raise BrythonLayoutError(f"brython.js has too few files to cut in {pieces}")
    out = []
    for start, end in zip([0, *cuts], [*cuts, len(files)], strict=True):
        piece = SEPARATOR.join(files[start:end])
        if start:
            _check_wrapped(files[start], f"file {start} of the runtime")
        _scan(piece, f"piece {len(out) + 1} of the runtime")
        out.append(piece + ("\n" if not piece.endswith("\n") else ""))
    return out
