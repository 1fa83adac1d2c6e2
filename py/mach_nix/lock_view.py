"""Views of a validated lock for people: the dependency tree and the chains that reach a package.

Example: ``print("\\n".join(tree_lines(read(Path("mach-nix.lock.json")))))``
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Dict, List, Set, Tuple

from mach_nix.errors import NotFound, quoted
from mach_nix.names import normalize

if TYPE_CHECKING:
    from mach_nix.shapes import LockDocument, LockEntry, Packages

MAX_CHAINS = 200


def label(name: str, entry: LockEntry) -> str:
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


MAX_TREE_DEPTH = 100  # levels the tree indents; deeper chains are cut with a pointer to `why`


def tree_lines(lock: LockDocument, depth: int = 0) -> List[str]:
    """The dependency tree from every root (``depth`` 0: no limit beyond ``MAX_TREE_DEPTH``); repeated
    subtrees show ``(*)``, a package met again on its own path ``(cycle)``.

    Walked with an explicit stack, so a chain of any length needs no recursion; each package is
    expanded once, so the tree has at most one expanded line per package and edge.
    Example: ``tree_lines(lock)[0] == "requests 2.32.3 [wheel py3-none-any]"``
    """
    packages = lock["packages"]
    limit = min(depth, MAX_TREE_DEPTH) if depth else MAX_TREE_DEPTH
    out: List[str] = []
    expanded: Set[str] = set()
    on_path: Set[str] = set()
    # frames: (name, prefix of its children, its children, index of the next child)
    for root in lock["roots"]:
        stack: List[Tuple[str, str, List[str], int]] = []
        _visit(root, "", True, 0, packages, out, expanded, on_path, stack, limit, depth)
        while stack:
            name, prefix, children, at = stack[-1]
            if at == len(children):
                stack.pop()
                on_path.discard(name)
                continue
            stack[-1] = (name, prefix, children, at + 1)
            _visit(children[at], prefix, at == len(children) - 1, len(stack), packages, out, expanded, on_path,
                   stack, limit, depth)
    build = sorted(n for n, e in packages.items() if e.get("build_only"))
    if build:
        out.append("build-only: " + ", ".join(f"{n} {packages[n]['version']}" for n in build))
    return out


def _visit(name: str, prefix: str, last: bool, level: int, packages: Packages, out: List[str],
           expanded: Set[str], on_path: Set[str], stack: List[Tuple[str, str, List[str], int]], limit: int,
           depth: int) -> None:
    """One line of the tree; pushes the package's children when they are to be shown."""
    entry = packages[name]
    branch = "" if level == 0 else ("└── " if last else "├── ")
    suffix = " (cycle)" if name in on_path else (" (*)" if name in expanded and entry["dependencies"] else "")
    out.append(prefix + branch + label(name, entry) + suffix)
    children = entry["dependencies"]
    if suffix or (depth and level >= depth):
        return
    child_prefix = prefix if level == 0 else prefix + ("    " if last else "│   ")
    if level >= limit and children:
        out.append(f"{child_prefix}└── … (more than {MAX_TREE_DEPTH} levels deep: `mach-nix why PKG` shows the "
                   "chain to a package)")
        return
    expanded.add(name)
    on_path.add(name)
    stack.append((name, child_prefix, children, 0))


def why_lines(lock: LockDocument, package: str, where: str = "the lock") -> List[str]:
    """The chains from a root to ``package``, shortest first, at most ``MAX_CHAINS`` (then a last
    line says there are more); NotFound if absent.

    The walk goes upwards from the package and only through packages a root reaches, nearest to a
    root first, so the first chain found is a shortest one. A graph with exponentially many paths
    is cut after ``MAX_CHAINS`` chains or a number of steps linear in the graph, whichever comes first.
    Example: ``why_lines(lock, "idna") == ["requests 2.32.3 → (requires) idna 3.10"]``
    """
    packages = lock["packages"]
    target = normalize(package)
    if target not in packages:
        raise NotFound(f"{quoted(package)} is not in {where} ({len(packages)} packages); `mach-nix tree` lists them.")
    parents = _parents(packages)
    roots = set(lock["roots"])
    height = _distance_from_roots(packages, roots)  # only packages a root reaches can be on a chain
    for name in parents:
        parents[name] = sorted((p for p in parents[name] if p[0] in height), key=lambda p: (height[p[0]], p))
    edges = sum(len(p) for p in parents.values())
    chains, complete = _upward_chains(target, parents, roots, steps=MIN_STEPS + STEPS_PER_EDGE * (len(packages) + edges))
    if not chains:
        return [f"{target} is in the lock but no root reaches it."]
    lines = [" ".join(_step(step, packages) for step in chain) for chain in sorted(chains, key=lambda c: (len(c), c))]
    if not complete:
        lines.append(f"… and more chains (at most {MAX_CHAINS} are shown)")
    return lines


# the chain walk's budget: enough for every chain of any real lock, linear in a hostile one's size
MIN_STEPS = 100_000
STEPS_PER_EDGE = 4


def _upward_chains(target: str, parents: Dict[str, List[Tuple[str, str]]], roots: Set[str],
                   steps: int) -> Tuple[List[List[str]], bool]:
    """Simple chains from a root down to ``target`` (each ``[root, "how name", …]``), by a walk up
    from ``target`` with an explicit stack; False with them when the walk was cut (past ``MAX_CHAINS``
    chains or ``steps`` steps) before it had seen every chain."""
    chains: List[List[str]] = []
    path: List[str] = [target]  # the steps from the package being looked at down to target
    on_path: Set[str] = {target}
    stack: List[Tuple[str, int]] = [(target, 0)]  # (package, index of its next parent)
    if target in roots:
        chains.append([target])
    while stack:
        steps -= 1
        if steps < 0 or len(chains) > MAX_CHAINS:  # one more than shown: then there are more
            return chains[:MAX_CHAINS], False
        name, at = stack[-1]
        options = parents.get(name, [])
        if at == len(options):
            stack.pop()
            on_path.discard(name)
            path.pop()
            continue
        stack[-1] = (name, at + 1)
        parent, how = options[at]
        if parent in on_path:
            continue
        step = f"{how} {name}"
        if parent in roots:
            chains.append([parent, step] + [s for s in reversed(path[1:])])
        stack.append((parent, 0))
        on_path.add(parent)
        path.append(step)
    return chains, True


def _distance_from_roots(packages: Packages, roots: Set[str]) -> Dict[str, int]:
    """Fewest steps from any root to each package a root reaches (breadth first, runtime and build edges)."""
    height = {root: 0 for root in sorted(roots) if root in packages}
    queue = deque(height)
    while queue:
        name = queue.popleft()
        entry = packages[name]
        build_system = entry.get("build_system") or {}
        below = list(entry["dependencies"])
        if build_system.get("resolved", True):
            below += build_system.get("dependencies", [])
        for dep in below:
            if dep not in height and dep in packages:
                height[dep] = height[name] + 1
                queue.append(dep)
    return height


def _parents(packages: Packages) -> Dict[str, List[Tuple[str, str]]]:
    parents: Dict[str, List[Tuple[str, str]]] = {}
    for name, entry in packages.items():
        for dep in entry["dependencies"]:
            parents.setdefault(dep, []).append((name, "requires"))
        build_system = entry.get("build_system") or {}
        if build_system.get("resolved", True):  # unresolved build deps are not in the lock
            for dep in build_system.get("dependencies", []):
                parents.setdefault(dep, []).append((name, "builds with"))
    return parents


def _step(step: str, packages: Packages) -> str:
    how, _, name = step.rpartition(" ")
    text = f"{name} {packages[name]['version']}"
    return f"→ ({how}) {text}" if how else text
