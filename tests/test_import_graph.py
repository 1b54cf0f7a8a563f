"""The import arrows of docs/architecture.md, checked over the source tree's AST.

Every import counts, at module level or inside a function: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("jianguan", "rules", "scheduler", "simulations", "web")
# What each package may import of ours. jianguan/cli.py is the composition root: it reaches
# each package's `commands` module and is the one exception below.
ALLOWED = {
    "jianguan": {"jianguan"},
    "rules": {"jianguan", "rules"},
    "scheduler": {"jianguan", "rules", "scheduler"},
    "simulations": {"jianguan", "rules", "scheduler", "simulations"},
    "web": set(PACKAGES),
}
COMPOSITION_ROOT = "jianguan.cli"
WEB_FRAMEWORK = ("flask", "flask_babel", "flask_login", "flask_wtf", "werkzeug", "jinja2")
# The process entry for `jianguan web|demo` builds the app; no other module may.
APP_BUILDERS = {"web.commands"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # Alembic's scripts are loaded by Alembic, not imported
            found[module_name(path)] = path
    return found


def imported(path: Path, name: str, known: set[str]) -> Iterator[tuple[str, int]]:
    """(module, line) for every import in the file, with `from X import Y` resolved to the
    submodule X.Y when there is one."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield (candidate if candidate in known else base), node.lineno


def graph() -> tuple[dict[str, set[str]], list[str]]:
    found = modules()
    known = set(found)
    edges: dict[str, set[str]] = {name: set() for name in found}
    wrong: list[str] = []
    for name, path in found.items():
        package = name.split(".")[0]
        for target, line in imported(path, name, known):
            top = target.split(".")[0]
            where = f"{path.relative_to(ROOT)}:{line}"
            if top in WEB_FRAMEWORK and package != "web":
                wrong.append(f"{where}: {name} imports {target} (only web/ speaks HTTP)")
            if top in PACKAGES:
                if top not in ALLOWED[package] and name != COMPOSITION_ROOT:
                    wrong.append(f"{where}: {name} imports {target} (arrow points the wrong way)")
                if target == "web.app" and name not in APP_BUILDERS:
                    wrong.append(f"{where}: {name} imports web.app (use web.extensions)")
                if target in known and target != name:
                    edges[name].add(target)
    return edges, wrong


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(edges[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_imports_point_one_way() -> None:
    _edges, wrong = graph()
    assert not wrong, "\n".join(wrong)


def test_no_import_circle() -> None:
    edges, _wrong = graph()
    found = cycles(edges)
    assert not found, "import circles: " + "; ".join(" ↔ ".join(c) for c in found)


def test_the_checker_sees_a_circle_and_a_wrong_arrow() -> None:
    # The check itself must be able to fail.
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
