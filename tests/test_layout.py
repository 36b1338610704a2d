"""The code's house rules that an import can break: no circle among ``server`` modules, the
dashboard above every feature (nothing imports it but the app factory), no model and no SQL
in the dashboard, and an availability engine without Flask or a database."""

from __future__ import annotations

import ast
from pathlib import Path

SERVER = Path(__file__).resolve().parents[1] / "server"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SERVER.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in SERVER.rglob("*.py") if "migrations" not in p.parts}


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(path: Path) -> set[str]:
    """Every ``server`` module this one imports, lazily inside a function too."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                target = _resolve(f"{node.module}.{alias.name}") or _resolve(node.module)
                if target:
                    found.add(target)
        elif isinstance(node, ast.Import):
            found.update(t for alias in node.names if (t := _resolve(alias.name)))
    return {t for t in found if t.startswith("server")}


GRAPH = {name: _imports(path) - {name} for name, path in MODULES.items()}


def _cycle_from(start: str) -> list[str] | None:
    """A path of imports from ``start`` back to itself, if there is one."""
    stack, seen = [(start, [start])], set()
    while stack:
        name, path = stack.pop()
        for target in GRAPH[name]:
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*path, target]))
    return None


def test_no_module_of_server_imports_itself_round_a_circle():
    circles = [c for name in sorted(GRAPH) if name != "server" and (c := _cycle_from(name))]
    assert circles == []


def test_only_the_app_factory_imports_the_dashboard():
    importers = sorted(
        name
        for name, targets in GRAPH.items()
        if not name.startswith("server.dashboard")
        and any(t.startswith("server.dashboard") for t in targets)
    )
    assert importers == ["server"]


def test_the_dashboard_holds_no_model_and_no_query():
    offending = []
    for path in (SERVER / "dashboard").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "select(" in text or "(Base)" in text or "mapped_column" in text:
            offending.append(path.name)
    assert offending == []


def test_the_availability_engine_imports_no_flask_and_no_database():
    outside = set()
    for path in (SERVER / "availability").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                outside.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                outside.update(alias.name.split(".")[0] for alias in node.names)
    assert not outside & {"flask", "sqlalchemy", "psycopg", "werkzeug"}
    foreign = {
        f"{path.name} → {target}"
        for path in (SERVER / "availability").rglob("*.py")
        for target in _imports(path)
        if not target.startswith("server.availability")
    }
    assert foreign == set()
