"""uv.lock (uv's universal lock, ``version = 1``) → :class:`ForeignLock` (a graph).

Read: ``[[package]]`` with ``source`` (registry, url, path, directory, git, editable, virtual),
``sdist``/``wheels`` (url + hash), ``dependencies``, ``optional-dependencies`` and
``dev-dependencies`` (uv's name for dependency groups); each edge may carry ``marker``, ``extra``
and, where several versions of one name are locked, ``version``. The editable and virtual members
are the lock's own project: their dependencies are the roots.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from mach_nix.inputs.foreign import Edge, ForeignFile, ForeignLock, ForeignPackage, expect, filename_of, sha256_of
from mach_nix.names import normalize

OWN_SOURCES = ("editable", "virtual")
SOURCE_KINDS = ("registry", "url", "path", "directory", "git", "editable", "virtual")


def read_uv_lock(doc: Dict[str, Any], path: str, sha256: str) -> ForeignLock:
    """The packages of a parsed uv.lock. Example: ``read_uv_lock(tomllib.loads(text), "uv.lock", sha)``"""
    expect(doc.get("version") == 1, path, f"version = {doc.get('version')!r}; mach-nix reads uv.lock version 1")
    packages = [_package(entry, f"{path}, package #{i}") for i, entry in enumerate(doc.get("package", []), 1)]
    own = tuple(sorted({p.name for p in packages if p.source in OWN_SOURCES and p.source_ref in (".", "")}))
    if not own:
        own = tuple(sorted({p.name for p in packages if p.source in OWN_SOURCES}))
    expect(bool(own), path, "no editable or virtual package (the project the lock is for)")
    return ForeignLock("uv", path, sha256, packages, flat=False, requires_python=doc.get("requires-python"),
                       own_names=own)


def _package(entry: Dict[str, Any], where: str) -> ForeignPackage:
    expect(isinstance(entry.get("name"), str), where, "a package without a name")
    where = f"{where.rsplit(',', 1)[0]}, package {entry['name']}"
    source = entry.get("source") or {}
    kind = next((k for k in SOURCE_KINDS if k in source), None)
    expect(kind is not None, where, f"source {source!r} is none of {', '.join(SOURCE_KINDS)}")
    version = entry.get("version")
    expect(isinstance(version, str) or kind in OWN_SOURCES, where, "no version")
    package = ForeignPackage(normalize(entry["name"]), version or "0", source=kind or "registry",
                             source_ref=None if kind == "registry" else str(source[kind]))
    local = package.source_ref if kind == "path" else None  # a path source is the file itself
    package.wheels = [_file(w, where, local) for w in entry.get("wheels", [])]
    if entry.get("sdist"):
        package.sdist = _file(entry["sdist"], where, local)
    package.dependencies = _edges(entry.get("dependencies", []), where)
    package.optional = {normalize(k): _edges(v, where) for k, v in (entry.get("optional-dependencies") or {}).items()}
    package.groups = {normalize(k): _edges(v, where) for k, v in (entry.get("dev-dependencies") or {}).items()}
    return package


def _file(item: Dict[str, Any], where: str, source_path: Optional[str]) -> ForeignFile:
    url = item.get("url")
    local = item.get("path") or item.get("filename")
    expect(isinstance(url, str) or isinstance(local, str), where, f"a file without url or path: {item!r}")
    name = filename_of(url if isinstance(url, str) else str(local))
    path = item.get("path") or (source_path if source_path and filename_of(source_path) == name else None)
    return ForeignFile(name, url if isinstance(url, str) else None, sha256_of(item.get("hash")), path)


def _edges(items: List[Any], where: str) -> List[Edge]:
    edges = []
    for item in items:
        expect(isinstance(item, dict) and isinstance(item.get("name"), str), where, f"a dependency {item!r}")
        extras = item.get("extra") or []
        edges.append(Edge(normalize(item["name"]), item.get("marker"), tuple(sorted(normalize(e) for e in extras)),
                          item.get("version")))
    return edges
