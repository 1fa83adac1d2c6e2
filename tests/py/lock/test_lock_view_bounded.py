"""`mach-nix tree` and `why` on hostile lock graphs: no recursion limit, bounded output and time.

A chain of 10,000 packages (far past Python's recursion limit) and a ladder whose target has 2^39
upward paths, most of them ending at packages no root reaches. Timeouts are safety nets only.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

from mach_nix.lock_view import MAX_CHAINS, MAX_TREE_DEPTH, tree_lines, why_lines

SHA = "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254"


def _lock(graph: Dict[str, List[str]], roots: List[str]) -> dict:
    packages = {name: {"version": "1.0", "provider": "sdist", "dependencies": sorted(deps), "extras": [],
                       "filename": f"{name}-1.0.tar.gz", "url": f"https://files.example/{name}-1.0.tar.gz",
                       "sha256": SHA} for name, deps in graph.items()}
    return {"lock_version": 1, "generated_by": "test", "target": {"python": "3.11", "system": "x86_64-linux"},
            "inputs": {}, "index": {}, "roots": roots, "packages": packages}


def _cli(tmp_path: Path, lock: dict, *args: str) -> subprocess.CompletedProcess:
    (tmp_path / "lock.json").write_text(json.dumps(lock))
    return subprocess.run([sys.executable, "-m", "mach_nix", *args, "lock.json"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)


def chain(n: int) -> dict:
    return _lock({f"p{i}": ([f"p{i + 1}"] if i + 1 < n else []) for i in range(n)}, ["p0"])


def ladder(levels: int) -> dict:
    """``a{i}`` and ``b{i}`` both need ``a{i+1}`` and ``b{i+1}``: 2^(levels-1) paths from a0 to ``a{levels}``.
    Only ``a0`` is a root, and the ``c{i}`` rungs above ``a{levels}`` (as many paths) reach no root."""
    graph: Dict[str, List[str]] = {}
    for i in range(levels):
        graph[f"a{i}"] = [f"a{i + 1}", f"b{i + 1}"]
        graph[f"b{i}"] = [f"a{i + 1}", f"b{i + 1}"]
        graph[f"c{i}"] = [f"c{i + 1}", f"d{i + 1}"]
        graph[f"d{i}"] = [f"c{i + 1}", f"d{i + 1}"]
    graph[f"a{levels}"] = []
    graph[f"b{levels}"] = []
    graph[f"c{levels}"] = [f"a{levels}"]
    graph[f"d{levels}"] = [f"a{levels}"]
    return _lock(graph, ["a0"])


def test_tree_and_why_of_a_chain_of_ten_thousand(tmp_path: Path) -> None:
    lock = chain(10_000)
    tree = _cli(tmp_path, lock, "tree")
    assert tree.returncode == 0, tree.stderr[-2000:]
    lines = tree.stdout.splitlines()
    assert lines[0] == "p0 1.0 [sdist]" and len(lines) == MAX_TREE_DEPTH + 2
    assert lines[-1].endswith(f"… (more than {MAX_TREE_DEPTH} levels deep: `mach-nix why PKG` shows the chain to "
                              "a package)")
    why = _cli(tmp_path, lock, "why", "p9999")
    assert why.returncode == 0, why.stderr[-2000:]
    steps = why.stdout.strip().split(" → ")
    assert len(steps) == 10_000 and steps[0] == "p0 1.0" and steps[-1] == "(requires) p9999 1.0"


def test_why_with_exponentially_many_paths_stops_at_max_chains_shortest_first(tmp_path: Path) -> None:
    why = _cli(tmp_path, ladder(40), "why", "a40")
    assert why.returncode == 0, why.stderr[-2000:]
    lines = why.stdout.splitlines()
    assert len(lines) == MAX_CHAINS + 1 and lines[-1] == f"… and more chains (at most {MAX_CHAINS} are shown)"
    assert all(line.startswith("a0 1.0 → ") and line.endswith("a40 1.0") for line in lines[:-1])
    assert not any("c1 " in line for line in lines)  # the rungs no root reaches are never walked into


def test_why_lists_every_chain_when_there_are_few() -> None:
    lock = ladder(3)  # 2^2 = 4 chains from a0 to a3 (through a1 or b1, a2 or b2), each of 4 packages
    lines = why_lines(lock, "a3")
    assert len(lines) == 4 and len(set(lines)) == 4 and all(line.count(" → ") == 3 for line in lines)


def test_tree_marks_cycles_and_repeats_without_recursion() -> None:
    lock = _lock({"a": ["b"], "b": ["a", "c"], "c": []}, ["a"])
    assert tree_lines(lock) == ["a 1.0 [sdist]", "└── b 1.0 [sdist]", "    ├── a 1.0 [sdist] (cycle)",
                                "    └── c 1.0 [sdist]"]
    assert why_lines(lock, "c") == ["a 1.0 → (requires) b 1.0 → (requires) c 1.0"]
