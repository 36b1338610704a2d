"""The widget's Python (run by Brython in the browser), read here as source: what it may import,
and that every string it shows is translated in fr, de and es (SPEC B1, issue 3 Build §2)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from server.i18n import catalog_messages

PACKAGE = Path(__file__).resolve().parents[2] / "widget" / "rendezvous_widget"
MODULES = sorted(PACKAGE.glob("*.py"))
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
#: Brython's own modules; anything from the standard library costs a second on a first visit.
ALLOWED_IMPORTS = {"browser", "javascript"}


def _msgids() -> set[str]:
    """The literals passed to ``_()``, ``w._()`` and ``N_()`` anywhere in the package."""
    found = set()
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            arg = node.args[0]
            if name in ("_", "N_") and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
    return found


def test_the_widget_imports_only_brython_modules_and_its_own():
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [(node.module or "").split(".")[0]]
            else:
                continue
            assert set(names) <= ALLOWED_IMPORTS, f"{path.name} imports {names}"


def test_the_widget_has_strings_to_translate():
    ids = _msgids()
    assert {"Confirm booking", "{n} times available", "This field is required."} <= ids


@pytest.mark.parametrize("language", ["fr", "de", "es"])
def test_every_widget_string_is_translated(language):
    strings = catalog_messages(language, "widget")
    missing = sorted(_msgids() - set(strings))
    assert not missing, f"{language}: untranslated {missing}"


@pytest.mark.parametrize("language", ["fr", "de", "es"])
def test_catalogs_hold_no_string_the_widget_no_longer_uses(language):
    stale = sorted(set(catalog_messages(language, "widget")) - _msgids())
    assert not stale, f"{language}: stale {stale}"


@pytest.mark.parametrize("language", ["fr", "de", "es"])
def test_translations_keep_their_placeholders(language):
    for msgid, text in catalog_messages(language, "widget").items():
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(text)), msgid
