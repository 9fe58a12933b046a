"""The package's layers (docs/architecture.md): imports point one way, no cycles, no private names
reached across modules, small modules. Walks the ASTs, so imports inside functions count too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "bayes_mmm"

# lowest first; a module may import its own layer and the ones before it
LAYERS = ["core", "data", "model", "inference", "results", "viz", "planning", "report", "<top>"]
MAX_MODULE_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int:
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS):
        return LAYERS.index(parts[1])
    return LAYERS.index("<top>")


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def internal_imports(module: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(imported bayes_mmm module, names imported, line) for every import anywhere in the file."""
    tree = ast.parse(path.read_text())
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [
                (a.name, [], node.lineno) for a in node.names if a.name.split(".")[0] == "bayes_mmm"
            ]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.split(".")[0] == "bayes_mmm":
                out.append((target, [a.name for a in node.names], node.lineno))
    return out


def resolve(target: str, names: list[str], known: dict[str, Path]) -> list[str]:
    """Modules an import statement depends on (``from pkg import module`` counts the module)."""
    found = [f"{target}.{n}" for n in names if f"{target}.{n}" in known]
    return found or [target]


def import_graph() -> dict[str, set[str]]:
    known = modules()
    graph = {m: set() for m in known}
    for m, path in known.items():
        for target, names, _ in internal_imports(m, path):
            graph[m].update(t for t in resolve(target, names, known) if t != m)
    return graph


def test_no_import_reaches_a_higher_layer():
    known = modules()
    bad = []
    for m, path in known.items():
        for target, names, line in internal_imports(m, path):
            for dep in resolve(target, names, known):
                if layer_of(dep) > layer_of(m):
                    bad.append(
                        f"{path.relative_to(PACKAGE.parent)}:{line} imports {dep} "
                        f"({LAYERS[layer_of(m)]} -> {LAYERS[layer_of(dep)]})"
                    )
    assert not bad, "imports that point up the layers:\n" + "\n".join(bad)


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    graph = import_graph()
    # the package root re-exports the public API and every submodule's parent package is imported
    # first by Python; neither is a dependency a module chooses, so the root is left out
    graph = {k: {d for d in v if d != "bayes_mmm"} for k, v in graph.items() if k != "bayes_mmm"}
    assert strongly_connected(graph) == []


def test_cycle_detector_finds_a_cycle():
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_private_name_crosses_modules():
    known = modules()
    bad = []
    for m, path in known.items():
        for target, names, line in internal_imports(m, path):
            bad += [
                f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}.{n}"
                for n in names
                if n.startswith("_") and n != "__version__"
            ]
        tree = ast.parse(path.read_text())
        aliases = {
            a.asname or a.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for a in node.names
            if f"{node.module}.{a.name}" in known
        }
        bad += [
            f"{path.relative_to(PACKAGE.parent)}:{node.lineno} uses {node.value.id}.{node.attr}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr.startswith("_")
        ]
    assert not bad, "private names used across modules:\n" + "\n".join(bad)


@pytest.mark.parametrize("module", sorted(modules()))
def test_module_is_short_and_says_what_it_owns(module):
    path = modules()[module]
    text = path.read_text()
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{module}: {len(text.splitlines())} lines"
    doc = ast.get_docstring(ast.parse(text))
    assert doc and len(doc.splitlines()[0]) > 10, (
        f"{module} has no first docstring line saying what it owns"
    )


def test_layer_rules_would_catch_an_upward_import(tmp_path):
    """The checker itself: a fake low-layer module importing the planning layer is reported."""
    assert layer_of("bayes_mmm.data.mmm_data") < layer_of("bayes_mmm.planning.optimizer")
    assert layer_of("bayes_mmm.workflow") == LAYERS.index("<top>")
    fake = tmp_path / "bayes_mmm" / "data" / "x.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("def f():\n    from bayes_mmm.planning.optimizer import optimize_budget\n")
    deps = [t for t, _, _ in internal_imports("bayes_mmm.data.x", fake)]
    assert deps == ["bayes_mmm.planning.optimizer"]


MAX_FUNCTION_LINES = 60


def long_functions() -> list[str]:
    """Functions over MAX_FUNCTION_LINES lines (docstring excluded) without a ``# long:`` reason
    on the lines just above their definition."""
    out = []
    for module, path in modules().items():
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            body = node.body[1:] if ast.get_docstring(node) and len(node.body) > 1 else node.body
            length = node.end_lineno - body[0].lineno + 1
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            above = " ".join(lines[max(0, first - 4) : first - 1])
            if length > MAX_FUNCTION_LINES and "# long:" not in above:
                out.append(f"{module}.{node.name}: {length} lines")
    return out


def test_functions_are_short_or_say_why():
    assert long_functions() == []
