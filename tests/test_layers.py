"""The import graph keeps the pipeline's layers and has no cycle (issue 17).

Data flows one way (DESIGN.md): the base packages (`standard`, `tables`, `privacy`, `config`, `sample`) may use each
other; `store` sits on them; `ingest` on the store; the release stages (`deid`, `synth`, `aggregates`, `evaluate`) on
ingest and never on one another; `release` puts the stages together; `web` serves releases; `demo` and `cli` sit on
top. Every import counts, including the deferred ones inside functions that used to hide cycles (only names
imported under `if TYPE_CHECKING:` for annotations are not edges: they are never imported at run time). The graph is read
from the source with `ast`, so a module is checked without being imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
LAYERS: dict[str, int] = {
    "standard": 0, "tables": 0, "privacy": 0, "config": 0, "sample": 0, "_lazy": 0,
    "cli_options": 0,  # typer options every commands module shares; needs only config
    "store": 1,
    "ingest": 2,
    "deid": 3, "synth": 3, "aggregates": 3, "evaluate": 3,
    "release": 4,
    "web": 5,
    "demo": 6, "cli": 6,
}  # fmt: skip
STAGES = {"deid", "synth", "aggregates", "evaluate"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in (SRC / "cthub").rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The cthub modules `name` imports (`from pkg import mod` counts as importing `pkg.mod` when it is a module)."""
    is_package = path.name == "__init__.py"
    base = name.split(".") if is_package else name.split(".")[:-1]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree) if _is_type_checking(block) for n in ast.walk(block)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - node.level + 1]
                module = ".".join(anchor + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in known else module for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target.startswith("cthub.") and target != name:
                found.add(target)
    return found


def _is_type_checking(node: ast.AST) -> bool:
    """An `if TYPE_CHECKING:` block: names for annotations only, never imported at run time, so not an edge."""
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _package(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def test_every_package_has_a_layer() -> None:
    packages = {_package(m) for m in _graph()} - {""}
    assert packages <= set(LAYERS), f"packages with no layer in this test (add them): {sorted(packages - set(LAYERS))}"


def test_imports_go_down_the_layers_and_stages_stay_apart() -> None:
    wrong = []
    for module, targets in _graph().items():
        own = _package(module)
        for target in targets:
            other = _package(target)
            if not other or other == own or own not in LAYERS:
                continue
            if LAYERS[other] > LAYERS[own] or (own in STAGES and other in STAGES):
                wrong.append(f"{module} imports {target}")
    assert not wrong, "imports against the flow:\n" + "\n".join(sorted(wrong))


def test_no_module_imports_a_commands_module() -> None:
    wrong = [f"{m} imports {t}" for m, ts in _graph().items() for t in ts
             if t.rsplit(".", 1)[-1].endswith("commands") and m != "cthub.cli"]
    assert not wrong, "commands are the CLI's; services live apart:\n" + "\n".join(sorted(wrong))


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def test_no_import_cycles() -> None:
    graph = _graph()
    # a package's __init__ re-exporting its modules is not a cycle of meaning: count module-to-module edges only
    modules = {m: {t for t in ts if not (_is_package(t) and m.startswith(t + "."))} for m, ts in graph.items()}
    cycles = _cycles(modules)
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def _is_package(module: str) -> bool:
    return (SRC / Path(*module.split(".")) / "__init__.py").exists()


def test_the_checker_sees_a_deferred_import_and_a_cycle() -> None:
    """The checks above must be able to fail: a cycle hidden in a function body is found."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    graph = _graph()
    assert "cthub.store" in graph["cthub.ingest.service"]  # a module-level import is seen
    deferred = [m for m, path in _modules().items()
                if any(isinstance(n, ast.FunctionDef) and any(isinstance(x, ast.ImportFrom) for x in ast.walk(n))
                       for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))]
    assert deferred and all(graph[m] is not None for m in deferred)
