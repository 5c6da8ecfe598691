"""The package's structure: imports point down the pipeline's layers, never in a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "dedup"

# Lowest first: a module may import from its own layer's other modules and from lower
# layers only. ``dedup/__init__.py`` (lazy public API) and ``__main__`` sit above all.
LAYERS: list[set[str]] = [
    {"errors"},
    {"settings"},
    {"options", "config", "parallel", "rules"},
    {"text"},
    {"sketch"},
    {"document"},
    {"detect"},
    {"clean"},
    {"io"},
    {"index"},
    {"pipeline"},
    {"report"},
    {"cli", "hooks", "spark"},
    {"__main__", "__init__"},
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(path: Path) -> set[str]:
    """The dedup modules ``path`` imports at run time (module level or inside functions);
    imports under ``if TYPE_CHECKING`` are for type checkers only and left out."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "dedup":
                # ``from . import x`` imports the module x when there is one, else a
                # name of the package: both are listed, and graph() keeps what exists.
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "dedup")
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = imports_of(path)
        # A package reached only as the parent of a submodule it names is not itself used.
        parents = {t.rsplit(".", 1)[0] for t in found if t in modules and "." in t}
        edges[name] = {t for t in found if t in modules and t != name
                       and not (t in parents and not _names_non_modules(path, t, modules))}
    return edges


def _names_non_modules(path: Path, package: str, modules: dict[str, Path]) -> bool:
    """Whether ``path`` imports from ``package`` a name that is not one of its modules."""
    found = imports_of(path)
    return any(t.rsplit(".", 1)[0] == package and t not in modules for t in found
               if "." in t and t != package)


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_the_layers_cover_every_top_level_name() -> None:
    names = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
             if (p.suffix == ".py" or (p / "__init__.py").exists())}
    assert names <= set(RANK), names - set(RANK)


def test_imports_only_point_down() -> None:
    upward = sorted(f"{a} -> {b}" for a, targets in graph().items() for b in targets
                    if RANK[layer(b)] > RANK[layer(a)])
    assert not upward


def test_no_import_cycle() -> None:
    edges = graph()
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []
    cycles: list[list[str]] = []

    def walk(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                walk(target)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            walk(node)
    assert not cycles, [" -> ".join(c) for c in cycles]


@pytest.mark.parametrize("source, expected", [
    ("from . import b\n", {"dedup.pkg", "dedup.pkg.b"}),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import X\n", set()),
    ("def f():\n    from ..c import d\n", {"dedup.c", "dedup.c.d"}),
])
def test_imports_of_reads_relative_and_lazy_imports(tmp_path: Path, source: str,
                                                     expected: set[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "dedup" / "pkg"
    root.mkdir(parents=True)
    module = root / "a.py"
    module.write_text(source)
    monkeypatch.setattr(f"{__name__}.PACKAGE", tmp_path / "dedup")
    assert imports_of(module) == expected
