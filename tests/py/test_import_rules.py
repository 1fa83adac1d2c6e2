"""The import rules of py/mach_nix, checked on the source with ``ast`` (nothing is imported):

(a) no import cycle between modules; every import counts, also one inside a function or under
    ``TYPE_CHECKING``: a cycle there is still two modules that cannot be understood apart;
(b) no module imports an underscore name of another module (``from x import _name``);
(c) a package imports only the packages its row of :data:`ALLOWED` names.

The rules are data (:data:`ALLOWED`, :data:`LEAVES`), quoted by docs/architecture.md.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, FrozenSet, Iterator, List, Optional, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2] / "py" / "mach_nix"

# Shared leaf modules: every package may import them, and they import no other part of mach_nix
# but each other (their own row in ALLOWED says which).
LEAVES = {"errors", "names", "fsutil", "specifiers", "versions", "constants", "shapes", "mach_nix"}

# Unit → the units it may import besides itself and LEAVES. A unit is a top-level module or
# package of mach_nix, or a sub-package of index (``index.storage``). Lower layers never import
# higher ones: storage ← client ← crawl ← view ← resolve/inputs ← lock/pipeline ← commands ← cli.
ALLOWED: Dict[str, Set[str]] = {
    # shared leaves
    "errors": set(),
    "names": set(),
    "fsutil": set(),
    "specifiers": set(),
    "versions": set(),
    "constants": set(),
    "shapes": set(),
    "mach_nix": set(),
    # the index, by concern
    "index": set(),
    "index.storage": set(),
    "index.client": {"index.storage"},
    "index.crawl": {"index.storage", "index.client"},
    "index.view": {"index.storage", "index.client", "index.crawl"},
    # the lock pipeline
    "accelerator": set(),
    "nix": set(),
    "progress": set(),
    "lock_fields": set(),
    "lock_view": set(),
    "inputs": {"index.storage", "resolve"},
    "resolve": {"index.storage", "index.view", "inputs"},
    "native": {"index.client", "index.storage", "nix"},
    "lock": {"index.storage", "inputs", "lock_fields", "resolve"},
    "pylock_export": set(),
    "pipeline": {"accelerator", "index.client", "index.storage", "index.view", "inputs", "lock", "native",
                 "progress", "resolve"},
    "commands": {"index.client", "index.crawl", "index.storage", "inputs", "lock", "lock_view", "native", "nix",
                 "pipeline", "pylock_export"},
    "cli": {"commands"},
    "__main__": {"cli"},
}

Graph = Dict[str, Set[str]]  # module → modules it imports


def module_files(root: Path = ROOT) -> Dict[str, Path]:
    """Dotted module name → file, for every module under ``root`` (a package is its ``__init__``)."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imports_of(module: str, source: str, known: Set[str]) -> Iterator[Tuple[str, List[str]]]:
    """(imported module of mach_nix, names taken from it) of every import statement in ``source``."""
    is_package = module in {m.rsplit(".", 1)[0] for m in known if "." in m} and not module.endswith("__main__")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join(package + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield (sub, []) if sub in known else (base, [alias.name])


def build_graph(root: Path = ROOT) -> Tuple[Graph, List[str]]:
    """The import graph of the modules under ``root``, and every underscore name imported across modules."""
    files = module_files(root)
    known = set(files)
    graph: Graph = {m: set() for m in files}
    private = []
    for module, path in files.items():
        for target, names in imports_of(module, path.read_text(), known):
            if target in known and target != module:
                graph[module].add(target)
                private += [f"{module} imports {target}.{n}" for n in names if n.startswith("_") and not n.startswith("__")]
    return graph, private


def find_cycle(graph: Graph) -> Optional[List[str]]:
    """One import cycle of ``graph`` as a path ``[a, b, …, a]``, or None.

    Example: ``find_cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]``
    """
    state: Dict[str, int] = {}  # 1: on the current path, 2: done
    path: List[str] = []

    def visit(node: str) -> Optional[List[str]]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def unit_of(module: str) -> str:
    """The unit of ALLOWED a module belongs to.

    Example: ``unit_of("mach_nix.index.storage.store") == "index.storage"``; ``unit_of("mach_nix.lock") == "lock"``
    """
    parts = module.split(".")[1:]
    if not parts:
        return "mach_nix"
    if parts[0] == "index" and len(parts) > 1:
        return "index." + parts[1]
    return parts[0]


def forbidden_imports(graph: Graph, allowed: Dict[str, Set[str]] = ALLOWED) -> List[str]:
    """Every import between units that ``allowed`` does not permit (an unknown unit may import leaves only)."""
    out = []
    for module, targets in sorted(graph.items()):
        unit = unit_of(module)
        for target in sorted(targets):
            other = unit_of(target)
            if other != unit and other not in LEAVES and other not in allowed.get(unit, set()):
                out.append(f"{module} imports {target} ({unit} may not import {other})")
    return out


@pytest.fixture(scope="module")
def graph_and_private() -> Tuple[Graph, List[str]]:
    return build_graph()


def cycles(graph: Graph) -> List[FrozenSet[str]]:
    """The modules of every import cycle of ``graph``, one set per strongly connected component.

    Example: ``cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [frozenset({"a", "b"})]``
    """
    reach = {m: _reachable(graph, {m}) for m in graph}
    found: List[FrozenSet[str]] = []
    for module in sorted(graph):
        if module in reach[module]:
            component = frozenset(m for m in reach[module] if module in reach[m])
            if component not in found:
                found.append(component)
    return found


def _reachable(graph: Graph, start: Set[str]) -> Set[str]:
    seen: Set[str] = set()
    todo = [t for m in start for t in graph.get(m, ())]
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo += graph.get(m, ())
    return seen


def test_no_import_cycle(graph_and_private: Tuple[Graph, List[str]]) -> None:
    found = [" -> ".join(sorted(c)) for c in cycles(graph_and_private[0])]
    assert found == [], "import cycle: " + "; ".join(found)


def test_no_underscore_name_is_imported_across_modules(graph_and_private: Tuple[Graph, List[str]]) -> None:
    assert graph_and_private[1] == []


def test_the_index_is_free_of_cycles_and_underscore_imports(graph_and_private: Tuple[Graph, List[str]]) -> None:
    graph, private = graph_and_private
    assert not [c for c in cycles(graph) if any(m.startswith("mach_nix.index") for m in c)]
    assert not [p for p in private if p.startswith("mach_nix.index")]


def test_packages_import_only_what_the_table_allows(graph_and_private: Tuple[Graph, List[str]]) -> None:
    assert forbidden_imports(graph_and_private[0]) == []


def test_every_unit_has_a_row() -> None:
    units = {unit_of(m) for m in module_files()}
    assert units - set(ALLOWED) == set(), "add a row to ALLOWED for each new package"


def test_the_leaves_import_no_other_unit(graph_and_private: Tuple[Graph, List[str]]) -> None:
    for leaf in LEAVES:
        assert ALLOWED[leaf] == set(), leaf


# -- the checker itself, on a synthetic package ------------------------------------------------


def _package(tmp_path: Path, modules: Dict[str, str]) -> Path:
    root = tmp_path / "mach_nix"
    for name, source in modules.items():
        path = root.joinpath(*name.split(".")).with_suffix(".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in [path.parent, *path.parent.parents]:
            if parent == tmp_path:
                break
            (parent / "__init__.py").touch()
        path.write_text(source)
    return root


def test_the_checker_finds_a_forbidden_import_a_cycle_and_a_private_name(tmp_path: Path) -> None:
    root = _package(tmp_path, {
        "index.storage.store": "from mach_nix.index.crawl.record import merge\n",  # storage may not import crawl
        "index.crawl.record": "def f():\n    from mach_nix.index.storage.store import _encode\n",
        "index.client.pypi": "from mach_nix.index.storage import store\nfrom . import fetch\n",
        "index.client.fetch": "import mach_nix.errors\n",
        "errors": "",
    })
    graph, private = build_graph(root)
    assert graph["mach_nix.index.client.pypi"] == {"mach_nix.index.storage.store", "mach_nix.index.client.fetch"}
    assert forbidden_imports(graph) == [
        "mach_nix.index.storage.store imports mach_nix.index.crawl.record (index.storage may not import index.crawl)"]
    cycle = find_cycle(graph)
    assert cycle is not None and cycle[0] == cycle[-1]
    assert set(cycle) == {"mach_nix.index.crawl.record", "mach_nix.index.storage.store"}
    assert cycles(graph) == [frozenset(cycle)]
    assert private == ["mach_nix.index.crawl.record imports mach_nix.index.storage.store._encode"]


def test_the_checker_passes_a_package_that_keeps_the_rules(tmp_path: Path) -> None:
    root = _package(tmp_path, {
        "index.storage.store": "from mach_nix.names import normalize\n",
        "index.view.layers": "from mach_nix.index.storage.store import Index\n",
        "names": "",
    })
    graph, private = build_graph(root)
    assert (find_cycle(graph), forbidden_imports(graph), private) == (None, [], [])


def rules_block() -> str:
    """:data:`ALLOWED` as docs/architecture.md shows it, one unit per line."""
    return "\n".join(f"{unit:<14} → {', '.join(sorted(ALLOWED[unit])) or '(leaves only)'}"
                     for unit in sorted(ALLOWED) if unit not in LEAVES)


def test_docs_architecture_shows_the_rules_this_test_checks() -> None:
    """The map a newcomer reads is the table the test enforces: change both together."""
    text = (ROOT.parents[1] / "docs" / "architecture.md").read_text()
    start, end = "<!-- import-rules:start -->\n```\n", "\n```\n<!-- import-rules:end -->"
    assert start in text and end in text, "docs/architecture.md lacks its import-rules block"
    shown = text.split(start, 1)[1].split(end, 1)[0]
    assert shown == rules_block(), "docs/architecture.md's import rules differ from ALLOWED; paste:\n" + rules_block()
    assert f"Shared leaves: {', '.join(sorted(LEAVES - {'mach_nix'}))}" in text


def test_scripts_and_bench_import_public_names_that_exist() -> None:
    """scripts/ and bench/ are run by hand, not by the suite: a rename in py/ must not break them unseen."""
    import importlib

    repo = ROOT.parents[1]
    broken = []
    for path in sorted([*(repo / "scripts").glob("*.py"), *(repo / "bench").glob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mach_nix"):
                module = importlib.import_module(node.module)
                broken += [f"{path.name}: {node.module}.{a.name}" for a in node.names
                           if a.name.startswith("_") or not hasattr(module, a.name)]
    assert broken == []
