"""The layers import downward only: ``envs`` <- ``policies`` <- ``agent``, with no import cycle.

Every import of every module is read from its source (``ast``), including imports inside functions and under
``TYPE_CHECKING``: a lazy import is still a dependency, only a later one. Three rules are checked:

- ``envs`` imports neither ``policies`` nor ``agent``, and ``policies`` imports nothing from ``agent``; the
  ``benchmarks`` measure all three, and the command line (``agent.cli``) sits on top of everything, benchmarks
  included (``nesy bench`` runs them): it is the one part of ``agent`` that nothing imports;
- no cycle between packages (``agent.cli`` counting as a package of its own, for the reason above) nor between
  subpackages (``agent.planning``, ``agent.runs``, ``envs.scenes``, ...), each module directly in a package
  counting as a unit of its own;
- no cycle between modules.

The checks are pure functions of an import graph, so the tests below also run them on graphs built to break
each rule: a checker that cannot fail would pass the repository for nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("envs", "policies", "agent", "benchmarks")
#: the layers, bottom first: a module may import only from its own layer or those below it
LAYERS = {"envs": 0, "policies": 1, "agent": 2, "benchmarks": 3, "agent.cli": 4}

Graph = Mapping[str, set[str]]


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, is_package: bool, known: Iterable[str]) -> set[str]:
    """The project modules that ``source`` (the text of ``module``) imports, resolved to module names:
    ``from a.b import c`` is ``a.b.c`` when that is a module, else ``a.b``."""
    known = set(known)
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            names = [f"{prefix}.{alias.name}" if f"{prefix}.{alias.name}" in known else prefix
                     for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def project_graph(root: Path = ROOT) -> dict[str, set[str]]:
    files = {module_name(path, root): path for package in PACKAGES for path in sorted((root / package).rglob("*.py"))}
    return {module: imports_of(path.read_text(encoding="utf-8"), module, path.name == "__init__.py", files)
            for module, path in files.items()}


def unit(module: str, packages: set[str]) -> str:
    """The package or subpackage a module belongs to; a module directly in a package is a unit of its own
    (``envs.simulation``), so a subpackage may use its parent's modules without that counting as a cycle."""
    parts = module.split(".")
    for depth in range(len(parts), 0, -1):
        prefix = ".".join(parts[:depth])
        if prefix in packages and depth >= 2:
            return prefix
    return module if len(parts) <= 2 else ".".join(parts[:2])


def top(module: str) -> str:
    """The package a module belongs to in the layering: its top-level package, or ``agent.cli``."""
    return "agent.cli" if module == "agent.cli" or module.startswith("agent.cli.") else module.split(".")[0]


def layer_violations(graph: Graph) -> list[str]:
    return sorted(f"{module} imports {target}" for module, targets in graph.items() for target in targets
                  if LAYERS[top(target)] > LAYERS[top(module)])


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted: every import cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def unit_graph(graph: Graph) -> dict[str, set[str]]:
    packages = {module for module in graph if (ROOT / module.replace(".", "/") / "__init__.py").exists()}
    units: dict[str, set[str]] = {}
    for module, targets in graph.items():
        source = unit(module, packages)
        units.setdefault(source, set()).update(unit(t, packages) for t in targets if unit(t, packages) != source)
    return units


def package_graph(graph: Graph) -> dict[str, set[str]]:
    packages: dict[str, set[str]] = {}
    for module, targets in graph.items():
        packages.setdefault(top(module), set()).update(top(t) for t in targets if top(t) != top(module))
    return packages


GRAPH = project_graph()


def test_the_graph_sees_the_project():
    assert "agent.planning.planner" in GRAPH and "envs.task_env" in GRAPH["policies.skill_envs"]
    assert "agent.execution.episode" in GRAPH["agent.runs.runner"]  # a plain import
    assert "agent.perception.predictor" in GRAPH["agent.execution.episode"]  # one under TYPE_CHECKING


def test_layers_import_downward_only():
    assert layer_violations(GRAPH) == []


@pytest.mark.parametrize("granularity", [package_graph, unit_graph, lambda graph: graph],
                         ids=["packages", "subpackages", "modules"])
def test_no_import_cycle(granularity):
    assert cycles(granularity(GRAPH)) == []


def test_the_checks_fail_on_a_bad_graph(tmp_path):
    """A project written to break every rule: envs imports agent lazily, two subpackages import each other,
    two modules import each other."""
    files = {
        "envs/__init__.py": "",
        "envs/core.py": "def f():\n    from agent.a.x import thing\n",
        "agent/__init__.py": "",
        "agent/a/__init__.py": "",
        "agent/a/x.py": "from agent.b import y\nthing = 1\n",
        "agent/b/__init__.py": "",
        "agent/b/y.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from agent.a.x import thing\n",
        "policies/__init__.py": "from . import p\n",
        "policies/p.py": "import policies\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = project_graph(tmp_path)
    assert graph["policies"] == {"policies.p"}  # a relative import resolves to the module
    assert layer_violations(graph) == ["envs.core imports agent.a.x"]
    assert layer_violations({"agent.x": {"agent.cli.main"}, "benchmarks.b": {"agent.cli"}}) == [
        "agent.x imports agent.cli.main", "benchmarks.b imports agent.cli"]
    assert cycles(graph) == [["agent.a.x", "agent.b.y"], ["policies", "policies.p"]]
    packages = {m for m in graph if (tmp_path / m.replace(".", "/") / "__init__.py").exists()}
    units: dict[str, set[str]] = {}
    for module, targets in graph.items():
        units.setdefault(unit(module, packages), set()).update(unit(t, packages) for t in targets)
    assert ["agent.a", "agent.b"] in cycles({u: t - {u} for u, t in units.items()})
    assert cycles(package_graph({"envs.core": {"agent.a.x"}, "agent.a.x": {"envs.core"}})) == [["agent", "envs"]]


def test_the_public_api_is_small_and_light():
    """``from agent import ...`` gives the few names users need, and importing ``agent`` (or the lowest layer's
    names of choices) loads none of the heavy libraries: the CLI's ``--help`` relies on it."""
    import subprocess
    import sys

    import agent

    assert sorted(agent.__all__) == sorted(agent._EXPORTS)
    for name in agent.__all__:
        assert getattr(agent, name).__name__ == name
    heavy = ("numpy", "gymnasium", "pybullet", "torch", "unified_planning", "stable_baselines3")
    code = ("import sys, agent, agent.cli.main, envs.errors, envs.scenes, policies, policies.algorithms\n"
            f"print(sorted(m for m in {heavy!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == "[]"
