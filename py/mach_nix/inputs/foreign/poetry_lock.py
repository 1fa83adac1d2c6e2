"""poetry.lock (Poetry 2: ``lock-version`` 2.1, with ``groups`` and ``markers`` per package) → a flat
:class:`ForeignLock`.

Poetry records files by name and hash only, not by URL: the URL comes from mach-nix's index where
the file is there, else from PyPI's simple page (see convert.py). Poetry 1 locks (no ``groups``)
cannot say which packages a group installs without the pyproject; they are refused with the
command that upgrades them.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

from mach_nix.errors import MachNixError
from mach_nix.inputs.foreign import Edge, ForeignFile, ForeignLock, ForeignPackage, expect, sha256_of
from mach_nix.names import normalize

POETRY_SOURCES = {"git": "git", "url": "url", "file": "path", "directory": "directory", "legacy": "registry"}


def read_poetry_lock(doc: Dict[str, Any], path: str, sha256: str) -> ForeignLock:
    """The packages of a parsed poetry.lock. Example: ``read_poetry_lock(tomllib.loads(t), "poetry.lock", sha)``"""
    meta = doc.get("metadata") or {}
    entries = doc.get("package", [])
    if entries and not any("groups" in e for e in entries):
        raise MachNixError(f"{path} was written by Poetry 1 (lock-version {meta.get('lock-version')!r}), which does not "
                           "record the groups of each package; re-lock it with Poetry 2 (`poetry lock`).")
    packages = [_package(e, f"{path}, package {e.get('name')!r}") for e in entries]
    return ForeignLock("poetry", path, sha256, packages, flat=True, requires_python=meta.get("python-versions"))


def _package(entry: Dict[str, Any], where: str) -> ForeignPackage:
    expect(isinstance(entry.get("name"), str) and isinstance(entry.get("version"), str), where, "no name or version")
    source = entry.get("source") or {}
    kind = POETRY_SOURCES.get(source.get("type", "legacy"), None)
    expect(kind is not None, where, f"source type {source.get('type')!r} is unknown")
    package = ForeignPackage(normalize(entry["name"]), entry["version"], source=kind or "registry",
                             source_ref=source.get("url") if kind != "registry" else None)
    for item in entry.get("files", []):
        name = item.get("file")
        expect(isinstance(name, str), where, f"a file without a name: {item!r}")
        local = package.source_ref if kind == "path" and package.source_ref and package.source_ref.endswith(name) else None
        file = ForeignFile(name, None, sha256_of(item.get("hash")), local)
        if name.endswith(".whl"):
            package.wheels.append(file)
        else:
            package.sdist = file
    markers = entry.get("markers")
    if isinstance(markers, dict):
        package.group_markers = {normalize(g): str(m) for g, m in markers.items()}
    elif isinstance(markers, str):
        package.marker = markers
    package.in_groups = tuple(normalize(g) for g in entry.get("groups", ["main"]))
    package.dependencies = [edge for name, spec in (entry.get("dependencies") or {}).items()
                            for edge in _edges(name, spec)]
    return package


def _edges(name: str, spec: Any) -> List[Edge]:
    """One ``[package.dependencies]`` entry: a version string, a table, or a list of tables."""
    items = spec if isinstance(spec, list) else [spec]
    edges = []
    for item in items:
        if not isinstance(item, dict):
            edges.append(Edge(normalize(name)))
            continue
        marker = item.get("markers")
        if item.get("python"):
            marker = _and(marker, _python_marker(str(item["python"])))
        extras = tuple(sorted(normalize(e) for e in item.get("extras", [])))
        edges.append(Edge(normalize(name), marker, extras))
    return edges


def _python_marker(python: str) -> str:
    """Poetry's ``python = ">=3.8,<3.11"`` as a PEP 508 marker (``^``/``~`` are not used in locks)."""
    parts = [p.strip() for p in re.split(r"[,]", python) if p.strip() and p.strip() != "*"]
    return " and ".join(f'python_full_version {p[:2] if p[1] in "=<>" else p[0]} "{p.lstrip("<>=!~").strip()}"'
                        for p in parts) or 'python_version >= "0"'


def _and(left: Any, right: str) -> str:
    return f"({left}) and ({right})" if left else right
