"""The base layer stays a base: `tables` and `privacy` import no stage, and the codec's modules form no cycle.

Deferred imports inside functions count (an import cycle hidden in a function is still a cycle); imports under
`if TYPE_CHECKING:` do not, since they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import cthub

SRC = Path(cthub.__file__).parent
BASE = {"standard", "tables", "privacy", "config", "sample", "_lazy"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    return ".".join(rel.parts[:-1] if rel.parts[-1] == "__init__" else rel.parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(m)
        for n in ast.walk(tree)
        if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test)
        for m in ast.walk(n)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m.startswith("cthub.")}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _graph(packages: set[str]) -> dict[str, set[str]]:
    files = {_module_name(p): p for p in SRC.rglob("*.py")}
    return {
        name: {m for m in _imports(path) if m in files and m != name}
        for name, path in files.items()
        if _package(name) in packages
    }


def test_tables_and_privacy_import_only_the_base_layer() -> None:
    wrong = {
        (name, target)
        for name, deps in _graph({"tables", "privacy"}).items()
        for target in deps
        if _package(target) not in BASE
    }
    assert not wrong, f"base modules importing a layer above: {sorted(wrong)}"


def test_no_import_cycle_among_the_codec_and_its_users() -> None:
    graph = _graph({"tables", "privacy", "standard", "synth", "aggregates", "evaluate", "deid"})
    cycles = []
    for start in graph:  # a cycle through `start`: a path from one of its imports back to it
        stack, seen = list(graph[start]), set()
        while stack:
            node = stack.pop()
            if node == start:
                cycles.append(start)
                break
            if node in seen or node not in graph:
                continue
            seen.add(node)
            stack.extend(graph[node])
    assert not cycles, f"modules on an import cycle: {sorted(cycles)}"


def test_the_checker_sees_a_deferred_import(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from cthub.web import app\n\nif TYPE_CHECKING:\n    import cthub.release\n")
    assert _imports(f) == {"cthub.web", "cthub.web.app"}
