"""Views of a validated lock for people: the dependency tree and the chains that reach a package.

Example: ``print("\\n".join(tree_lines(read(Path("mach-nix.lock.json")))))``
"""

from __future__ import annotations

from typing import Any, Dict, List, Set, Tuple

from mach_nix.errors import NotFound
from mach_nix.names import normalize

Lock = Dict[str, Any]
MAX_CHAINS = 200


def label(name: str, entry: Dict[str, Any]) -> str:
    """One package as the tree shows it: ``requests[socks] 2.32.3 [wheel py3-none-any]``."""
    extras = f"[{','.join(entry['extras'])}]" if entry.get("extras") else ""
    text = f"{name}{extras} {entry['version']} [{entry['provider']}"
    filename = entry.get("filename") or ""
    if filename.endswith(".whl"):
        text += " " + "-".join(filename[:-4].split("-")[-3:])
    text += "]"
    if entry.get("build_only"):
        text += " (build only)"
    if entry.get("dependencies_unknown"):
        text += " (dependencies unknown)"
    return text


def tree_lines(lock: Lock, depth: int = 0) -> List[str]:
    """The dependency tree from every root (``depth`` 0: no limit); repeated subtrees show ``(*)``.

    Example: ``tree_lines(lock)[0] == "requests 2.32.3 [wheel py3-none-any]"``
    """
    packages = lock["packages"]
    out: List[str] = []
    expanded: Set[str] = set()

    def walk(name: str, prefix: str, last: bool, level: int, path: Tuple[str, ...]) -> None:
        entry = packages[name]
        branch = "" if level == 0 else ("└── " if last else "├── ")
        suffix = " (cycle)" if name in path else (" (*)" if name in expanded and entry["dependencies"] else "")
        out.append(prefix + branch + label(name, entry) + suffix)
        if suffix or (depth and level >= depth):
            return
        expanded.add(name)
        children = entry["dependencies"]
        child_prefix = prefix if level == 0 else prefix + ("    " if last else "│   ")
        for i, child in enumerate(children):
            walk(child, child_prefix, i == len(children) - 1, level + 1, path + (name,))

    for root in lock["roots"]:
        walk(root, "", True, 0, ())
    build = sorted(n for n, e in packages.items() if e.get("build_only"))
    if build:
        out.append("build-only: " + ", ".join(f"{n} {packages[n]['version']}" for n in build))
    return out


def why_lines(lock: Lock, package: str, where: str = "the lock") -> List[str]:
    """Every chain (at most 200, shortest first) from a root to ``package``; NotFound if absent.

    Example: ``why_lines(lock, "idna") == ["requests 2.32.3 → (requires) idna 3.10"]``
    """
    packages = lock["packages"]
    target = normalize(package)
    if target not in packages:
        raise NotFound(f"{package!r} is not in {where} ({len(packages)} packages); `mach-nix tree` lists them.")
    parents = _parents(packages)
    roots = set(lock["roots"])
    chains: List[List[str]] = []

    def up(name: str, chain: List[str], seen: frozenset) -> None:
        if len(chains) >= MAX_CHAINS:
            return
        if name in roots:
            chains.append([name] + chain)
        for parent, how in sorted(parents.get(name, [])):
            if parent not in seen:
                up(parent, [f"{how} {name}"] + chain, seen | {parent})

    up(target, [], frozenset({target}))
    if not chains:
        return [f"{target} is in the lock but no root reaches it."]
    return [" ".join(_step(step, packages) for step in chain) for chain in sorted(chains, key=lambda c: (len(c), c))]


def _parents(packages: Dict[str, Any]) -> Dict[str, List[Tuple[str, str]]]:
    parents: Dict[str, List[Tuple[str, str]]] = {}
    for name, entry in packages.items():
        for dep in entry["dependencies"]:
            parents.setdefault(dep, []).append((name, "requires"))
        build_system = entry.get("build_system") or {}
        if build_system.get("resolved", True):  # unresolved build deps are not in the lock
            for dep in build_system.get("dependencies", []):
                parents.setdefault(dep, []).append((name, "builds with"))
    return parents


def _step(step: str, packages: Dict[str, Any]) -> str:
    how, _, name = step.rpartition(" ")
    text = f"{name} {packages[name]['version']}"
    return f"→ ({how}) {text}" if how else text
